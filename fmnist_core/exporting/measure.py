"""How a TFLite file scores on the 10,000 test images, beside the run's stored predictions.

The images are preprocessed as the app does (uint8 / 255 in the model's input layout) and run
through ``tf.lite.Interpreter`` in batches of BATCH_SIZE (one resize, then one call per batch).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from fmnist_core.data import load_fashion_mnist, to_model_input
from fmnist_core.evaluation import evaluation

BATCH_SIZE = 1000


@dataclass(frozen=True)
class TfliteScore:
    """A TFLite file's test accuracy beside the original model's (from its stored predictions).

    Attributes:
        accuracy: Of the TFLite file on the test images.
        original_accuracy: Of the run's stored test predictions.
        max_difference: The largest |p_tflite - p_stored| over all test images and classes.
        agreement: The share of test images whose predicted class is the original's.
    """

    accuracy: float
    original_accuracy: float
    max_difference: float
    agreement: float

    @property
    def points_lost(self) -> float:
        """Accuracy points (percent) below the original; negative when it scores higher."""
        return 100.0 * (self.original_accuracy - self.accuracy)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def interpreter(path: Path):
    """A ``tf.lite.Interpreter`` of the file (its deprecation notice silenced: it runs here)."""
    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return tf.lite.Interpreter(model_path=str(path))


def tflite_probabilities(path: Path, images: np.ndarray) -> np.ndarray:
    """Class probabilities of ``images`` (uint8, (N, 28, 28)) from a TFLite file, in batches."""
    runner = interpreter(path)
    entry, exit_ = runner.get_input_details()[0], runner.get_output_details()[0]
    x = to_model_input(images)
    if len(entry["shape_signature"]) == 4:  # (N, 28, 28, 1): the CNNs' channel axis
        x = x[..., None]
    chunks, shape = [], None
    for start in range(0, len(x), BATCH_SIZE):
        batch = x[start : start + BATCH_SIZE]
        if batch.shape != shape:  # resizing reallocates: once, and once more for a short last batch
            runner.resize_tensor_input(entry["index"], batch.shape)
            runner.allocate_tensors()
            shape = batch.shape
        runner.set_tensor(entry["index"], batch)
        runner.invoke()
        chunks.append(runner.get_tensor(exit_["index"]).copy())
    return np.concatenate(chunks)


def score_tflite(path: Path, run_folder: Path) -> TfliteScore:
    """The TFLite file's test accuracy and its largest difference to the run's stored predictions."""
    stored = evaluation.load_predictions(run_folder)
    probabilities = tflite_probabilities(path, load_fashion_mnist().x_test)
    return TfliteScore(
        accuracy=evaluation.accuracy(probabilities, stored.labels),
        original_accuracy=evaluation.accuracy(stored.probabilities, stored.labels),
        max_difference=float(np.abs(probabilities - stored.probabilities).max()),
        agreement=float((probabilities.argmax(axis=1) == stored.predicted).mean()),
    )
