"""Error analysis on stored predictions: gallery selection, run comparison, confusion over time.

Pure numpy on top of :mod:`fmnist_core.evaluation.evaluation`; the Evaluate page renders what these return.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist_core.data import NUM_CLASSES
from fmnist_core.evaluation.evaluation import Predictions, RunEvaluation, confusion_matrix, rank_by_confidence
from fmnist_core.words import CodedError


class AnalysisError(CodedError, ValueError):
    """Two runs that cannot be compared, or a run's per-epoch validation predictions that cannot be read."""


VAL_PREDICTIONS_FILE = "val_predictions.npz"


# ---------------------------------------------------------------- gallery


def _class_mask(values: np.ndarray, classes: int | Sequence[int] | None) -> np.ndarray:
    """Where ``values`` is one of ``classes`` (everywhere when ``classes`` is None)."""
    if classes is None:
        return np.ones(len(values), dtype=bool)
    return np.isin(values, np.atleast_1d(np.asarray(classes)))


def select_gallery(
    run: RunEvaluation,
    true_classes: int | Sequence[int] | None = None,
    predicted_classes: int | Sequence[int] | None = None,
    min_confidence: float = 0.0,
) -> np.ndarray:
    """Test indices to show, most confident first, picked from the run's ranked images.

    Only mistakes are kept, except when exactly one class is asked for on both sides (a diagonal
    cell of the confusion matrix): then those correctly classified images are what the user asked for.

    Args:
        run: the run's evaluation (its mistakes and correct images, already ranked).
        true_classes: a class index, several, or None for any.
        predicted_classes: a class index, several, or None for any.
        min_confidence: keep images whose top probability is at least this.
    """
    diagonal_cell = isinstance(true_classes, int | np.integer) and true_classes == predicted_classes
    ranked = run.correct if diagonal_cell else run.mistakes
    predictions = run.predictions
    keep = _class_mask(predictions.labels[ranked], true_classes)
    keep &= _class_mask(predictions.predicted[ranked], predicted_classes)
    keep &= predictions.confidence[ranked] >= min_confidence
    return ranked[keep]


def count_pages(num_items: int, per_page: int) -> int:
    """Number of pages for ``num_items`` (at least 1, so an empty gallery still has page 1)."""
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}.")
    return max(1, math.ceil(num_items / per_page))


def page_of(indices: np.ndarray, page: int, per_page: int) -> np.ndarray:
    """The items of 1-based ``page``; raises ValueError for a page that does not exist."""
    num_pages = count_pages(len(indices), per_page)
    if not 1 <= page <= num_pages:
        raise ValueError(f"page must be between 1 and {num_pages}, got {page}.")
    start = (page - 1) * per_page
    return indices[start : start + per_page]


# ---------------------------------------------------------------- focus and worst classes


def sub_matrix(matrix: np.ndarray, classes: Sequence[int]) -> np.ndarray:
    """Rows and columns ``classes`` of a confusion matrix (e.g. the 4x4 tops group)."""
    return matrix[np.ix_(list(classes), list(classes))]


def worst_classes(table: pd.DataFrame, count: int = 3, by: str = "f1") -> list[str]:
    """Names of the ``count`` classes with the lowest ``by`` in a per-class metrics table."""
    return list(table[by].sort_values(kind="stable").index[:count])


# ---------------------------------------------------------------- comparing two runs


@dataclass(frozen=True)
class RunComparison:
    """How run B differs from run A on the same test images."""

    accuracy_a: float
    accuracy_b: float
    fixed: np.ndarray  # A wrong, B right; sorted by A's confidence, most confident mistake first
    broken: np.ndarray  # A right, B wrong; sorted by B's confidence
    confusion_difference: np.ndarray  # counts of B minus counts of A, rows true, columns predicted

    @property
    def net_gain(self) -> int:
        return len(self.fixed) - len(self.broken)


def compare_runs(a: Predictions, b: Predictions) -> RunComparison:
    """Compares two runs' test predictions; raises ValueError when they cover different test sets."""
    if a.labels.shape != b.labels.shape or not np.array_equal(a.labels, b.labels):
        raise AnalysisError(
            "error.evaluate.different_test_sets", count_a=len(a.labels), count_b=len(b.labels)
        )
    right_a, right_b = a.predicted == a.labels, b.predicted == b.labels
    difference = confusion_matrix(b.predicted, b.labels).astype(np.int64) - confusion_matrix(
        a.predicted, a.labels
    ).astype(np.int64)
    return RunComparison(
        accuracy_a=float(right_a.mean()),
        accuracy_b=float(right_b.mean()),
        fixed=rank_by_confidence(np.flatnonzero(~right_a & right_b), a),
        broken=rank_by_confidence(np.flatnonzero(right_a & ~right_b), b),
        confusion_difference=difference,
    )


# ---------------------------------------------------------------- confusion over time


@dataclass(frozen=True)
class ValidationHistory:
    """Predicted validation labels after every epoch: ``predicted`` is (epochs, n_val)."""

    labels: np.ndarray
    predicted: np.ndarray

    @property
    def num_epochs(self) -> int:
        return len(self.predicted)

    def confusion_at(self, epoch: int, normalize: bool = False) -> np.ndarray:
        """Validation confusion matrix after 1-based ``epoch``."""
        if not 1 <= epoch <= self.num_epochs:
            raise ValueError(f"epoch must be between 1 and {self.num_epochs}, got {epoch}.")
        return confusion_matrix(self.predicted[epoch - 1], self.labels, normalize=normalize)

    def accuracy_at(self, epoch: int) -> float:
        """Validation accuracy after 1-based ``epoch``."""
        return float(np.mean(self.predicted[epoch - 1] == self.labels))


def load_validation_history(run_folder: Path) -> ValidationHistory | None:
    """Reads ``val_predictions.npz``; None when the run has none (imported models, no validation).

    Raises:
        ValueError: the file exists but is unreadable or inconsistent.
    """
    path = Path(run_folder) / VAL_PREDICTIONS_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            labels, predicted = stored["labels"].astype(np.int64), stored["predicted"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise AnalysisError("error.evaluate.history_unreadable", path=path, detail=exc) from exc
    if predicted.ndim != 2 or predicted.shape[1] != len(labels) or len(predicted) == 0:
        raise AnalysisError(
            "error.evaluate.history_shape", path=path, shape=predicted.shape, labels=len(labels)
        )
    if predicted.max(initial=0) >= NUM_CLASSES or labels.max(initial=0) >= NUM_CLASSES:
        raise AnalysisError("error.evaluate.history_classes", path=path, last=NUM_CLASSES - 1)
    return ValidationHistory(labels, predicted)
