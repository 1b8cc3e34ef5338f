"""The Overview page's parts: the dataset at a glance, recent runs, and the starter models."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from fmnist_core.data import DatasetError
from fmnist_core.plots import plots
from fmnist_core.runs import runs
from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig, launch_queue
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import error_text, t

# Quick settings that finish in a few minutes on 2 CPU cores (full data):
# mlp about 7 s per epoch, the CNN with batch 128 about 25 s per epoch.
STARTER_MODELS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("mlp", {"epochs": 3}),
    ("cnn", {"epochs": 2, "batch_size": 128}),
)
RECENT_RUNS = 6
WATCHED = "overview_watched"  # session state: ids of the runs this session saw queued or training


def show_dataset() -> None:
    """A 5x5 grid of labelled test images and the class balance, or why the data is missing."""
    try:
        dataset = loaders.load_dataset()
    except DatasetError as exc:
        st.error(t("overview.dataset_error", error=error_text(exc)), icon=":material/database:")
        return
    grid, balance = st.columns([3, 2], gap="large")
    with grid:
        indices = plots.sample_indices(dataset.y_test, count=25)
        st.plotly_chart(
            plots.plot_sample_grid(dataset.x_test[indices], dataset.y_test[indices], t=t),
            key="overview_samples",
            config=widgets.NO_TOOLBAR,
        )
    with balance:
        st.markdown(t("overview.images_per_class"))
        st.plotly_chart(
            plots.plot_class_balance(dataset.y_train, dataset.y_test, t=t),
            key="overview_balance",
            config=widgets.NO_TOOLBAR,
        )


def recent_runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The newest runs: model, status, test accuracy, date (English column names: they are renamed
    for display by ``show_recent_runs``)."""
    rows = [
        {
            "model": widgets.run_title(record),
            "status": widgets.status_name(record.status),
            "test accuracy": widgets.percent_cell(record.test_accuracy),
            "started": pd.to_datetime(record.created_at, utc=True),
            "settings": widgets.config_summary(record),
        }
        for record in records[:RECENT_RUNS]
    ]
    return pd.DataFrame(rows)


COLUMNS = ("model", "status", "test accuracy", "started", "settings")  # overview.column.<name without spaces>


def show_recent_runs(records: list[RunRecord]) -> None:
    labels = {column: t(f"overview.column.{column.replace(' ', '_')}") for column in COLUMNS}
    st.dataframe(
        recent_runs_frame(records),
        hide_index=True,
        key="overview_recent_runs",
        column_config={
            "model": st.column_config.TextColumn(labels["model"]),
            "status": st.column_config.TextColumn(labels["status"]),
            "test accuracy": widgets.NUMBER_TEXT_COLUMN(labels["test accuracy"]),
            "started": st.column_config.DatetimeColumn(labels["started"], format="YYYY-MM-DD HH:mm"),
            "settings": st.column_config.TextColumn(labels["settings"]),
        },
    )
    if len(records) > RECENT_RUNS:
        st.caption(t("overview.older_runs", count=len(records) - RECENT_RUNS))


def needs_starter(records: list[RunRecord]) -> bool:
    """A first-time user: nothing trained (or training) yet, so the other pages have nothing to show."""
    return not any(record.status in ("finished", "stopped", "queued", "running") for record in records)


def start_starter_models() -> None:
    """The starter button: one worker trains the starter models in turn."""
    configs = [TrainingConfig.for_model(model, **settings) for model, settings in STARTER_MODELS]
    try:
        launch_queue(configs)
    except (TrainingBusyError, OSError) as exc:
        st.error(error_text(exc))
        return
    st.rerun()  # redraw with the queue's progress


def starter_description() -> str:
    parts = [
        t("overview.starter_part", model=model, epochs=settings["epochs"])
        for model, settings in STARTER_MODELS
    ]
    return t("overview.starter_and").join(parts)


def show_finished_notice(records: list[RunRecord]) -> None:
    """Once the runs this session watched have all ended, says how they did and where to go next,
    instead of letting the "Training now" block silently disappear."""
    watched = st.session_state.get(WATCHED, [])
    ended = [r for r in records if r.id in watched and not r.is_active]
    if not ended or any(r.id in watched and r.is_active for r in records):
        return
    outcomes = [
        f"{widgets.run_title(r)} {r.test_accuracy:.1%}"
        if r.test
        else f"{widgets.run_title(r)} {widgets.status_name(r.status)}"
        for r in sorted(ended, key=lambda r: r.started_at or "")  # in the order they trained
    ]
    with st.container(border=True):
        st.success(t("overview.training_done", outcomes=", ".join(outcomes)), icon=":material/check_circle:")
        widgets.page_links(
            (
                "pages/evaluate.py",
                t("overview.open_evaluate"),
                ":material/grid_on:",
                t("overview.open_evaluate_caption"),
            ),
            (
                "pages/draw.py",
                t("overview.draw_garment"),
                ":material/draw:",
                t("overview.draw_garment_caption"),
            ),
        )


def watch_active_runs(statuses: dict[str, str]) -> None:
    """Progress of the queued and running runs (run id -> status when the page was drawn).

    Polls while they train; when any of them changes status (a queued run starts, one ends) the
    whole page reruns, so the recent-runs table below never disagrees with this panel.
    """
    watched = st.session_state.setdefault(WATCHED, [])
    watched.extend(run_id for run_id in statuses if run_id not in watched)

    @st.fragment(run_every=shared_training.POLL_S)
    def queue_panel() -> None:
        for run_id, status_drawn in statuses.items():
            try:
                folder = runs.run_path(run_id)
                record = runs.refresh_status(folder)
            except ValueError:  # deleted meanwhile
                st.rerun()
            if record.status != status_drawn:
                st.rerun()
            show_queue_entry(record, folder)

    queue_panel()


def show_queue_entry(record: RunRecord, folder: Any) -> None:
    """One line per run of the queue: model, status and, while running, the epoch's progress."""
    history = runs.read_history(folder)
    epochs = record.config.get("epochs")
    st.markdown(
        t(
            "overview.queue_entry",
            title=widgets.run_title(record),
            badge=widgets.status_badge(record.status),
            done=len(history),
            planned=epochs,
        )
    )
    if record.status == "running":
        st.progress(*shared_training.progress_bar(runs.read_progress(folder)))
    elif record.status == "failed":
        st.error(record.error or widgets.status_name("failed"))
