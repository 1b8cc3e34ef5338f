"""The Train page's logic: start a run, and show the current (or latest) run live from its folder.

Nothing about a run lives in session state: the page reads the run directory on every rerun, so a
browser refresh or a second tab re-attaches to the same run. A fragment polls the folder while the
run is active and triggers one full rerun when it ends, which redraws the page without a timer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from fmnist_core.plots import plots
from fmnist_core.runs import run_summary, runs
from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import error_text, t
from fmnist_ui.shared.training import POLL_S, current_run, progress_bar, start_training

NEXT_PAGES = (  # (page, catalog key of the link, icon)
    ("pages/evaluate.py", "train.next_evaluate", ":material/grid_on:"),
    ("pages/runs.py", "train.next_runs", ":material/table_rows:"),
)


def check_settings(model: str, settings: dict[str, Any]) -> tuple[TrainingConfig | None, str | None]:
    """The run the form describes, or None and the reason it cannot be trained as shown."""
    try:
        return TrainingConfig.for_model(model, **settings), None
    except ValueError as exc:
        return None, error_text(exc)


def start_and_report(config: TrainingConfig) -> None:
    """The Train button: starts a run, or says clearly why not."""
    try:
        run_id = start_training(config)
    except (TrainingBusyError, OSError) as exc:
        st.error(error_text(exc), icon=":material/block:")
        return
    st.toast(t("train.started", run_id=run_id), icon=":material/rocket_launch:")


def show_current_run() -> None:
    """Shows the active run live, else the latest trained run with its outcome."""
    records = loaders.list_runs()
    record = current_run(records) or next((r for r in records if not r.is_imported), None)
    if record is None:
        st.info(t("train.no_runs"))
        return
    watch_run(record.id, active=record.is_active)


def watch_run(run_id: str, active: bool) -> None:
    """Renders one run; while ``active``, re-renders every POLL_S seconds until it ends."""

    @st.fragment(run_every=POLL_S if active else None)
    def run_panel() -> None:
        try:
            folder = runs.run_path(run_id)
            record = runs.refresh_status(folder)
        except ValueError:
            st.warning(t("train.deleted", run_id=run_id))
            return
        render_run(record, folder)
        if active and not record.is_active:
            st.rerun()  # full rerun: the page is redrawn without the polling timer

    run_panel()


def render_run(record: RunRecord, folder: Path) -> None:
    """Header, live progress, curves and outcome of one run."""
    heading = t("train.training_now" if record.is_active else "train.latest_run")
    st.subheader(
        t(
            "train.run_heading",
            heading=heading,
            title=widgets.run_title(record),
            badge=widgets.status_badge(record.status),
        )
    )
    st.caption(t("train.run_caption", run_id=record.id, summary=widgets.config_summary(record)))
    history = runs.read_history(folder)
    if record.is_active:
        show_progress(record, folder, history)
        stop_control(folder)
    if history:
        st.plotly_chart(
            plots.plot_training_curves(history, t=t),
            key=f"train_curves_{record.id}",
            config=widgets.NO_TOOLBAR,
        )
    elif record.is_active:
        st.caption(t("train.curves_soon"))
    show_outcome(record, history)


def epochs_done_text(record: RunRecord, history: list[dict[str, Any]]) -> str:
    """``epoch 2 of 300 planned``: the curves span only the epochs done, so say how many were planned."""
    planned = record.config.get("epochs")
    if planned:
        return t("train.epoch_of_planned", done=len(history), planned=planned)
    return t("train.epoch_only", done=len(history))


def show_progress(record: RunRecord, folder: Path, history: list[dict[str, Any]]) -> None:
    """Status line, progress bar within the current epoch, epochs done, time elapsed and time left."""
    if record.status == "queued":
        st.info(t("train.queued"))
        return
    progress = runs.read_progress(folder)
    st.progress(*progress_bar(progress))
    elapsed = run_summary.elapsed_seconds(record)
    left = run_summary.seconds_left(record, history, progress)
    timing = t("train.elapsed", duration=widgets.duration_text(elapsed)) if elapsed is not None else ""
    timing += t("train.left", duration=widgets.duration_text(left)) if left is not None else ""
    planned = (record.config or {}).get("epochs") or "?"
    st.markdown(t("train.epochs_done", done=len(history), planned=planned) + timing)


def stop_control(folder: Path) -> None:
    """The Stop button, then a note that a stop was requested (read from disk: survives refreshes)."""
    if not runs.stop_requested(folder) and st.button(
        t("train.stop"),
        key="train_stop",
        icon=":material/stop_circle:",
        help=t("train.stop_help"),
    ):
        runs.request_stop(folder)
    if runs.stop_requested(folder):
        st.caption(t("train.stop_requested"))


def show_outcome(record: RunRecord, history: list[dict[str, Any]]) -> None:
    """What happened to a run that ended, and where to go next."""
    status, test = record.status, record.test or {}
    score = t("train.score", accuracy=test["accuracy"], loss=test["loss"]) if test else ""
    if status == "finished":
        planned = record.config.get("epochs")
        done = (
            t("train.all_epochs", planned=planned)
            if len(history) == planned
            else epochs_done_text(record, history)
        )
        st.success(t("train.finished", done=done, score=score))
    elif status == "stopped" and test:
        st.warning(t("train.stopped", when=stopped_when(record, history), score=score))
    elif status == "stopped":
        st.warning(t("train.stopped_before"))
    elif status == "failed":
        st.error(t("train.failed", error=record.error or t("train.no_reason")))
    if status in ("finished", "stopped") and test:
        widgets.page_links(*((page, t(key), icon) for page, key, icon in NEXT_PAGES))


def stopped_when(record: RunRecord, history: list[dict[str, Any]]) -> str:
    """``in epoch 5 of 20 planned; the model kept the weights of epoch 3, ...``."""
    if not history:
        return t("train.stopped_first_epoch")
    kept = run_summary.kept_epoch(record, history)
    why = t("train.kept_why") if kept != history[-1]["epoch"] else ""
    return t("train.stopped_in", epochs=epochs_done_text(record, history), kept=kept, why=why)
