"""Loads an untrusted ``.keras`` file in a separate, memory- and time-limited child process.

The parent re-checks the archive statically (``model_files``); the child (``child_main``) loads it
with Keras safe mode on, checks its shapes, predicts the given images and reports its parameter
count. Every failure reaches the caller as a one-line ``ModelFileError`` (the child writes its code
and values to ``error.json``, so the parent raises the same coded error).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fmnist_core.data import NUM_CLASSES, to_model_input
from fmnist_core.models import model_files
from fmnist_core.models.model_files import ModelFileError, _one_line
from fmnist_core.words import Word

if TYPE_CHECKING:
    import keras

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# RLIMIT_AS counts reserved address space, not resident memory. Importing TensorFlow 2.21, loading a
# small CNN and predicting 10,000 images peaks at 2.1 GB virtual (0.8 GB resident) with
# MALLOC_ARENA_MAX=2; without that cap glibc reserves 64 MB arenas per thread (3.0 GB on 2 cores,
# far more on big machines). 8 GB leaves room for more TF threads and larger models while still
# stopping a config that asks for tens of GB.
DEFAULT_MEMORY_MB = 8192
PREDICT_BATCH_SIZE = 256


@dataclass(frozen=True)
class EvaluatedModel:
    """What the child found: test probabilities (N, 10) and the model's parameter count."""

    probabilities: np.ndarray
    num_params: int


