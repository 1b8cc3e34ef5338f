"""Penultimate-layer features: what a model "sees" in each image, just before it decides.

For a Keras model they are the input of its last ``Dense`` layer (the one that scores the ten
classes; a Softmax or Activation layer may follow it). For a scikit-learn pipeline they are the
input of its final linear step: ``pipeline[:-1].transform(x)`` (the flattened [0, 1] pixels for
logreg, the StandardScaler output for sgd).

Every run stores its test set's features in ``features.npz`` (float16, test-set order) when it
finishes training; runs trained before that, and imported models, get them on request with
`compute_run_features` (the "features" background job). TensorFlow is imported inside the Keras
functions only, so reading stored features never starts it.
"""

from __future__ import annotations

import io
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core import atomic_files, data
from fmnist_core.evaluation import evaluation
from fmnist_core.models import inference
from fmnist_core.models.model_files import outputs_to_probabilities
from fmnist_core.words import CodedError, Word

FEATURES_FILE = "features.npz"
FLOAT16_MAX = float(np.finfo(np.float16).max)
CHUNK_SIZE = 1000  # test images per forward pass when computing on request (one progress step)
COMPUTE_HINT = Word("error.map.compute_hint")  # 'press "Compute features" on the map, or run ...'

Progress = Callable[..., None]  # (fraction done 0..1, words key of what it is doing, **its values)


class FeaturesError(CodedError, ValueError):
    """A run's features cannot be stored or read (a damaged or mismatched file); says what to do."""


class FeaturesUnavailable(FeaturesError):
    """The features of a run cannot be computed (no model, or no Dense layer); says why and what to do."""


class FeaturesMissing(FeaturesError):
    """A run has no stored features yet (trained before they were stored, or imported)."""


# ---------------------------------------------------------------- which layer


def feature_layer_input(model: Any) -> Any:
    """Where the features of ``model`` come from.

    Args:
        model: A ``keras.Model`` or a scikit-learn ``Pipeline``.

    Returns:
        For Keras, the symbolic input tensor of the last top-level ``Dense`` layer. For a pipeline,
        the preprocessing steps ``pipeline[:-1]`` (an empty Pipeline when there are none: then the
        features are the model input itself; see `pipeline_features`).

    Raises:
        FeaturesUnavailable: A Keras model without a top-level Dense layer, or whose last Dense
            layer is used more than once (so it has no single input).
    """
    if hasattr(model, "steps"):  # a scikit-learn Pipeline
        return model[:-1]
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise FeaturesUnavailable("error.map.no_dense_layer", model=model.name)
    try:
        return dense[-1].input
    except (AttributeError, ValueError) as error:  # a layer called on several inputs
        raise FeaturesUnavailable("error.map.dense_input", model=model.name, error=str(error)) from error


_FEATURE_MODELS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_FEATURE_MODELS_LOCK = threading.Lock()


def feature_model(model: Any) -> Any:
    """A Keras model with two outputs, [features, the model's output], sharing ``model``'s weights.

    Built once per model object (about 10 ms) and kept as long as the model lives, so one drawing
    costs a single forward pass.
    """
    with _FEATURE_MODELS_LOCK:
        two_outputs = _FEATURE_MODELS.get(model)
        if two_outputs is None:
            import keras

            inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # as the model is called
            two_outputs = keras.Model(inputs, [feature_layer_input(model), model.outputs[0]])
            _FEATURE_MODELS[model] = two_outputs
    return two_outputs


def pipeline_features(pipeline: Any, x: np.ndarray) -> np.ndarray:
    """The input of a pipeline's final step for flattened images ``x`` (N, 784), dtype kept."""
    preprocessing = feature_layer_input(pipeline)
    return preprocessing.transform(x) if len(preprocessing) else x


# ---------------------------------------------------------------- extraction


