"""The Runs page's parts: the table of runs, the curve overlay, deleting, and loading a .keras model."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_core.data import DatasetError
from fmnist_core.models import importing
from fmnist_core.models.model_files import ModelFileError
from fmnist_core.plots import plots
from fmnist_core.runs import run_summary, runs
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import error_text, t

PENDING_DELETE = "runs_pending_delete"  # the run waiting for "Yes, delete it"
DELETE_TARGET = "runs_delete_target"  # the run picked for deletion, kept apart from the widget
DELETED_NOTICE = "runs_deleted_notice"
UPLOAD_GENERATION = "runs_upload_generation"  # a new uploader key empties the uploader
IMPORT_NOTICE = "runs_import_notice"
OVERLAY_DEFAULT = 3
COMPARE = "runs_compare"
COMPARE_SEEN = "runs_compare_seen"  # runs that had curves when the overlay was last drawn


def column_label(name: str) -> str:
    """A column's header in the page's language (the frame keeps its English names)."""
    return t(f"runs.column.{name.replace(' ', '_')}")


def duration_seconds(record: RunRecord) -> float | None:
    return run_summary.elapsed_seconds(record) if record.finished_at else None


def epochs_cell(record: RunRecord, history: list[dict[str, Any]]) -> str:
    """``5 / 20``: epochs done of those planned (blank for imported models)."""
    planned = record.config.get("epochs")
    return f"{len(history)} / {planned}" if planned else ""


def setting_cell(value: Any) -> str:
    """A hyperparameter as a table cell: blank when the model does not take it."""
    return "" if value is None else widgets.setting_text(value)


def runs_frame(records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]) -> pd.DataFrame:
    """One row per run: model, status, accuracies, epochs done / planned, images trained on,
    hyperparameters, size, duration and date."""
    rows = []
    for record in records:
        config, history = record.config, histories[record.id]
        imported = record.is_imported
        rows.append({
            "model": record.title,
            "status": widgets.status_name(record.status),
            "test accuracy": widgets.percent_cell(record.test_accuracy),
            "best val accuracy": widgets.percent_cell(run_summary.best_val_accuracy(history)),
            "epochs": epochs_cell(record, history),
            "training images": widgets.count_cell(None if imported else run_summary.trained_images(config)),
            **{key.replace("_", " "): setting_cell(config.get(key)) for key in widgets.LABELS if key != "epochs"},
            "recipe": config.get("recipe") or "",
            "seed": "" if imported else str(config.get("seed", "")),
            "date": record.created_at,
            "duration": duration_seconds(record),
            "parameters": widgets.count_cell(record.params),
            "run id": record.id,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    # Whole columns at once: one pd.to_datetime per row took a third of a millisecond, a second
    # for 3,000 runs.
    frame["date"] = pd.to_datetime(frame["date"], utc=True, format="ISO8601")
    frame["duration"] = pd.to_timedelta(frame["duration"], unit="s")
    return frame


def show_runs_and_curves(records: list[RunRecord]) -> None:
    """The table of runs and the overlaid curves of the chosen ones.

    While a run is queued or training they are redrawn every second from the run folders (new
    epochs, accuracies, statuses); when one starts or ends the whole page reruns once, so that the
    delete picker below agrees with the table.
    """
    active = {record.id for record in records if record.is_active}
    listed = [records]  # the page's own listing serves the first drawing; each poll lists again

    @st.fragment(run_every=shared_training.POLL_S if active else None)
    def runs_and_curves() -> None:
        latest = listed.pop() if listed else loaders.list_runs()
        if {record.id for record in latest if record.is_active} != active:
            st.rerun()
        histories = loaders.load_histories(latest)
        show_runs_table(latest, histories)
        st.subheader(t("runs.compare_curves"))
        show_overlay(pick_runs_to_compare(latest, histories), latest, histories)

    runs_and_curves()


def show_runs_table(records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]) -> None:
    """The table: accuracies in one format (two decimals), missing values blank, never "None"."""
    number = widgets.NUMBER_TEXT_COLUMN
    frame = runs_frame(records, histories)
    config: dict[str, Any] = {
        "model": st.column_config.TextColumn(width="medium", pinned=True),
        "test accuracy": number(),
        "best val accuracy": number(),
        "training images": number(help=t("runs.training_images_help")),
        "parameters": number(),
        "epochs": number(help=t("runs.epochs_help")),
        "duration": st.column_config.NumberColumn(format="compact"),
        "date": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    }
    for name in frame.columns:  # headers in the page's language, the frame's own names unchanged
        column = config.setdefault(name, st.column_config.Column())
        column["label"] = column_label(name)
    st.dataframe(frame, hide_index=True, key="runs_table", column_config=config)


def show_damaged(damaged: list[runs.DamagedRun]) -> None:
    """Run folders whose run.json cannot be read: said, not hidden, and deletable below."""
    if damaged:
        lines = "\n".join(f"- `{run.id}`: {run.problem}" for run in damaged)
        key = "runs.damaged_one" if len(damaged) == 1 else "runs.damaged_many"
        st.warning(t(key, count=len(damaged), lines=lines), icon=":material/broken_image:")


def pick_runs_to_compare(records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A multiselect of the runs that have curves; the newest few that did not fail are preselected
    (a run in training among them), and a run that gets its first epoch while the page is open is
    added, so a run in training shows up by itself."""
    candidates = {record.id: record.name for record in records if histories[record.id]}
    if not candidates:
        st.caption(t("runs.no_curves"))
        return []
    seen = st.session_state.setdefault(COMPARE_SEEN, set(candidates))
    new = [run_id for run_id in candidates if run_id not in seen]
    seen.update(candidates)
    current = st.session_state.get(COMPARE)
    if current is None or new:
        if current is None:  # never a failed run: one stuck at 10% squashes every good curve
            useful = [record.id for record in records if record.status != "failed"]
            chosen = [run_id for run_id in useful if run_id in candidates][:OVERLAY_DEFAULT]
        else:
            chosen = new + current
        st.session_state[COMPARE] = [run_id for run_id in chosen if run_id in candidates]
        default = None  # the value just set is this rerun's value
    else:
        # Mirrors the selection: a browser that builds the chips from a later rerun's message (two
        # arrive within a second while the section polls) would otherwise start from an empty default.
        default = [run_id for run_id in current if run_id in candidates]
    return st.multiselect(
        t("runs.overlay_runs"),
        list(candidates),
        default=default,
        format_func=candidates.get,
        key=COMPARE,
        help=t("runs.overlay_runs_help"),
    )