def evaluate_keras_file_isolated(
    path: str | os.PathLike,
    images: np.ndarray,
    *,
    timeout_s: float = 120,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> EvaluatedModel:
    """Checks a ``.keras`` file, then predicts ``images`` with it in a limited child process.

    Args:
        path: The uploaded file.
        images: uint8 images of shape (N, 28, 28).
        timeout_s: Wall-clock limit for the child (loading and predicting).
        memory_mb: Address-space limit for the child (RLIMIT_AS).

    Returns:
        float32 class probabilities of shape (N, 10) (logits are turned into probabilities) and
        the model's parameter count.

    Raises:
        ModelFileError: If the file is refused or the model cannot be loaded or run.
        ValueError: If ``images`` is not a non-empty uint8 array of shape (N, 28, 28).
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) == 0:
        raise ValueError(
            f"images must be a non-empty uint8 array of shape (N, 28, 28), got {images.dtype} {images.shape}"
        )
    model_files.check_keras_archive(path)
    with tempfile.TemporaryDirectory(prefix="fmnist-model-") as work:
        work_dir = Path(work)
        model_path = work_dir / "model.keras"
        shutil.copyfile(path, model_path)
        model_files.check_keras_archive(
            model_path
        )  # the child loads this private copy, so check what it loads
        np.save(work_dir / "images.npy", images, allow_pickle=False)
        _run_child(work_dir, timeout_s, memory_mb)
        try:
            outputs = np.load(work_dir / "outputs.npy", allow_pickle=False)
            num_params = int(json.loads((work_dir / "summary.json").read_text())["num_params"])
        except (OSError, ValueError, KeyError, TypeError):
            raise ModelFileError("error.model_file.unreadable_outputs") from None
    if outputs.shape != (len(images), NUM_CLASSES):
        raise ModelFileError(
            "error.model_file.outputs_count", shape=str(outputs.shape), count=len(images), classes=NUM_CLASSES
        )
    return EvaluatedModel(model_files.outputs_to_probabilities(outputs), num_params)


def _run_child(work_dir: Path, timeout_s: float, memory_mb: int) -> None:
    # A minimal environment: no secrets for the model to see, HOME and TMPDIR inside the temp dir,
    # CPU only (CUDA reserves too much address space for RLIMIT_AS).
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(work_dir),
        "TMPDIR": str(work_dir),
        "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "tensorflow"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MALLOC_ARENA_MAX": "2",
        "CUDA_VISIBLE_DEVICES": "",
    }
    # -I: ignore PYTHON* variables, user site-packages and the current folder; only the project root
    # is added, so the child imports exactly this package and nothing planted next to the upload.
    child = f"import sys; sys.path.insert(0, {str(PROJECT_ROOT)!r}); import fmnist_core.models.model_sandbox as m; sys.exit(m.child_main())"
    command = [sys.executable, "-I", "-c", child, str(work_dir), str(memory_mb)]
    try:
        result = subprocess.run(
            command, cwd=work_dir, env=env, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:  # subprocess.run has already killed the child
        raise ModelFileError("error.model_file.timeout", seconds=timeout_s) from None
    if result.returncode == 0 and (work_dir / "outputs.npy").is_file():
        return
    raise _child_failure(work_dir, result.returncode, result.stderr, memory_mb)


def _child_failure(work_dir: Path, returncode: int, stderr: bytes, memory_mb: int) -> ModelFileError:
    try:
        reported = json.loads((work_dir / "error.json").read_text())
        return ModelFileError(str(reported["code"]), **dict(reported["values"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        return ModelFileError("error.model_file.loader_crashed", signal=name, memory=memory_mb)
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    detail = _one_line(lines[-1]) if lines else Word("error.model_file.no_details")
    return ModelFileError("error.model_file.loader_failed", exit_code=returncode, detail=detail)


# ---- child process: this file run as a script -------------------------------------------------


def _child_main(work_dir: Path, memory_mb: int) -> int:
    """Loads ``work_dir/model.keras`` and predicts ``images.npy`` into ``outputs.npy``."""
    limit = memory_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        images = np.load(work_dir / "images.npy", allow_pickle=False)
        outputs, num_params = _load_and_predict(work_dir / "model.keras", images)
        np.save(work_dir / "outputs.npy", outputs, allow_pickle=False)
        (work_dir / "summary.json").write_text(json.dumps({"num_params": num_params}))
        return 0
    except ModelFileError as error:
        failure = error
    except MemoryError:
        failure = ModelFileError("error.model_file.out_of_memory", memory=memory_mb)
    except ImportError as error:  # the usual symptom of a memory limit too small for TensorFlow
        failure = ModelFileError(
            "error.model_file.tensorflow_memory", memory=memory_mb, detail=_one_line(error)
        )
    except Exception as error:  # reported to the parent as one line
        failure = ModelFileError(
            "error.model_file.not_evaluated", kind=type(error).__name__, detail=_one_line(error)
        )
    # Code and values (plain strings and numbers), so the parent raises the same coded error.
    (work_dir / "error.json").write_text(json.dumps({"code": failure.code, "values": failure.values}))
    return 1


def _load_and_predict(model_path: Path, images: np.ndarray) -> tuple[np.ndarray, int]:
    import keras  # only ever imported in the child

    try:
        model = keras.saving.load_model(str(model_path), safe_mode=True, compile=False)
    except MemoryError:
        raise
    except Exception as error:  # Keras raises many types for bad files
        raise _load_error(error) from None
    input_rank = _check_model_shapes(model)
    inputs = to_model_input(images).reshape((len(images), 28, 28, 1)[:input_rank])
    try:
        outputs = model.predict(inputs, batch_size=PREDICT_BATCH_SIZE, verbose=0)
    except MemoryError:
        raise
    except Exception as error:
        raise ModelFileError("error.model_file.failed_on_images", detail=_one_line(error)) from None
    return np.asarray(outputs, dtype=np.float32), model.count_params()


def _load_error(error: Exception) -> ModelFileError:
    text = str(error)
    if type(error).__name__ == "ResourceExhaustedError":
        return ModelFileError("error.model_file.resource_exhausted")
    if "safe_mode" in text or "unsafe" in text or "arbitrary code" in text:
        return ModelFileError("error.model_file.safe_mode", detail=_one_line(text))
    return ModelFileError("error.model_file.keras_load", detail=_one_line(text))


def _check_model_shapes(model: keras.Model) -> int:
    """Checks one (28, 28[, 1]) input and one (10,) output; returns the input rank."""
    try:
        inputs, outputs = list(model.inputs), list(model.outputs)
    except (AttributeError, ValueError):
        raise ModelFileError("error.model_file.no_input_shape") from None
    if len(inputs) != 1:
        raise ModelFileError("error.model_file.input_count", count=len(inputs))
    shape = tuple(inputs[0].shape)
    if not any(_shape_matches(shape, expected) for expected in ((28, 28), (28, 28, 1))):
        raise ModelFileError("error.model_file.input_shape", shape=str(shape))
    if len(outputs) != 1 or len(outputs[0].shape) != 2:
        found = [tuple(output.shape) for output in outputs]
        raise ModelFileError("error.model_file.output_shape", found=str(found), classes=NUM_CLASSES)
    if outputs[0].shape[1] != NUM_CLASSES:
        raise ModelFileError("error.model_file.class_count", count=outputs[0].shape[1], classes=NUM_CLASSES)
    return len(shape)


def _shape_matches(shape: tuple, expected: tuple) -> bool:
    return len(shape) == len(expected) + 1 and all(
        a in (None, b) for a, b in zip(shape[1:], expected, strict=True)
    )


def child_main() -> int:
    """Entry point of the child process: ``argv`` holds the work folder and the memory limit."""
    return _child_main(Path(sys.argv[1]), int(sys.argv[2]))
