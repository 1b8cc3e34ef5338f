"""Predictions -> accuracy, loss, confusion matrix, per-class metrics, and one ``RunEvaluation``.

Everything here works on the stored ``predictions.npz`` (probabilities in test-set order plus the
true labels), so it needs neither TensorFlow nor the dataset.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist_core.data import CLASS_NAMES, NUM_CLASSES
from fmnist_core.evaluation.calibration import Calibration
from fmnist_core.words import CodedError

EPSILON = 1e-7  # Keras clips probabilities the same way in its cross-entropy
# The classes that are hardest to tell apart, in class-index order.
TOPS_GROUP: tuple[int, ...] = tuple(
    CLASS_NAMES.index(name) for name in ("T-shirt/top", "Pullover", "Coat", "Shirt")
)


def sklearn_metrics():
    """``sklearn.metrics``, imported on first use: it takes about a second (scipy), which pages
    that only list runs should not pay. The training worker imports it before the first epoch."""
    from sklearn import metrics

    return metrics


@dataclass(frozen=True)
class Predictions:
    """Class probabilities (N, 10) and true labels (N,) of one run on the test set."""

    probabilities: np.ndarray
    labels: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.max(axis=1)


def predictions_bytes(probabilities: np.ndarray, labels: np.ndarray) -> bytes:
    """Serialises predictions to ``.npz`` bytes (the caller writes them atomically)."""
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, probabilities=probabilities.astype(np.float32), labels=labels.astype(np.uint8)
    )
    return buffer.getvalue()


class PredictionsError(CodedError, ValueError):
    """A run's ``predictions.npz`` is missing or malformed."""


def load_predictions(run_folder: Path) -> Predictions:
    """Reads ``predictions.npz`` of a run; raises ValueError when missing or malformed."""
    path = Path(run_folder) / "predictions.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            probabilities, labels = stored["probabilities"], stored["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise PredictionsError("error.evaluate.predictions_unreadable", path=path, detail=exc) from exc
    if probabilities.ndim != 2 or probabilities.shape != (len(labels), NUM_CLASSES):
        raise PredictionsError("error.evaluate.predictions_shape", path=path, shape=probabilities.shape)
    return Predictions(probabilities, labels.astype(np.int64))


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean sparse categorical cross-entropy, computed as Keras does (clipped probabilities)."""
    picked = probabilities[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.log(np.clip(picked, EPSILON, 1.0)).mean())


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(sklearn_metrics().accuracy_score(labels, probabilities.argmax(axis=1)))


def per_class_accuracy(predicted: np.ndarray, labels: np.ndarray) -> list[float]:
    """Recall of each class (fraction of its images classified correctly)."""
    recall = sklearn_metrics().recall_score(
        labels, predicted, labels=range(NUM_CLASSES), average=None, zero_division=0
    )
    return [float(value) for value in recall]


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray, normalize: bool = False) -> np.ndarray:
    """10x10 matrix, rows true class, columns predicted; ``normalize`` divides each row by its total."""
    return sklearn_metrics().confusion_matrix(
        labels, predicted, labels=range(NUM_CLASSES), normalize="true" if normalize else None
    )


def per_class_metrics(predicted: np.ndarray, labels: np.ndarray) -> pd.DataFrame:
    """Precision, recall, F1 and support per class (scikit-learn), indexed by class name."""
    precision, recall, f1, support = sklearn_metrics().precision_recall_fscore_support(
        labels, predicted, labels=range(NUM_CLASSES), zero_division=0
    )
    return pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support}, index=list(CLASS_NAMES)
    )


def rank_by_confidence(indices: np.ndarray, predictions: Predictions) -> np.ndarray:
    """``indices`` reordered by the model's top probability, most confident first (stable)."""
    return indices[np.argsort(-predictions.confidence[indices], kind="stable")]


def confusion_pairs(matrix: np.ndarray, classes: Sequence[int]) -> pd.DataFrame:
    """The off-diagonal cells of ``matrix`` between ``classes``: one row per (true, predicted)
    pair with its number of images, largest first."""
    rows = [
        {
            "true": CLASS_NAMES[i],
            "predicted": CLASS_NAMES[j],
            "images": int(matrix[i, j]),
            "true_index": i,
            "predicted_index": j,
        }
        for i in classes
        for j in classes
        if i != j
    ]
    table = pd.DataFrame(rows)
    return table.sort_values("images", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class RunEvaluation:
    """Everything Evaluate shows about one run, computed once from its test predictions.

    As with scikit-learn's ``ConfusionMatrixDisplay.from_predictions``, build it once (per run), then
    render it as often as the user flips a display option: normalising, focusing on a group or
    filtering the gallery only selects from what is stored here.
    """

    predictions: Predictions
    confusion: np.ndarray  # counts, rows true class, columns predicted
    confusion_normalized: np.ndarray  # each row divided by its total
    metrics: pd.DataFrame  # precision, recall, f1 and support, indexed by class name
    confusions: pd.DataFrame  # every off-diagonal pair, largest first (see ``confusion_pairs``)
    group_confusions: pd.DataFrame  # the pairs inside TOPS_GROUP, largest first
    mistakes: np.ndarray  # wrongly classified test indices, most confident first
    correct: np.ndarray  # correctly classified test indices, most confident first
    calibration: Calibration  # reliability bins and ECE (15 bins), computed once with the rest

    @classmethod
    def from_predictions(cls, predictions: Predictions) -> RunEvaluation:
        """Computes every table and ranking of the run (scikit-learn for the metrics)."""
        predicted, labels = predictions.predicted, predictions.labels
        confusion = confusion_matrix(predicted, labels)
        right = predicted == labels
        return cls(
            predictions=predictions,
            confusion=confusion,
            confusion_normalized=confusion_matrix(predicted, labels, normalize=True),
            metrics=per_class_metrics(predicted, labels),
            confusions=confusion_pairs(confusion, range(NUM_CLASSES)),
            group_confusions=confusion_pairs(confusion, TOPS_GROUP),
            mistakes=rank_by_confidence(np.flatnonzero(~right), predictions),
            correct=rank_by_confidence(np.flatnonzero(right), predictions),
            calibration=Calibration.from_probabilities(predictions.probabilities, labels),
        )

    @property
    def accuracy(self) -> float:
        return len(self.correct) / len(self.predictions.labels)