def show_overlay(
    run_ids: list[str], records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]
) -> None:
    """Validation (solid) and training (dotted) curves of the chosen runs, with reference accuracies."""
    if not run_ids:
        st.caption(t("runs.choose_runs"))
        return
    metric = st.segmented_control(
        t("runs.metric"),
        ["accuracy", "loss"],
        default="accuracy",
        required=True,
        format_func=lambda name: t(f"runs.metric_name.{name}"),
        key="runs_metric",
    )
    show_training = st.toggle(t("runs.show_training"), value=True, key="runs_show_training")
    labels = {record.id: record.name for record in records}
    figure = plots.plot_runs_overlay({labels[i]: histories[i] for i in run_ids}, metric, show_training, t=t)
    st.plotly_chart(figure, key="runs_overlay", config=widgets.NO_TOOLBAR)
    if metric == "accuracy":
        st.caption(t("runs.reference_lines"))


def delete_section(records: list[RunRecord], damaged: list[runs.DamagedRun]) -> None:
    """Pick a run, press Delete, then confirm (two steps, so one stray click deletes nothing).

    The picked run is remembered apart from the widget, so neither Cancel nor a rerun caused by a
    finishing run or a poll moves the picker to another run.
    """
    if DELETED_NOTICE in st.session_state:
        st.success(st.session_state.pop(DELETED_NOTICE), icon=":material/delete:")
    choices = {r.id: widgets.run_label(r) for r in records if not r.is_active}
    choices |= {run.id: t("runs.damaged_label", run_id=run.id) for run in damaged}
    if not choices:
        st.caption(t("runs.nothing_to_delete"))
        return
    pending = st.session_state.get(PENDING_DELETE)
    if pending not in choices:
        pending = st.session_state[PENDING_DELETE] = None
    ids, target = list(choices), st.session_state.get(DELETE_TARGET)
    run_id = st.selectbox(
        t("runs.delete_choice"),
        ids,
        index=ids.index(target) if target in choices else 0,
        format_func=choices.get,
        key="runs_delete_choice",
        disabled=pending is not None,
    )
    st.session_state[DELETE_TARGET] = run_id
    if pending:
        confirm_delete(pending, choices[pending])
    elif st.button(t("runs.delete"), key="runs_delete", icon=":material/delete:"):
        st.session_state[PENDING_DELETE] = run_id
        st.rerun()


def confirm_delete(run_id: str, label: str) -> None:
    """The second step, naming the run exactly as the picker does."""
    st.warning(t("runs.delete_question", label=label))
    yes, no = st.columns(2)
    if yes.button(
        t("runs.delete_confirm"), type="primary", key="runs_delete_confirm", icon=":material/delete_forever:"
    ):
        st.session_state[PENDING_DELETE] = None
        try:
            runs.delete_run(run_id)
        except (ValueError, OSError) as exc:
            st.error(t("runs.delete_failed", label=label, reason=error_text(exc)))
            return
        st.session_state[DELETED_NOTICE] = t("runs.deleted", label=label, run_id=run_id)
        st.session_state.pop(DELETE_TARGET, None)
        st.rerun()
    if no.button(t("runs.delete_cancel"), key="runs_delete_cancel"):
        st.session_state[PENDING_DELETE] = None
        st.rerun()


def import_upload(file_name: str, content: bytes) -> Path:
    """Stores the upload under a generated name (never the user's) and imports it as a run."""
    with tempfile.TemporaryDirectory(prefix="fmnist-upload-") as work:
        path = Path(work) / "upload.keras"
        path.write_bytes(content)
        return importing.import_keras_model(path, name=file_name)


def import_section() -> None:
    """Upload a .keras file, evaluate it in isolation and add it as a run; refusals are explained."""
    generation = st.session_state.setdefault(UPLOAD_GENERATION, 0)
    uploaded = st.file_uploader(
        t("runs.upload"),
        type=["keras"],
        key=f"runs_upload_{generation}",
        help=t("runs.upload_help"),
    )
    if st.button(t("runs.import"), key="runs_import", disabled=uploaded is None, icon=":material/upload:"):
        with st.spinner(t("runs.importing")):
            try:
                folder = import_upload(uploaded.name, uploaded.getvalue())
            except (ModelFileError, DatasetError, OSError) as exc:
                st.error(t("runs.refused", reason=error_text(exc)), icon=":material/block:")
                return
        record = runs.read_run(folder)
        st.session_state[IMPORT_NOTICE] = t(
            "runs.imported", name=record.config["file_name"], run_id=record.id, accuracy=record.test_accuracy
        )
        st.session_state[UPLOAD_GENERATION] = generation + 1
        st.rerun()
    if IMPORT_NOTICE in st.session_state:
        st.success(st.session_state.pop(IMPORT_NOTICE), icon=":material/check_circle:")
