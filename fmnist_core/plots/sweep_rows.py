"""A sweep's trials as flat rows (one dict per trial) that the trial table, the range filters and
the figures all read: ``trial``, ``state``, one key per hyperparameter, ``val accuracy``, ``test
accuracy``, ``epochs done``, ``seconds`` and ``run id``. The keys are data, the same in every
language."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

OBJECTIVE = "val accuracy"
TEST = "test accuracy"
# A filter: (low, high) for a number, ends included; a set of the values kept for a choice.
Filter = tuple[float, float] | frozenset


def trial_rows(trials: Iterable[Any]) -> list[dict[str, Any]]:
    """One flat row per trial (objects with ``number``, ``state``, ``params``, ``value``,
    ``run_id``, ``epochs_done``, ``seconds`` and ``test_accuracy``), in trial order."""
    rows = []
    for trial in sorted(trials, key=lambda trial: trial.number):
        rows.append({
            "trial": trial.number,
            "state": trial.state,
            **dict(trial.params),
            OBJECTIVE: trial.value,
            TEST: trial.test_accuracy,
            "epochs done": trial.epochs_done,
            "seconds": trial.seconds,
            "run id": trial.run_id,
        })  # fmt: skip
    return rows


def in_ranges(row: Mapping[str, Any], ranges: Mapping[str, Filter]) -> bool:
    """Whether every filtered value of ``row`` lies in its (low, high) range, ends included, or
    is one of its set of kept choices.

    A row without a value for a filtered column (a waiting trial) is outside.
    """
    for column, kept in ranges.items():
        value = row.get(column)
        if value is None:
            return False
        if isinstance(kept, (set, frozenset)):
            if value not in kept:
                return False
        elif not kept[0] <= value <= kept[1]:
            return False
    return True


def filter_rows(rows: Sequence[Mapping[str, Any]], ranges: Mapping[str, Filter]) -> list[Any]:
    """The rows inside every range of ``ranges`` (all rows when it is empty)."""
    return [row for row in rows if in_ranges(row, ranges)]


def best_row(rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The complete trial with the highest validation accuracy, the earliest on a tie (a pruned
    trial's score is only where it stood when it was stopped)."""
    scored = [row for row in rows if row["state"] == "complete" and row.get(OBJECTIVE) is not None]
    return max(scored, key=lambda row: (row[OBJECTIVE], -row["trial"])) if scored else None


def top_rows(rows: Sequence[Mapping[str, Any]], count: int = 5) -> list[Mapping[str, Any]]:
    """The ``count`` best rows that have a run, best first."""
    scored = [row for row in rows if row.get(OBJECTIVE) is not None and row.get("run id")]
    return sorted(scored, key=lambda row: (-row[OBJECTIVE], row["trial"]))[:count]
