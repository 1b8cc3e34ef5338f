"""Write one export of a run's model, atomically: a temp file (and a temp SavedModel folder) beside
the destination, renamed into place only when complete, removed on any error.

Refusals are :class:`ExportError` (``error.export.*`` words): a run without a model, a damaged
model, an imported model, a format the run's family cannot give, TF.js, a missing or unwritable
folder, a full disk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fmnist_core import atomic_files
from fmnist_core.exporting.formats import FORMATS, SAVED_MODEL_FOLDER, TFJS_CONFLICT, ExportFormat
from fmnist_core.models.inference import ModelLoadError, RunModel, load_run_model
from fmnist_core.runs import runs
from fmnist_core.words import CodedError

NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


class ExportError(CodedError, ValueError):
    """An export that cannot be made; the message says why and what to do (``error.export.*``)."""


def get_format(code: str) -> ExportFormat:
    """The format of a ``--format`` code; refuses unknown codes and TF.js (not installable here)."""
    fmt = FORMATS.get(code)
    if fmt is None:
        raise ExportError("error.export.unknown_format", fmt=code, known=", ".join(FORMATS))
    if not fmt.available:
        raise ExportError("error.export.tfjs", conflict=TFJS_CONFLICT)
    return fmt


def model_family(folder: Path) -> str | None:
    """``keras`` or ``sklearn`` by the model file the run holds; None when it holds none."""
    if (folder / "model.keras").is_file():
        return "keras"
    return "sklearn" if (folder / "model.skops").is_file() else None


def check_exportable(folder: Path, fmt: ExportFormat) -> runs.RunRecord:
    """The run's record, if ``fmt`` can be made from it (its own model, of the right family)."""
    record = runs.read_run(folder)
    if record.is_imported:
        raise ExportError("error.export.imported", run=record.id)
    family = model_family(folder)
    if family is None:
        raise ExportError("error.export.no_model", run=record.id, status=record.status)
    if fmt.family != family:
        key = "error.export.needs_keras" if fmt.family == "keras" else "error.export.needs_sklearn"
        raise ExportError(key, run=record.id, model=record.model, fmt=fmt.code)
    return record


def load_model(folder: Path) -> RunModel:
    """The run's model, loaded with the app's checks; a damaged file is refused with the reason."""
    try:
        return load_run_model(folder)
    except ModelLoadError as error:
        raise ExportError("error.export.damaged", run=folder.name, reason=error) from error


def destination(out_path: Path, fmt: ExportFormat) -> Path:
    """The file to write: ``out_path``, or the format's file name inside it when it is a folder."""
    out_path = Path(out_path)
    path = out_path / fmt.file_name if out_path.is_dir() else out_path
    if not path.parent.is_dir():
        raise ExportError("error.export.no_folder", folder=path.parent)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ExportError("error.export.unwritable", folder=path.parent, reason="permission denied")
    return path


def write_error(error: OSError, path: Path) -> ExportError:
    """A failed write as a clear refusal (a full disk, no permission, anything else)."""
    if error.errno == errno.ENOSPC:
        return ExportError("error.export.disk_full", path=path)
    if isinstance(error, PermissionError) or error.errno in NOT_WRITABLE:
        return ExportError("error.export.unwritable", folder=path.parent, reason=error.strerror or error)
    return ExportError("error.export.write_failed", path=path, reason=error)


@contextlib.contextmanager
def writing(path: Path) -> Iterator[Path]:
    """A temp path beside ``path``, renamed to it when the block succeeds; OSErrors said clearly."""
    try:
        with atomic_files.atomic_write_path(path) as tmp:
            yield tmp
    except OSError as error:
        raise write_error(error, path) from error


@contextlib.contextmanager
def scratch_folder(beside: Path) -> Iterator[Path]:
    """A temp folder beside ``beside`` (same disk as the result), always removed afterwards."""
    try:
        folder = Path(tempfile.mkdtemp(dir=beside.parent, prefix=f".{beside.name}.", suffix=".tmp"))
    except OSError as error:
        raise write_error(error, beside) from error
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_saved_model(model: Any, folder: Path) -> Path:
    """``model.export`` as a TensorFlow SavedModel into ``folder`` (its ``serve`` endpoint)."""
    model.export(str(folder), format="tf_saved_model", verbose=False)
    return folder


def zip_folder(folder: Path, path: Path) -> None:
    """Zips ``folder`` into ``path`` with the folder's name as the zip's top folder."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(folder.rglob("*")):
            archive.write(item, Path(SAVED_MODEL_FOLDER) / item.relative_to(folder))


def tflite_bytes(saved_model: Path, quantised: bool) -> bytes:
    """A TFLite flatbuffer of the SavedModel: float32, or dynamic-range quantised (int8 weights)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model))
    if quantised:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]  # no representative data: dynamic range
    return converter.convert()


def write_converted(model: Any, code: str, path: Path) -> None:
    """Writes the ``savedmodel``, ``tflite`` or ``tflite-int8`` export of a Keras model to ``path``."""
    with writing(path) as tmp, scratch_folder(path) as scratch:
        saved = write_saved_model(model, scratch / SAVED_MODEL_FOLDER)
        if code == "savedmodel":
            zip_folder(saved, tmp)
        else:
            tmp.write_bytes(tflite_bytes(saved, quantised=code == "tflite-int8"))


def export_model(folder: Path, code: str, out_path: Path) -> Path:
    """Writes the run's model in format ``code`` to ``out_path`` (a file, or a folder to put it in).

    Returns:
        The file written.

    Raises:
        ExportError: The run, the format or the destination does not allow it; nothing is left
            at the destination or beside it.
    """
    folder = Path(folder)
    fmt = get_format(code)
    check_exportable(folder, fmt)
    path = destination(out_path, fmt)
    model = load_model(folder)  # also for a plain copy: a damaged file is refused, not copied
    if fmt.converted:
        write_converted(model.model, code, path)
    else:
        with writing(path) as tmp:
            shutil.copyfile(folder / fmt.file_name, tmp)
    return path
