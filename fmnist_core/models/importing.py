"""Import a user's ``.keras`` file as a finished run, so every page can evaluate and use it.

The file is treated as hostile: it is copied under a generated name, checked and evaluated on the
test set by ``model_sandbox`` (static checks, then a time- and memory-limited child process with
Keras safe mode). The run is assembled in a hidden staging folder and renamed into ``runs/`` only
when complete, so a refused or failed import never leaves a run behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

from fmnist_core import atomic_files, data
from fmnist_core.evaluation import evaluation, run_fields
from fmnist_core.models import model_sandbox
from fmnist_core.models.model_files import ModelFileError
from fmnist_core.runs import runs

MAX_LABEL_CHARS = 80
STAGING_PREFIX = ".import-"  # never matches runs.RUN_ID_PATTERN, so list_runs skips it
STALE_STAGING_S = 3600.0


def display_label(name: str) -> str:
    """The uploaded file name reduced to a safe display label (never used as a path)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(printable) > MAX_LABEL_CHARS:
        printable = printable[: MAX_LABEL_CHARS - 3] + "..."
    return printable or "model.keras"


def import_keras_model(
    path: str | os.PathLike, root: str | os.PathLike | None = None, name: str | None = None
) -> Path:
    """Checks, evaluates and stores a ``.keras`` file as a finished run.

    Args:
        path: the file to import (for uploads, a temporary file under a generated name).
        root: the artifacts root (default ``$FMNIST_ARTIFACTS`` or ``artifacts/``).
        name: the original file name, kept as a display label only.

    Returns:
        The new run's folder.

    Raises:
        ModelFileError: the file is refused (wrong type, unsafe content, wrong shapes, fails to run).
        DatasetError: the test set cannot be loaded.
    """
    label = display_label(name if name is not None else os.fspath(path))
    if not label.lower().endswith(".keras"):
        raise ModelFileError("error.model_file.not_keras_name", name=label)
    if not Path(path).is_file():
        raise ModelFileError("error.model_file.no_file", name=label)
    runs_folder = runs.runs_dir(root)
    remove_stale_staging(runs_folder)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=runs_folder))
    try:
        upload = staging / "upload.keras"
        shutil.copyfile(path, upload)  # evaluate and keep exactly these bytes, whatever happens to `path`
        return assemble_run(upload, label, staging, runs_folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def assemble_run(upload: Path, label: str, staging: Path, runs_folder: Path) -> Path:
    """Evaluates ``upload`` and builds the run inside ``staging``; renames it into ``runs_folder``."""
    started_at = runs.now_iso()
    dataset = data.load_fashion_mnist()
    evaluated = model_sandbox.evaluate_keras_file_isolated(upload, dataset.x_test)
    probabilities = evaluated.probabilities
    folder = runs.create_run(
        runs.IMPORTED_MODEL,
        {"model": runs.IMPORTED_MODEL, "file_name": label},
        staging,
        status="finished",
        started_at=started_at,
        finished_at=runs.now_iso(),
        params=evaluated.num_params,
        versions=run_fields.library_versions("keras"),
        dataset=data.dataset_fingerprint(),
        source={"file_name": label, "sha256": file_sha256(upload), "bytes": upload.stat().st_size},
        test=run_fields.scores_on_test_set(probabilities, dataset.y_test),
    )
    atomic_files.atomic_write_bytes(
        folder / "predictions.npz", evaluation.predictions_bytes(probabilities, dataset.y_test)
    )
    with atomic_files.atomic_write_path(folder / "model.keras") as tmp:
        os.replace(upload, tmp)  # the very bytes that were evaluated, without a copy
    final = runs_folder / folder.name
    os.rename(folder, final)  # the complete run appears in one step
    return final


def file_sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def remove_stale_staging(runs_folder: Path) -> None:
    """Removes staging folders left by an import that was killed (older than an hour)."""
    for folder in runs_folder.glob(f"{STAGING_PREFIX}*"):
        with contextlib.suppress(OSError):
            if time.time() - folder.stat().st_mtime > STALE_STAGING_S:
                shutil.rmtree(folder)
