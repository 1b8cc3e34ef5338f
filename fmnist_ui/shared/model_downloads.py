"""The Download section of Evaluate and Runs: the run's own model file, and for Keras runs the
SavedModel and TFLite files the ``export`` job prepares, with sizes, test accuracies and a snippet
that loads each one.

Files are read only when a download button is clicked (``data`` is a callable), never on a rerun.
The job runs in its own process (see `fmnist_core.runs.jobs`); a fragment polls it every second.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_core.cli.cli_export import file_size
from fmnist_core.exporting import bundle, convert, snippets
from fmnist_core.exporting.formats import CONVERTED, FORMATS, native_format
from fmnist_core.models.model_files import ModelFileError
from fmnist_core.runs import jobs
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import error_text, t
from fmnist_ui.shared.job_words import job_error, job_message

POLL_S = 1.0


def format_label(code: str) -> str:
    return t(FORMATS[code].label_key)


def render_download_section(record: RunRecord, key: str = "evaluate") -> None:
    """Everything a run offers for download; ``key`` keeps the widgets of two pages apart."""
    folder = loaders.run_folder(record.id)
    if record.is_imported:
        st.info(t("export.imported"), icon=":material/block:")
        return
    family = convert.model_family(folder)
    if family is None:
        st.warning(t("export.no_model", run=widgets.run_label(record)), icon=":material/warning:")
        return
    rank = 1 if family == "sklearn" else _input_rank(record.id)
    native = native_format(family)
    st.markdown(t("export.native_heading"))
    download_button(folder / native.file_name, native.code, f"{key}_download_{native.code}", record)
    show_snippet(native.code, rank)
    if family == "sklearn":
        st.caption(t("export.sklearn_only"))
        return
    st.markdown(t("export.converted_heading"))
    converted_section(folder, record, rank, key)
    st.caption(t("export.tfjs_not_offered"))


def _input_rank(run_id: str) -> int | None:
    try:
        return loaders.keras_input_rank(run_id)
    except ModelFileError as error:
        st.error(t("export.damaged", error=error_text(error)), icon=":material/error:")
        return None


def download_button(path: Path, code: str, key: str, record: RunRecord) -> None:
    """One download button with the file's size; the file is read on click only."""
    fmt = FORMATS[code]
    size = path.stat().st_size if path.is_file() else 0
    st.download_button(
        t("export.download", fmt=format_label(code), size=file_size(size)),
        data=functools.partial(path.read_bytes),
        file_name=f"{record.model}-{record.short_id}-{fmt.file_name}",
        mime=fmt.mime,
        key=key,
        icon=":material/download:",
    )


def show_snippet(code: str, rank: int | None) -> None:
    """The code that loads the file and classifies one image (none when the layout is unknown)."""
    if rank is None:
        return
    with st.expander(t("export.snippet_title", fmt=format_label(code))):
        st.code(snippets.build_snippet(code, rank, t=t), language="python")


def converted_section(folder: Path, record: RunRecord, rank: int | None, key: str) -> None:
    """The prepared files with their table, or the job that prepares them."""
    try:
        summary = bundle.read_summary(folder)
    except convert.ExportError as error:
        st.error(error_text(error), icon=":material/error:")
        summary = None
    if summary is None:
        st.caption(t("export.prepare_intro"))
        job_panel(folder, key)
        return
    st.dataframe(summary_frame(record, summary), hide_index=True, key=f"{key}_export_table")
    st.caption(t("export.table_caption"))
    for code in CONVERTED:
        download_button(bundle.export_path(folder, code), code, f"{key}_download_{code}", record)
        show_snippet(code, summary.get("input_rank", rank))


def summary_frame(record: RunRecord, summary: dict[str, Any]) -> pd.DataFrame:
    """Format, size, test accuracy and its difference to the original, seconds to build."""
    original = record.test_accuracy
    rows = [(format_label("keras"), "model.keras", None, original, None)]
    for code in CONVERTED:
        entry = summary["formats"][code]
        rows.append((format_label(code), entry["file"], entry, entry.get("accuracy"), entry.get("seconds")))
    return pd.DataFrame({
        t("export.column.format"): [row[0] for row in rows],
        t("export.column.size"): [_size(record, row) for row in rows],
        t("export.column.accuracy"): [widgets.percent_cell(row[3]) for row in rows],
        t("export.column.difference"): [_difference(row[3], original, row[2]) for row in rows],
        t("export.column.seconds"): ["" if row[4] is None else f"{row[4]:.1f}" for row in rows],
    })  # fmt: skip


def _size(record: RunRecord, row: tuple) -> str:
    if row[2] is None:
        path = loaders.run_folder(record.id) / "model.keras"
        return file_size(path.stat().st_size) if path.is_file() else ""
    return file_size(int(row[2]["bytes"]))


def _difference(accuracy: float | None, original: float | None, entry: dict | None) -> str:
    if entry is None:
        return t("export.original")
    if accuracy is None or original is None:
        return t("export.same_graph")
    return t("export.points", points=100.0 * (accuracy - original))


def job_panel(folder: Path, key: str) -> None:
    """A start button (never run, or failed), or the running job's progress."""
    status = jobs.job_status(folder, bundle.JOB_NAME)
    if status.is_running:
        _progress(folder)
        return
    if status.is_failed:
        st.error(t("export.failed", error=job_error(status)), icon=":material/error:")
    if st.button(t("export.prepare"), key=f"{key}_export_start", icon=":material/play_arrow:"):
        try:
            jobs.start_job(folder, bundle.JOB_NAME)
        except (OSError, ValueError) as error:
            st.error(t("export.not_started", error=error_text(error)), icon=":material/error:")
        else:
            st.rerun()


@st.fragment(run_every=POLL_S)
def _progress(folder: Path) -> None:
    """The job's progress bar, redrawn on its own every second; reruns the page when it ends."""
    status = jobs.job_status(folder, bundle.JOB_NAME)
    if not status.is_running:
        st.rerun(scope="app")
    progress = min(max(float(status.progress), 0.0), 1.0)
    st.progress(progress, text=t("export.progress", stage=job_message(status), progress=progress))


def render_runs_download(records: list[RunRecord]) -> None:
    """The Runs page's Download section: pick a run with a model, then the same section as Evaluate."""
    choices = {record.id: widgets.run_label(record) for record in records if record.has_predictions}
    if not choices:
        st.caption(t("export.nothing_to_download"))
        return
    run_id = st.selectbox(t("export.run"), list(choices), format_func=choices.get, key="runs_download_run")
    render_download_section(next(r for r in records if r.id == run_id), key="runs")
