"""Predictions -> accuracy, loss, confusion matrix, per-class metrics, misclassified items.

Everything here works on the stored ``predictions.npz`` (probabilities in test-set order plus the
true labels), so it needs neither TensorFlow nor the dataset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist_core.data import CLASS_NAMES, NUM_CLASSES

EPSILON = 1e-7  # Keras clips probabilities the same way in its cross-entropy


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


def load_predictions(run_folder: Path) -> Predictions:
    """Reads ``predictions.npz`` of a run; raises ValueError when missing or malformed."""
    path = Path(run_folder) / "predictions.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            probabilities, labels = stored["probabilities"], stored["labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"{path} is missing or unreadable ({exc}).") from exc
    if probabilities.ndim != 2 or probabilities.shape != (len(labels), NUM_CLASSES):
        raise ValueError(f"{path} holds probabilities of shape {probabilities.shape}, expected (N, 10).")
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


def misclassified(predictions: Predictions, true_class: int, predicted_class: int) -> np.ndarray:
    """Test indices with the given (true, predicted) pair, most confident mistake first."""
    mask = (predictions.labels == true_class) & (predictions.predicted == predicted_class)
    indices = np.flatnonzero(mask)
    order = np.argsort(-predictions.confidence[indices], kind="stable")
    return indices[order]
