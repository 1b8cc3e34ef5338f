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

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation.evaluation import Predictions, load_predictions
from fmnist_core.evaluation.label_marks import Mark
from fmnist_core.runs import runs
from fmnist_core.words import CodedError, english


class EnsembleError(CodedError, ValueError):
    """No ensemble can be made (no run, no readable run), or no image is left to score."""


class Reason(str):
    """Why a run was left out: the English sentence (a ``str``) with its ``code`` and ``values``,
    so the app can say it in the user's language."""

    code: str
    values: dict[str, Any]

    def __new__(cls, code: str, **values: Any) -> Reason:
        reason = super().__new__(cls, english(code, **values))
        reason.code, reason.values = code, values
        return reason

    def __reduce__(self) -> tuple:  # cached (pickled) with its key, not only its sentence
        return _reason, (self.code, self.values)


def _reason(code: str, values: dict[str, Any]) -> Reason:
    return Reason(code, **values)


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
        raise EnsembleError("error.evaluate.no_run_to_combine")
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
        (run_id, Reason("error.evaluate.skipped_other_labels", count=len(chosen)))
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
            unreadable.append((run_id, Reason("error.evaluate.skipped_unreadable", detail=exc)))
    if not loaded:
        reasons = "; ".join(f"{run_id}: {why}" for run_id, why in unreadable)
        raise EnsembleError("error.evaluate.no_readable_run", reasons=reasons, unreadable=tuple(unreadable))
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
        raise EnsembleError("error.evaluate.all_excluded")
    right = predictions.predicted[keep] == predictions.labels[keep]
    return float(right.mean()), int((~keep).sum())
