"""Every Keras export of a run in ``<run>/exports/`` (the ``export`` background job), with
``summary.json``: per format its file, size, seconds taken and, for TFLite, the measured scores.

The page reads the summary (no TensorFlow) and offers the files; a summary whose files are gone or
that cannot be read is reported, so the page can offer to build them again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fmnist_core import atomic_files, words
from fmnist_core.exporting import convert, measure
from fmnist_core.exporting.formats import CONVERTED, FORMATS, TFLITE
from fmnist_core.runs import runs

JOB_NAME = "export"
EXPORTS_DIR = "exports"
SUMMARY_FILE = "summary.json"
# The job's progress messages (English; the page says them in its language by these texts).

Report = Callable[..., None]  # (fraction done 0..1, words key, **its values), as jobs.Report


def exports_folder(run_folder: Path) -> Path:
    return Path(run_folder) / EXPORTS_DIR


def export_path(run_folder: Path, code: str) -> Path:
    return exports_folder(run_folder) / FORMATS[code].file_name


def build_exports(run_folder: Path, report: Report = lambda fraction, key, **values: None) -> dict[str, Any]:
    """Writes the SavedModel zip and both TFLite files into ``<run>/exports/``, measures the TFLite
    files on the test set, then writes ``summary.json`` (atomically, last). Returns the summary.

    Raises:
        ExportError: The run cannot be exported (no model, damaged, imported, scikit-learn), or a
            file cannot be written (nothing half-written is left).
    """
    run_folder = Path(run_folder)
    record = convert.check_exportable(run_folder, FORMATS["tflite"])
    report(0.0, "job.export.loading")
    run_model = convert.load_model(run_folder)
    model = run_model.model
    folder = exports_folder(run_folder)
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise convert.write_error(error, folder / SUMMARY_FILE) from error
    formats: dict[str, dict[str, Any]] = {}
    for step, code in enumerate(CONVERTED):
        report(0.1 + 0.25 * step, "job.export.converting", format=words.Word(FORMATS[code].label_key))
        started = time.perf_counter()
        convert.write_converted(model, code, export_path(run_folder, code))
        formats[code] = file_entry(run_folder, code, time.perf_counter() - started)
    for step, code in enumerate(TFLITE):
        report(0.85 + 0.07 * step, "job.export.measuring", format=words.Word(FORMATS[code].label_key))
        started = time.perf_counter()
        score = measure.score_tflite(export_path(run_folder, code), run_folder)
        formats[code] |= score.to_dict() | {"measure_seconds": round(time.perf_counter() - started, 3)}
    summary = {"run": record.id, "created_at": runs.now_iso(), "formats": formats}
    summary |= {"input_rank": run_model.input_rank, "versions": tensorflow_versions()}
    try:
        atomic_files.atomic_write_json(folder / SUMMARY_FILE, summary)
    except OSError as error:
        raise convert.write_error(error, folder / SUMMARY_FILE) from error
    return summary


def file_entry(run_folder: Path, code: str, seconds: float) -> dict[str, Any]:
    path = export_path(run_folder, code)
    return {"file": path.name, "bytes": path.stat().st_size, "seconds": round(seconds, 3)}


def tensorflow_versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    return {"tensorflow": tf.__version__, "keras": keras.__version__}


def read_summary(run_folder: Path) -> dict[str, Any] | None:
    """The stored summary, or None when the exports were never built.

    Raises:
        ExportError: The summary is damaged, or a file it lists is gone or has another size
            (build the exports again).
    """
    path = exports_folder(run_folder) / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise convert.ExportError("error.export.summary_damaged", path=path, reason=error) from error
    formats = summary.get("formats") if isinstance(summary, dict) else None
    if not isinstance(formats, dict) or set(formats) != set(CONVERTED):
        raise convert.ExportError("error.export.summary_damaged", path=path, reason="unexpected content")
    for code, entry in formats.items():
        file = export_path(run_folder, code)
        if not file.is_file() or file.stat().st_size != entry.get("bytes"):
            raise convert.ExportError("error.export.file_changed", path=file)
    return summary
