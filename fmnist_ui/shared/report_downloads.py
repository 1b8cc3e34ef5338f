"""The Download report buttons of Evaluate (one run), its Compare tab (two runs) and Sweep (one sweep).

Streamlit calls a download button's ``data`` callable only when it is clicked, in a thread of its
own outside the script run: so the report's language is taken now (the session's ``t`` cannot be
asked there), and the cached data the page already holds (the run's evaluation, the test images)
is handed to the core builder, which makes a click cost about a second.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from fmnist_core import reports, words
from fmnist_core.plots import sweep_rows
from fmnist_core.reports import html
from fmnist_core.runs import runs
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import i18n, loaders
from fmnist_ui.shared.i18n import t

Build = Callable[[words.Text, str], str]  # (t, lang) -> the page


def text_of(lang: str) -> words.Text:
    """``t`` of a fixed language: usable outside the script run (the button's own thread)."""
    catalog = i18n.catalog(lang)
    return lambda key, **values: words.fill(catalog, key, values)


def refusal_page(error: Exception, t_: words.Text, lang: str) -> str:
    """A small page that says why the report could not be built (the button's file cannot be
    replaced by a message on the page once it is clicked)."""
    message = t_("error.report.not_built", reason=error)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(message)}</title>'
        f"</head><body><p>{html.escape(message)}</p></body></html>\n"
    )


def render_report_button(
    file_name: str, key: str, build: Build, disabled: bool = False, help_text: str = ""
) -> None:
    """A Download report button whose file ``build(t, lang)`` writes on click, in the session's language."""
    lang = i18n.language()
    t_ = text_of(lang)

    def deferred() -> bytes:
        try:
            return build(t_, lang).encode("utf-8")
        except (ValueError, RuntimeError, OSError) as exc:
            return refusal_page(exc, t_, lang).encode("utf-8")

    st.download_button(
        t("report.download"),
        data=deferred,
        file_name=file_name,
        mime="text/html",
        key=key,
        icon=":material/download:",
        help=help_text or t("report.download_help"),
        on_click="ignore",
        disabled=disabled,
    )


def render_run_report(record: RunRecord) -> None:
    """Evaluate's button for the chosen run, from the run's cached evaluation and test images."""
    evaluation, images = loaders.load_evaluation(record.id), loaders.test_images_or_none()
    folder = loaders.run_folder(record.id)
    render_report_button(
        f"report-{record.id}.html",
        "evaluate_report",
        lambda t_, lang: reports.build_run_report(folder, t_, lang, run=evaluation, images=images),
    )


def render_compare_report(a: RunRecord, b: RunRecord) -> None:
    """The Compare tab's button for runs A and B."""
    evaluations = loaders.load_evaluation(a.id), loaders.load_evaluation(b.id)
    images = loaders.test_images_or_none()
    folders = loaders.run_folder(a.id), loaders.run_folder(b.id)
    render_report_button(
        f"compare-{a.id}-{b.id}.html",
        "evaluate_compare_report",
        lambda t_, lang: reports.build_compare_report(
            *folders, t_, lang, evaluations=evaluations, images=images
        ),
    )


def render_sweep_report(name: str, rows: list[dict]) -> None:
    """The Sweep page's button for the shown sweep; disabled until a trial is complete."""
    from fmnist_core.reports.sweep_report import build_sweep_report

    root = runs.artifacts_root()
    finished = sweep_rows.best_row(rows) is not None
    render_report_button(
        f"sweep-{name}.html",
        f"sweep_report_{name}",
        lambda t_, lang: build_sweep_report(name, root, t_, lang),
        disabled=not finished,
        help_text="" if finished else t("report.no_finished_trial"),
    )
