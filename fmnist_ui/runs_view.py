"""The Runs page's parts: the table of runs, the curve overlay, deleting, and loading a .keras model."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_core import importing, plots, run_summary, runs
from fmnist_core.data import DatasetError
from fmnist_core.model_files import ModelFileError
from fmnist_core.runs import RunRecord
from fmnist_ui import loaders, train_view, widgets

PENDING_DELETE = "runs_pending_delete"  # the run waiting for "Yes, delete it"
DELETE_TARGET = "runs_delete_target"  # the run picked for deletion, kept apart from the widget
DELETED_NOTICE = "runs_deleted_notice"
UPLOAD_GENERATION = "runs_upload_generation"  # a new uploader key empties the uploader
IMPORT_NOTICE = "runs_import_notice"
OVERLAY_DEFAULT = 3
COMPARE = "runs_compare"
COMPARE_SEEN = "runs_compare_seen"  # runs that had curves when the overlay was last drawn


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
            "status": record.status,
            "test accuracy": widgets.percent_cell(record.test_accuracy),
            "best val accuracy": widgets.percent_cell(run_summary.best_val_accuracy(history)),
            "epochs": epochs_cell(record, history),
            "training images": widgets.count_cell(None if imported else run_summary.trained_images(config)),
            **{widgets.LABELS[key].lower(): setting_cell(config.get(key)) for key in widgets.LABELS if key != "epochs"},
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

    @st.fragment(run_every=train_view.POLL_S if active else None)
    def runs_and_curves() -> None:
        latest = listed.pop() if listed else loaders.list_runs()
        if {record.id for record in latest if record.is_active} != active:
            st.rerun()
        histories = loaders.load_histories(latest)
        show_runs_table(latest, histories)
        st.subheader("Compare curves")
        show_overlay(pick_runs_to_compare(latest, histories), latest, histories)

    runs_and_curves()


def show_runs_table(records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]) -> None:
    """The table: accuracies in one format (two decimals), missing values blank, never "None"."""
    number = widgets.NUMBER_TEXT_COLUMN
    st.dataframe(
        runs_frame(records, histories),
        hide_index=True,
        key="runs_table",
        column_config={
            "model": st.column_config.TextColumn(width="medium", pinned=True),
            "test accuracy": number(),
            "best val accuracy": number(),
            "training images": number(
                help="Images the model learned from: the chosen training images minus the validation hold-out."
            ),
            "parameters": number(),
            "epochs": number(help="Epochs done / planned."),
            "duration": st.column_config.NumberColumn(format="compact"),
            "date": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )


def show_damaged(damaged: list[runs.DamagedRun]) -> None:
    """Run folders whose run.json cannot be read: said, not hidden, and deletable below."""
    if damaged:
        lines = "\n".join(f"- `{run.id}`: {run.problem}" for run in damaged)
        st.warning(
            f"**{len(damaged)} damaged run folder{'s' * (len(damaged) != 1)}** cannot be shown:\n{lines}\n\n"
            "Delete them below (they are listed as *damaged*).",
            icon=":material/broken_image:",
        )


def pick_runs_to_compare(records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]) -> list[str]:
    """A multiselect of the runs that have curves; the newest few that did not fail are preselected
    (a run in training among them), and a run that gets its first epoch while the page is open is
    added, so a run in training shows up by itself."""
    candidates = {record.id: record.name for record in records if histories[record.id]}
    if not candidates:
        st.caption("No run has finished an epoch yet, so there are no curves to compare.")
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
        "Runs to overlay",
        list(candidates),
        default=default,
        format_func=candidates.get,
        key=COMPARE,
        help="Imported models have no training curves, so they are not listed here.",
    )


def show_overlay(
    run_ids: list[str], records: list[RunRecord], histories: dict[str, list[dict[str, Any]]]
) -> None:
    """Validation (solid) and training (dotted) curves of the chosen runs, with reference accuracies."""
    if not run_ids:
        st.caption("Choose one or more runs above to see their curves.")
        return
    metric = st.segmented_control(
        "Metric", ["accuracy", "loss"], default="accuracy", required=True, key="runs_metric"
    )
    show_training = st.toggle("Show training curves (dotted)", value=True, key="runs_show_training")
    labels = {record.id: record.name for record in records}
    figure = plots.plot_runs_overlay({labels[i]: histories[i] for i in run_ids}, metric, show_training)
    st.plotly_chart(figure, key="runs_overlay", config=widgets.NO_TOOLBAR)
    if metric == "accuracy":
        st.caption(
            "Dotted grey lines: the test accuracy of people (83.5%, majority of 3 labels) and of the "
            "best scikit-learn model in the dataset paper (89.7%, an RBF SVM)."
        )


def delete_section(records: list[RunRecord], damaged: list[runs.DamagedRun]) -> None:
    """Pick a run, press Delete, then confirm (two steps, so one stray click deletes nothing).

    The picked run is remembered apart from the widget, so neither Cancel nor a rerun caused by a
    finishing run or a poll moves the picker to another run.
    """
    if DELETED_NOTICE in st.session_state:
        st.success(st.session_state.pop(DELETED_NOTICE), icon=":material/delete:")
    choices = {r.id: r.label for r in records if not r.is_active}
    choices |= {run.id: f"damaged · {run.id}" for run in damaged}
    if not choices:
        st.caption("No run can be deleted: stop a run before deleting it.")
        return
    pending = st.session_state.get(PENDING_DELETE)
    if pending not in choices:
        pending = st.session_state[PENDING_DELETE] = None
    ids, target = list(choices), st.session_state.get(DELETE_TARGET)
    run_id = st.selectbox(
        "Run to delete",
        ids,
        index=ids.index(target) if target in choices else 0,
        format_func=choices.get,
        key="runs_delete_choice",
        disabled=pending is not None,
    )
    st.session_state[DELETE_TARGET] = run_id
    if pending:
        confirm_delete(pending, choices[pending])
    elif st.button("Delete ...", key="runs_delete", icon=":material/delete:"):
        st.session_state[PENDING_DELETE] = run_id
        st.rerun()


def confirm_delete(run_id: str, label: str) -> None:
    """The second step, naming the run exactly as the picker does."""
    st.warning(f"Delete **{label}** for good? Its model, curves and predictions are removed.")
    yes, no = st.columns(2)
    if yes.button(
        "Yes, delete it", type="primary", key="runs_delete_confirm", icon=":material/delete_forever:"
    ):
        st.session_state[PENDING_DELETE] = None
        try:
            runs.delete_run(run_id)
        except (ValueError, OSError) as exc:
            st.error(f"{label} was not deleted: {exc}")
            return
        st.session_state[DELETED_NOTICE] = f"Deleted {label} (run `{run_id}`)."
        st.session_state.pop(DELETE_TARGET, None)
        st.rerun()
    if no.button("Cancel", key="runs_delete_cancel"):
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
        "A Keras model file (.keras)",
        type=["keras"],
        key=f"runs_upload_{generation}",
        help="A model saved with model.save('name.keras') that takes 28x28 grayscale images and "
        "outputs 10 class scores. It is checked, loaded in safe mode in a separate process, and "
        "evaluated on the 10,000 test images.",
    )
    if st.button(
        "Evaluate and add as a run", key="runs_import", disabled=uploaded is None, icon=":material/upload:"
    ):
        with st.spinner("Checking the file and evaluating the model on the 10,000 test images ..."):
            try:
                folder = import_upload(uploaded.name, uploaded.getvalue())
            except (ModelFileError, DatasetError, OSError) as exc:
                st.error(f"The model was refused: {exc}", icon=":material/block:")
                return
        record = runs.read_run(folder)
        st.session_state[IMPORT_NOTICE] = (
            f"Imported **{record.config['file_name']}** as run `{record.id}`: test accuracy "
            f"**{record.test_accuracy:.2%}**. It is listed above and can be used on Evaluate and Draw."
        )
        st.session_state[UPLOAD_GENERATION] = generation + 1
        st.rerun()
    if IMPORT_NOTICE in st.session_state:
        st.success(st.session_state.pop(IMPORT_NOTICE), icon=":material/check_circle:")
