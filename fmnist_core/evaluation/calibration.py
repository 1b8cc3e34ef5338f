"""Calibration of a classifier's confidence: reliability bins and the expected calibration error.

Follows Guo et al., "On Calibration of Modern Neural Networks" (ICML 2017): the confidence of a
prediction is its top probability; predictions are grouped into ``num_bins`` equal-width bins
``(0, 1/M], (1/M, 2/M], ..., ((M-1)/M, 1]`` and

    ECE = sum over bins of (n_bin / N) * |accuracy_bin - mean confidence_bin|.

Edge handling: the bins are closed on the right, so a confidence equal to an edge ``k/M`` falls in
the bin that ends there and a confidence of exactly 1.0 falls in the last bin. A confidence of
exactly 0 (impossible for a probability distribution, whose top value is at least 1/classes) is
counted in the first bin rather than dropped. Edges are compared in float64 with the given values.
Empty bins contribute nothing and report NaN confidence, accuracy and gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NUM_BINS = 15  # as in Guo et al.
BIN_COLUMNS = ("lower", "upper", "count", "correct", "confidence", "accuracy", "gap")
ROUNDING = 1e-6  # float32 softmax outputs may overshoot 1 by an ulp; such values are clipped


def _checked(probabilities: np.ndarray, labels: np.ndarray, num_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, correct) of each prediction; ValueError with what to fix for bad input."""
    if isinstance(num_bins, bool) or not isinstance(num_bins, int | np.integer) or num_bins < 1:
        raise ValueError(f"num_bins must be a whole number of at least 1, got {num_bins!r}.")
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if probabilities.ndim != 2:
        raise ValueError(
            f"probabilities must be a 2-D array (predictions x classes), got shape {probabilities.shape}."
        )
    if len(probabilities) == 0 or probabilities.shape[1] == 0:
        raise ValueError(
            "There are no predictions to calibrate (empty probabilities): evaluate at least one image."
        )
    if labels.shape != (len(probabilities),):
        raise ValueError(
            f"labels must hold one class per prediction: {len(probabilities)} predictions but labels "
            f"of shape {labels.shape}."
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be whole class numbers, got dtype {labels.dtype}.")
    num_classes = probabilities.shape[1]
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"labels must lie in 0..{num_classes - 1} (one per class column).")
    values = probabilities.astype(np.float64)
    if not np.isfinite(values).all() or values.min() < -ROUNDING or values.max() > 1 + ROUNDING:
        raise ValueError("probabilities must be finite numbers between 0 and 1 (softmax outputs).")
    return np.clip(values.max(axis=1), 0.0, 1.0), values.argmax(axis=1) == labels


def bin_edges(num_bins: int = NUM_BINS) -> np.ndarray:
    """0, 1/M, ..., 1 (each k/M correctly rounded, so a confidence computed as k/M meets its edge)."""
    return np.arange(num_bins + 1) / num_bins


def bin_index(confidence: np.ndarray, num_bins: int = NUM_BINS) -> np.ndarray:
    """The bin of each confidence, 0..num_bins-1, bins closed on the right (see the module note)."""
    inner_edges = bin_edges(num_bins)[1:-1]
    # side="left": the number of inner edges strictly below the value, so k/M lands in bin k-1.
    return np.searchsorted(inner_edges, np.asarray(confidence, dtype=np.float64), side="left")


def reliability_bins(probabilities: np.ndarray, labels: np.ndarray, num_bins: int = NUM_BINS) -> pd.DataFrame:
    """One row per confidence bin, lowest first.

    Args:
        probabilities: (N, classes) predicted probabilities.
        labels: (N,) true class of each prediction.
        num_bins: number of equal-width bins over (0, 1].

    Returns:
        Columns ``lower``, ``upper`` (the bin is ``(lower, upper]``), ``count`` (predictions in it),
        ``correct`` (how many of them are right), ``confidence`` (their mean top probability),
        ``accuracy`` (correct / count) and ``gap`` (confidence - accuracy: positive when the model
        is over-confident). The last three are NaN for an empty bin.

    Raises:
        ValueError: empty or malformed input (the message says what is wrong).
    """
    confidence, correct = _checked(probabilities, labels, num_bins)
    bins = bin_index(confidence, num_bins)
    count = np.bincount(bins, minlength=num_bins)
    right = np.bincount(bins, weights=correct, minlength=num_bins)
    summed = np.bincount(bins, weights=confidence, minlength=num_bins)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0/0 -> NaN for empty bins, on purpose
        mean_confidence, accuracy = summed / count, right / count
    edges = bin_edges(num_bins)
    return pd.DataFrame(
        {
            "lower": edges[:-1],
            "upper": edges[1:],
            "count": count.astype(np.int64),
            "correct": right.astype(np.int64),
            "confidence": mean_confidence,
            "accuracy": accuracy,
            "gap": mean_confidence - accuracy,
        }
    )


def ece_from_bins(bins: pd.DataFrame) -> float:
    """The expected calibration error of a ``reliability_bins`` table (empty bins weigh nothing)."""
    filled = bins[bins["count"] > 0]
    return float((filled["count"] * filled["gap"].abs()).sum() / filled["count"].sum())


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, num_bins: int = NUM_BINS
) -> float:
    """ECE = sum over bins of (n_bin / N) * |accuracy_bin - confidence_bin|, between 0 and 1.

    Raises:
        ValueError: empty or malformed input (the message says what is wrong).
    """
    return ece_from_bins(reliability_bins(probabilities, labels, num_bins))


@dataclass(frozen=True, eq=False)
class Calibration:
    """A run's reliability bins with the figures the Evaluate page and the command line quote."""

    bins: pd.DataFrame  # see ``reliability_bins``
    ece: float
    mean_confidence: float  # over all predictions
    accuracy: float  # fraction of predictions that are right

    @classmethod
    def from_probabilities(
        cls, probabilities: np.ndarray, labels: np.ndarray, num_bins: int = NUM_BINS
    ) -> Calibration:
        """Bins and summary of these predictions; ValueError for empty or malformed input."""
        bins = reliability_bins(probabilities, labels, num_bins)
        total = bins["count"].sum()
        return cls(
            bins=bins,
            ece=ece_from_bins(bins),
            mean_confidence=float((bins["confidence"] * bins["count"]).sum() / total),
            accuracy=float(bins["correct"].sum() / total),
        )

    @property
    def over_confidence(self) -> float:
        """Mean confidence minus accuracy: positive means over-confident, negative under-confident."""
        return self.mean_confidence - self.accuracy

    def example_bin(self, confidence: float = 0.9) -> pd.Series:
        """The bin holding ``confidence`` when it has predictions, else the fullest bin: the row a
        sentence like "when it says 90%, it is right X% of the time" can quote."""
        row = self.bins.iloc[int(bin_index(np.array([confidence]), len(self.bins))[0])]
        return row if row["count"] > 0 else self.bins.loc[self.bins["count"].idxmax()]
