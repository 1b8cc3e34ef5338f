"""The run being studied, shared by Evaluate and Draw and kept in the URL (``?run=<id>``).

A run picked on one page is the one the other page opens with, and a reload or a shared link opens
the same run again. Only a visitor who has picked nothing yet gets a page's own default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from fmnist_core.runs import runs
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import widgets
from fmnist_ui.shared.i18n import error_text, t

STUDIED = "studied_run"  # session state: the run last picked on Evaluate or Draw


def requested_run(ids: list[str]) -> tuple[str | None, str | None]:
    """The run named by ``?run=`` in the URL, and a message when it cannot be shown."""
    requested = st.query_params.get("run")
    if not requested:
        return None, None
    try:
        runs.run_path(requested)
    except ValueError as exc:
        return None, t("common.link_unusable", error=error_text(exc))
    if requested not in ids:
        return None, t("common.link_no_predictions", run_id=requested)
    return requested, None


def newest(records: list[RunRecord]) -> str:
    """Evaluate's default: the newest finished run (records come newest first)."""
    return records[0].id


def most_accurate(records: list[RunRecord]) -> str:
    """Draw's default: the finished run with the best test accuracy."""
    return max(records, key=lambda record: record.test_accuracy or 0.0).id


def pick_run(
    records: list[RunRecord],
    key: str,
    default: Callable[[list[RunRecord]], str],
    on_change: Callable[[], None] | None = None,
    **selectbox_options: Any,
) -> RunRecord:
    """A select box of ``records`` opened at the URL's run, else the run studied last, else
    ``default(records)``; the choice is written back to the URL and the session.

    Args:
        records: the runs to choose from (finished ones with predictions), newest first.
        key: the select box's widget key.
        default: picks a run for a visitor who has chosen none.
        on_change: also called when the user picks another run.
        selectbox_options: label, help and other ``st.selectbox`` arguments.
    """
    by_id = {record.id: record for record in records}
    ids = list(by_id)
    requested, problem = requested_run(ids)
    remembered = st.session_state.get(STUDIED)
    fallback = remembered if remembered in by_id else default(records)
    if problem:
        st.error(
            t("common.link_fallback", problem=problem, run=widgets.run_label(by_id[fallback])),
            icon=":material/link_off:",
        )
    current = st.session_state.get(key)
    chosen = current if current in by_id else requested or fallback

    def changed() -> None:
        st.session_state[STUDIED] = st.query_params["run"] = st.session_state[key]
        if on_change:
            on_change()

    run_id = st.selectbox(
        options=ids,
        index=ids.index(chosen),
        format_func=lambda run: widgets.run_label(by_id[run]),
        key=key,
        on_change=changed,
        **selectbox_options,
    )
    st.session_state[STUDIED] = st.query_params["run"] = run_id
    return by_id[run_id]