def features_and_probabilities(
    run_model: inference.RunModel, images: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Features and class probabilities of a batch of images, from one forward pass.

    Args:
        run_model: From `inference.load_run_model`.
        images: (N, 28, 28) float32 in [0, 1].

    Returns:
        (N, D) float32 features and (N, 10) float32 probabilities (as `inference.predict_probabilities`).
    """
    x = inference.to_model_input(run_model, inference.check_images(images))
    if run_model.family == "sklearn":
        features = pipeline_features(run_model.model, x)
        return np.asarray(features, dtype=np.float32), inference.predict_probabilities(run_model, images)
    two_outputs = feature_model(run_model.model)
    parts = [
        two_outputs(x[start : start + inference.CALL_BATCH_SIZE], training=False)
        for start in range(0, len(x), inference.CALL_BATCH_SIZE)
    ]
    features = np.concatenate([np.asarray(part[0], dtype=np.float32) for part in parts])
    outputs = np.concatenate([np.asarray(part[1]) for part in parts])
    return features.reshape(len(x), -1), outputs_to_probabilities(outputs)


def extract_features(run_model: inference.RunModel, images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) float32 images in [0, 1] -> (N, D) float32 penultimate-layer features."""
    return features_and_probabilities(run_model, images)[0]


# ---------------------------------------------------------------- storage


def has_features(folder: Path) -> bool:
    return (Path(folder) / FEATURES_FILE).is_file()


def save_features(folder: Path, features: np.ndarray) -> None:
    """Writes (N, D) features as float16 to ``features.npz`` atomically.

    Values beyond float16's range (about 65,000) are clipped, not turned into infinities.

    Raises:
        ValueError: ``features`` is not a 2-D array of finite numbers.
    """
    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2 or not features.size:
        raise FeaturesError("error.map.features_shape", shape=features.shape)
    if not np.isfinite(features).all():
        raise FeaturesError("error.map.features_not_finite")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, features=np.clip(features, -FLOAT16_MAX, FLOAT16_MAX).astype(np.float16))
    atomic_files.atomic_write_bytes(Path(folder) / FEATURES_FILE, buffer.getvalue())


def load_features(folder: Path) -> np.ndarray:
    """The stored test-set features of a run, as float32 (N, D).

    Raises:
        FeaturesMissing: The run has no ``features.npz`` (trained before they were stored).
        ValueError: The file is damaged, or does not match the run's test predictions.
    """
    folder = Path(folder)
    path = folder / FEATURES_FILE
    if not path.is_file():
        raise FeaturesMissing("error.map.features_missing", run=folder.name, hint=COMPUTE_HINT)
    try:
        with np.load(path, allow_pickle=False) as stored:
            features = stored["features"]
    except (OSError, KeyError, ValueError, EOFError) as error:
        raise FeaturesError(
            "error.map.features_damaged",
            run=folder.name,
            file=FEATURES_FILE,
            error=str(error),
            hint=COMPUTE_HINT,
        ) from error
    expected = len(evaluation.load_predictions(folder).labels)
    if features.ndim != 2 or len(features) != expected or not np.issubdtype(features.dtype, np.floating):
        raise FeaturesError(
            "error.map.features_mismatch", run=folder.name, file=FEATURES_FILE, dtype=str(features.dtype),
            shape=features.shape, expected=expected, hint=COMPUTE_HINT,
        )  # fmt: skip
    return features.astype(np.float32)


def compute_run_features(folder: Path, progress: Progress | None = None) -> np.ndarray:
    """Computes, stores and returns the test-set features of a finished run from its saved model.

    Args:
        folder: The run folder (with ``model.keras`` or ``model.skops``).
        progress: Called with (fraction done, message) after each chunk of test images.

    Raises:
        FeaturesUnavailable: The run has no loadable model, or the model has no Dense layer.
        DatasetError: The test set cannot be loaded.
    """
    folder = Path(folder)
    report = progress or (lambda fraction, key, **values: None)
    report(0.0, "plot.map.progress_loading_model")
    if not any((folder / name).is_file() for name in ("model.keras", "model.skops")):
        raise FeaturesUnavailable("error.map.no_model", run=folder.name)
    try:
        run_model = inference.load_run_model(folder)
    except inference.ModelLoadError as error:
        raise FeaturesUnavailable("error.map.model_unloadable", reason=str(error).rstrip(".")) from error
    images = data.to_model_input(data.load_fashion_mnist().x_test)
    chunks = []
    for start in range(0, len(images), CHUNK_SIZE):
        chunks.append(extract_features(run_model, images[start : start + CHUNK_SIZE]))
        done = min(start + CHUNK_SIZE, len(images))
        report(done / len(images), "plot.map.progress_features", done=done, total=len(images))
    save_features(folder, np.concatenate(chunks))
    return load_features(folder)
