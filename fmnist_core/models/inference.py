"""Load a finished run's model and predict class probabilities for single images or small batches.

Keras runs hold ``model.keras`` (loaded with safe mode on), scikit-learn runs ``model.skops``.
TensorFlow is imported inside the Keras functions only, so reading a scikit-learn run, or importing
this module, never starts it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core.data import CLASS_NAMES, NUM_CLASSES
from fmnist_core.models.model_files import ModelFileError, check_keras_archive, outputs_to_probabilities
from fmnist_core.runs import runs
from fmnist_core.words import CodedError

IMAGE_SHAPE = (28, 28)
# A direct model call on a small batch avoids model.predict's per-call setup (tens of ms); bigger
# inputs are cut into chunks of this size so memory stays bounded.
CALL_BATCH_SIZE = 1024


class ModelLoadError(CodedError, ValueError):
    """A run's model file is missing or cannot be loaded; the message says what to do.

    Its sentences are the ``error.image.model.*`` words (``words_en.toml``).
    """


@dataclass(frozen=True)
class RunModel:
    """A loaded model of one run, ready for inference (treat as read-only: it may be shared).

    Attributes:
        run_id: The run the model belongs to.
        model_name: The registry name (``cnn``, ``sgd``, ...) or ``imported``.
        family: ``keras`` or ``sklearn``.
        model: The ``keras.Model`` or scikit-learn ``Pipeline``.
        input_rank: Rank of one Keras input: 2 for (28, 28), 3 for (28, 28, 1); 1 for scikit-learn.
    """

    run_id: str
    model_name: str
    family: str
    model: Any
    input_rank: int


def load_run_model(folder: Path) -> RunModel:
    """Loads the model stored in a run folder.

    Args:
        folder: A run folder holding ``run.json`` and ``model.keras`` or ``model.skops``.

    Raises:
        ModelLoadError: If the run has no model file or the file cannot be loaded.
    """
    record = runs.read_run(folder)
    keras_path, sklearn_path = folder / "model.keras", folder / "model.skops"
    if keras_path.is_file():
        _check_imported_file(record, keras_path)
        model, rank = _load_keras(keras_path)
        return RunModel(record.id, record.model, "keras", model, rank)
    if sklearn_path.is_file():
        from fmnist_core.models.sklearn_files import load_sklearn_model  # skops and scikit-learn: ~2 s

        try:
            pipeline = load_sklearn_model(sklearn_path)
        except Exception as error:  # skops raises many types for damaged files
            raise ModelLoadError("error.image.model.unreadable", run=record.id, reason=str(error)) from error
        return RunModel(record.id, record.model, "sklearn", pipeline, 1)
    raise ModelLoadError("error.image.model.missing", run=record.id)


def _check_imported_file(record: runs.RunRecord, path: Path) -> None:
    """An imported model runs here only if it is the very file that was checked in isolation on import."""
    expected = (record.source or {}).get("sha256")
    if not expected:
        return
    with path.open("rb") as handle:
        actual = hashlib.file_digest(handle, "sha256").hexdigest()
    if actual != expected:
        raise ModelLoadError("error.image.model.changed", run=record.id)


def _load_keras(path: Path) -> tuple[Any, int]:
    """Loads a ``.keras`` file with safe mode on; returns the model and its input rank."""
    try:
        # Static checks first (built-in layers only), as for uploads: a run folder may be imported.
        check_keras_archive(path)
    except ModelFileError as error:
        raise ModelLoadError("error.image.model.refused", folder=path.parent.name, reason=error) from None
    import keras  # imported here: pages that only read runs never start TensorFlow

    try:
        model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as error:  # Keras raises many types for damaged files
        raise ModelLoadError(
            "error.image.model.unloadable", folder=path.parent.name, reason=str(error)
        ) from error
    shape = tuple(model.input_shape)
    if shape[1:] not in (IMAGE_SHAPE, (*IMAGE_SHAPE, 1)):
        raise ModelLoadError("error.image.model.wrong_shape", shape=shape)
    return model, len(shape) - 1


def check_images(images: np.ndarray) -> np.ndarray:
    """Validates a batch of model inputs and returns it as float32.

    Raises:
        ValueError: If ``images`` is not (N, 28, 28) with values in [0, 1].
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE or len(images) == 0:
        raise ValueError(
            f"Expected images of shape (N, 28, 28), got {images.shape}; add a batch axis with image[None]."
        )
    if not np.all(np.isfinite(images)) or images.min() < 0 or images.max() > 1:
        raise ValueError("Expected pixel values in [0, 1]; divide uint8 images by 255.")
    return images


def to_model_input(run_model: RunModel, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) float32 -> the layout the model takes: (N, 28, 28), (N, 28, 28, 1) or (N, 784)."""
    if run_model.family == "sklearn":
        return images.reshape(len(images), -1)
    return images[..., None] if run_model.input_rank == 3 else images


def predict_probabilities(run_model: RunModel, images: np.ndarray) -> np.ndarray:
    """Class probabilities for a batch of images.

    Args:
        run_model: From `load_run_model`.
        images: (N, 28, 28) float32 in [0, 1], laid out like the dataset.

    Returns:
        (N, 10) float32 probabilities; each row sums to 1.
    """
    x = to_model_input(run_model, check_images(images))
    if run_model.family == "sklearn":
        return _sklearn_probabilities(run_model.model, x)
    chunks = [
        np.asarray(run_model.model(x[start : start + CALL_BATCH_SIZE], training=False))
        for start in range(0, len(x), CALL_BATCH_SIZE)
    ]
    # Imported models may output logits; our own end in a softmax and pass through unchanged.
    return outputs_to_probabilities(np.concatenate(chunks))


def _sklearn_probabilities(pipeline: Any, x: np.ndarray) -> np.ndarray:
    """predict_proba with columns placed by class label (a class missing in training stays 0)."""
    with np.errstate(all="ignore"):
        columns = pipeline.predict_proba(x)
    probabilities = np.zeros((len(x), NUM_CLASSES), dtype=np.float32)
    probabilities[:, np.asarray(pipeline.classes_, dtype=int)] = columns
    return probabilities


def top_classes(probabilities: np.ndarray, k: int = 3) -> list[tuple[str, float]]:
    """The ``k`` most probable classes of one probability row, as (class name, probability)."""
    order = np.argsort(probabilities)[::-1][:k]
    return [(CLASS_NAMES[i], float(probabilities[i])) for i in order]
