"""The Train page's logic: start a run, and show the current (or latest) run live from its folder.

Nothing about a run lives in session state: the page reads the run directory on every rerun, so a
browser refresh or a second tab re-attaches to the same run. A fragment polls the folder while the
run is active and triggers one full rerun when it ends, which redraws the page without a timer.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import streamlit as st

from fmnist_core import plots, run_summary, runs
from fmnist_core.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig, launch_training
from fmnist_ui import loaders, widgets

POLL_S = 1.0
NEXT_PAGES = (
    ("pages/evaluate.py", "Study its mistakes on Evaluate", ":material/grid_on:"),
    ("pages/runs.py", "Compare it with other runs", ":material/table_rows:"),
)


def current_run(records: list[RunRecord]) -> RunRecord | None:
    """The run that trains now: the running one, else the oldest queued one (queues run in order)."""
    running = [record for record in records if record.status == "running"]
    if running:
        return running[0]
    queued = [record for record in records if record.status == "queued"]
    return min(queued, key=lambda record: record.created_at or "") if queued else None


def busy_message(record: RunRecord) -> str:
    return f"Run {record.id} ({record.model}) is already training; stop it or wait for it to finish."


def check_settings(model: str, settings: dict[str, Any]) -> tuple[TrainingConfig | None, str | None]:
    """The run the form describes, or None and the reason it cannot be trained as shown."""
    try:
        return TrainingConfig.for_model(model, **settings), None
    except ValueError as exc:
        return None, str(exc)


def start_training(config: TrainingConfig) -> str:
    """Starts a worker process for ``config``; returns the new run id.

    Raises:
        TrainingBusyError: a run is already training (only one trains at a time).
    """
    active = current_run(loaders.list_runs())
    if active:
        raise TrainingBusyError(busy_message(active))
    return launch_training(config)  # the training lock also refuses a race between two tabs


def start_and_report(config: TrainingConfig) -> None:
    """The Train button: starts a run, or says clearly why not."""
    try:
        run_id = start_training(config)
    except (TrainingBusyError, OSError) as exc:
        st.error(str(exc), icon=":material/block:")
        return
    st.toast(f"Started run {run_id}", icon=":material/rocket_launch:")


def show_current_run() -> None:
    """Shows the active run live, else the latest trained run with its outcome."""
    records = loaders.list_runs()
    record = current_run(records) or next((r for r in records if not r.is_imported), None)
    if record is None:
        st.info("No runs yet: choose a model and its settings above, then press **Train**.")
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
            st.warning(f"Run {run_id} was deleted.")
            return
        render_run(record, folder)
        if active and not record.is_active:
            st.rerun()  # full rerun: the page is redrawn without the polling timer

    run_panel()


def render_run(record: RunRecord, folder: Path) -> None:
    """Header, live progress, curves and outcome of one run."""
    heading = "Training now" if record.is_active else "Latest run"
    st.subheader(f"{heading}: {record.title} {widgets.status_badge(record.status)}")
    st.caption(f"Run `{record.id}` · {widgets.config_summary(record)}")
    history = runs.read_history(folder)
    if record.is_active:
        show_progress(record, folder, history)
        stop_control(folder)
    if history:
        st.plotly_chart(
            plots.plot_training_curves(history), key=f"train_curves_{record.id}", config=widgets.NO_TOOLBAR
        )
    elif record.is_active:
        st.caption("The accuracy and loss curves appear here after the first epoch.")
    show_outcome(record, history)


def epochs_done_text(record: RunRecord, history: list[dict[str, Any]]) -> str:
    """``epoch 2 of 300 planned``: the curves span only the epochs done, so say how many were planned."""
    planned = record.config.get("epochs")
    return f"epoch {len(history)} of {planned} planned" if planned else f"epoch {len(history)}"


def show_progress(record: RunRecord, folder: Path, history: list[dict[str, Any]]) -> None:
    """Status line, progress bar within the current epoch, epochs done, time elapsed and time left."""
    if record.status == "queued":
        st.info("Queued: it starts when the training process is ready (one run trains at a time).")
        return
    progress = runs.read_progress(folder)
    st.progress(*progress_bar(progress))
    elapsed = run_summary.elapsed_seconds(record)
    left = run_summary.seconds_left(record, history, progress)
    timing = f" · {widgets.duration_text(elapsed)} elapsed" if elapsed is not None else ""
    timing += f" · about {widgets.duration_text(left)} left" if left is not None else ""
    st.markdown(f"**{len(history)} of {(record.config or {}).get('epochs') or '?'} epochs done**{timing}")


def progress_bar(progress: dict[str, Any]) -> tuple[float, str]:
    """(fraction of the current epoch, text) from ``progress.json``."""
    batches = progress.get("batches") or 0
    if not batches:
        return 0.0, "Starting: loading the data and building the model ..."
    text = f"Epoch {progress.get('epoch', 0)} of {progress.get('epochs', '?')} · batch {progress.get('batch', 0):,} of {batches:,}"
    for name, fmt in (("loss", "{:.3f}"), ("accuracy", "{:.1%}")):
        value = progress.get(name)
        if isinstance(value, (int, float)) and math.isfinite(value):
            text += f" · {name} {fmt.format(value)}"
    return min(progress.get("batch", 0) / batches, 1.0), text


def stop_control(folder: Path) -> None:
    """The Stop button, then a note that a stop was requested (read from disk: survives refreshes)."""
    if not runs.stop_requested(folder) and st.button(
        "Stop",
        key="train_stop",
        icon=":material/stop_circle:",
        help="Stops the run after the current batch; it keeps its best weights so far.",
    ):
        runs.request_stop(folder)
    if runs.stop_requested(folder):
        st.caption(":material/hourglass_top: Stop requested: the run ends after the current batch.")


def show_outcome(record: RunRecord, history: list[dict[str, Any]]) -> None:
    """What happened to a run that ended, and where to go next."""
    status, test = record.status, record.test or {}
    score = f"test accuracy **{test['accuracy']:.2%}** (loss {test['loss']:.3f})" if test else ""
    if status == "finished":
        planned = record.config.get("epochs")
        done = f"all {planned} epochs" if len(history) == planned else epochs_done_text(record, history)
        st.success(f"Finished {done}: {score} on the 10,000 test images.")
    elif status == "stopped" and test:
        st.warning(f"Stopped at your request {stopped_when(record, history)} {score}.")
    elif status == "stopped":
        st.warning("Stopped at your request before training began, so no model was saved.")
    elif status == "failed":
        st.error(f"Training failed: {record.error or 'no reason was recorded'}")
    if status in ("finished", "stopped") and test:
        widgets.page_links(*NEXT_PAGES)


def stopped_when(record: RunRecord, history: list[dict[str, Any]]) -> str:
    """``in epoch 5 of 20 planned; the model kept the weights of epoch 3, ...``."""
    if not history:
        return "during the first epoch; the model it kept scores"
    kept = run_summary.kept_epoch(record, history)
    why = " (the lowest validation loss)" if kept != history[-1]["epoch"] else ""
    return (
        f"in {epochs_done_text(record, history)}; the model kept the weights of epoch {kept}{why} and scores"
    )
