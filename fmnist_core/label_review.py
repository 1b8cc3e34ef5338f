"""Suspicious test labels: the images whose given label an ensemble of finished runs disbelieves most.

Self-confidence ranking (as in confident learning, written here in a few lines of numpy rather than
taking cleanlab's AGPL licence): the score of an image is the ensemble's mean probability of its
given label, and the lowest scores are the most suspicious. A low score says the models disagree
with the label, not that the label is wrong: there is no official list of Fashion-MNIST label errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from fmnist_core import runs
from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import Predictions, load_predictions
from fmnist_core.label_marks import Mark


@dataclass(frozen=True, eq=False)
class Ensemble:
    """The mean prediction of several runs over the same test labels.

    Attributes:
        run_ids: the runs combined, in the order given.
        probabilities: (N, 10) mean of their class probabilities (float64).
        labels: (N,) the given (test-set) labels they share.
        run_predicted: (R, N) each run's predicted class.
        skipped: (run id, why) of the runs left out.
    """

    run_ids: tuple[str, ...]
    probabilities: np.ndarray
    labels: np.ndarray
    run_predicted: np.ndarray
    skipped: tuple[tuple[str, str], ...] = field(default=())

    @property
    def num_runs(self) -> int:
        return len(self.run_ids)

    @property
    def consensus(self) -> np.ndarray:
        """(N,) the class of the highest mean probability."""
        return self.probabilities.argmax(axis=1)

    @property
    def label_probability(self) -> np.ndarray:
        """(N,) the mean probability of each image's given label: the self-confidence score."""
        return self.probabilities[np.arange(len(self.labels)), self.labels]

    @property
    def margin(self) -> np.ndarray:
        """(N,) the largest probability of another class minus that of the given label (> 0: the
        ensemble prefers another class)."""
        others = self.probabilities.copy()
        others[np.arange(len(self.labels)), self.labels] = -np.inf
        return others.max(axis=1) - self.label_probability

    @property
    def runs_agreeing(self) -> np.ndarray:
        """(N,) how many runs predict the consensus class."""
        return (self.run_predicted == self.consensus).sum(axis=0)


def combine(predictions: Mapping[str, Predictions]) -> Ensemble:
    """Averages the runs that share the test labels of the majority (the first run on a tie).

    Args:
        predictions: run id -> its test predictions, in the order to prefer on a tie.

    Raises:
        ValueError: when ``predictions`` is empty.
    """
    if not predictions:
        raise ValueError("No run to combine: finish a training run first.")
    groups: list[tuple[np.ndarray, list[str]]] = []  # distinct label arrays and their runs
    for run_id, prediction in predictions.items():
        for labels, members in groups:
            if np.array_equal(labels, prediction.labels):
                members.append(run_id)
                break
        else:
            groups.append((prediction.labels, [run_id]))
    labels, chosen = max(groups, key=lambda group: len(group[1]))  # max keeps the first on a tie
    skipped = tuple(
        (run_id, f"its test labels differ from those of the {len(chosen)} combined run(s)")
        for run_id in predictions
        if run_id not in chosen
    )
    stacked = np.stack([predictions[run_id].probabilities for run_id in chosen]).astype(np.float64)
    return Ensemble(
        run_ids=tuple(chosen),
        probabilities=stacked.mean(axis=0),
        labels=np.asarray(labels, dtype=np.int64),
        run_predicted=stacked.argmax(axis=2).astype(np.int8),
        skipped=skipped,
    )


def load_ensemble(run_ids: Sequence[str], root: str | os.PathLike | None = None) -> Ensemble:
    """Reads each run's ``predictions.npz`` once and combines them; unreadable runs are skipped.

    Raises:
        ValueError: when none of the runs can be read (the message says why for each).
    """
    loaded: dict[str, Predictions] = {}
    unreadable: list[tuple[str, str]] = []
    for run_id in run_ids:
        try:
            loaded[run_id] = load_predictions(runs.run_path(run_id, root))
        except ValueError as exc:
            unreadable.append((run_id, f"its predictions cannot be read ({exc})"))
    if not loaded:
        reasons = "; ".join(f"{run_id}: {why}" for run_id, why in unreadable)
        raise ValueError(f"No finished run with readable predictions. {reasons}".strip())
    ensemble = combine(loaded)
    return replace(ensemble, skipped=(*ensemble.skipped, *unreadable))


def rank_suspicious(ensemble: Ensemble) -> np.ndarray:
    """Test indices, most suspicious first: lowest mean probability of the given label; ties by index."""
    return np.argsort(ensemble.label_probability, kind="stable")


def suspicious_rows(ensemble: Ensemble, indices: Sequence[int] | np.ndarray) -> list[dict[str, Any]]:
    """One row per index (the command line's JSON): given label and consensus as ints and names."""
    consensus, score, agreeing = ensemble.consensus, ensemble.label_probability, ensemble.runs_agreeing
    return [
        {
            "index": int(index),
            "label": int(ensemble.labels[index]),
            "label_name": CLASS_NAMES[ensemble.labels[index]],
            "consensus": int(consensus[index]),
            "consensus_name": CLASS_NAMES[consensus[index]],
            "label_probability": round(float(score[index]), 6),
            "runs_agreeing": int(agreeing[index]),
        }
        for index in indices
    ]


def marks_table(ensemble: Ensemble | None, marks: Mapping[int, Mark]) -> pd.DataFrame:
    """The marked images as a table (the CSV export), by test index; blank columns without an
    ensemble or for an index beyond its test set."""
    rows = []
    for index in sorted(marks):
        known = ensemble is not None and 0 <= index < len(ensemble.labels)
        rows.append(
            {
                "index": index,
                "given_label": CLASS_NAMES[ensemble.labels[index]] if known else "",
                "consensus": CLASS_NAMES[ensemble.consensus[index]] if known else "",
                "label_probability": round(float(ensemble.label_probability[index]), 6) if known else None,
                "mark": marks[index].mark,
                "marked_at": marks[index].marked_at,
            }
        )
    columns = ["index", "given_label", "consensus", "label_probability", "mark", "marked_at"]
    return pd.DataFrame(rows, columns=columns)


def accuracy_without(predictions: Predictions, excluded: Sequence[int] | np.ndarray) -> tuple[float, int]:
    """Test accuracy over the images not in ``excluded``, and how many were excluded.

    Indices outside the test set are ignored. Raises ValueError when nothing is left.
    """
    keep = np.ones(len(predictions.labels), dtype=bool)
    excluded = np.asarray(excluded, dtype=np.int64)
    excluded = excluded[(excluded >= 0) & (excluded < len(keep))]
    keep[excluded] = False
    if not keep.any():
        raise ValueError("Every test image is excluded: no accuracy is left to compute.")
    right = predictions.predicted[keep] == predictions.labels[keep]
    return float(right.mean()), int((~keep).sum())
