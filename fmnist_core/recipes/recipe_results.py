"""The Tutorials results table: each recipe's published figure beside what its runs here gave.

Pure functions of run records and histories, so the page, the command line and the tests agree.
A recipe's runs are the ordinary runs whose config names it (``recipes.matches_recipe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fmnist_core.recipes import recipes
from fmnist_core.runs import run_summary
from fmnist_core.runs.runs import RunRecord

SPREAD_FLOOR = 0.003  # below this a gap is noise even when all seeds agreed (or only one ran)


@dataclass(frozen=True)
class RecipeResult:
    """One row of the results table.

    Attributes:
        recipe: the recipe's name.
        values: the finished runs' accuracies on the reported split, newest run first.
        run_ids: those runs, in the same order.
        seeds: the distinct seeds among them, ascending.
        mean_seconds: their mean training time here, or None without any.
        active_ids: runs of the recipe still queued or training; ``active_seeds`` their seeds.
        explanation: why ours differs from the published figure, when it does by more than the spread.
    """

    recipe: str
    values: tuple[float, ...]
    run_ids: tuple[str, ...]
    seeds: tuple[int, ...]
    mean_seconds: float | None
    active_ids: tuple[str, ...]
    active_seeds: tuple[int, ...]
    explanation: str | None

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    @property
    def low(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def high(self) -> float | None:
        return max(self.values) if self.values else None


def seed_spread(values: Sequence[float]) -> float:
    """Half the range of ``values``, but at least ``SPREAD_FLOOR``."""
    return max((max(values) - min(values)) / 2 if values else 0.0, SPREAD_FLOOR)


def differs(reported: float | None, values: Sequence[float], at_least: bool = False) -> bool:
    """Whether the mean of ``values`` misses ``reported`` by more than their seed spread (only from
    below when ``reported`` is a target to reach, ``at_least``)."""
    if reported is None or not values:
        return False
    gap = reported - sum(values) / len(values)
    return (gap if at_least else abs(gap)) > seed_spread(values)


def run_value(record: RunRecord, history: list[dict[str, Any]], split: str) -> float | None:
    """A finished run's accuracy on ``split``: its test accuracy, or its best validation accuracy."""
    if split == "validation":
        return run_summary.best_val_accuracy(history)
    return record.test_accuracy


def recipe_result(
    name: str, records: Sequence[RunRecord], histories: dict[str, list[dict[str, Any]]]
) -> RecipeResult:
    """The row of recipe ``name`` from all run ``records`` (newest first) and their histories."""
    recipe = recipes.get_recipe(name)
    mine = [record for record in records if recipes.matches_recipe(record.config, name)]
    scored = [
        (record, value)
        for record in mine
        if record.status == "finished"
        and (value := run_value(record, histories.get(record.id, []), recipe.reported.split)) is not None
    ]
    values = tuple(value for _, value in scored)
    active = [record for record in mine if record.is_active]
    seconds = [s for record, _ in scored if (s := run_summary.elapsed_seconds(record)) is not None]
    return RecipeResult(
        recipe=name,
        values=values,
        run_ids=tuple(record.id for record, _ in scored),
        seeds=tuple(sorted({record.config.get("seed", 0) for record, _ in scored})),
        mean_seconds=sum(seconds) / len(seconds) if seconds else None,
        active_ids=tuple(record.id for record in active),
        active_seeds=tuple(sorted(record.config.get("seed", 0) for record in active)),
        explanation=recipe.differs_because
        if differs(recipe.reported.value, values, at_least=recipe.reported.is_target)
        else None,
    )


def results_table(
    records: Sequence[RunRecord], histories: dict[str, list[dict[str, Any]]]
) -> list[RecipeResult]:
    """One row per recipe, in the recipes' order."""
    return [recipe_result(name, records, histories) for name in recipes.list_recipes()]


def ours_text(result: RecipeResult) -> str:
    """``0.8812 (0.8790-0.8840)`` over the seeds; one run shows its value alone; none: blank."""
    if not result.values:
        return ""
    if len(result.values) == 1:
        return f"{result.mean:.4f}"
    return f"{result.mean:.4f} ({result.low:.4f}-{result.high:.4f})"


def next_seeds(result: RecipeResult, count: int) -> list[int]:
    """The ``count`` smallest seeds this recipe has no finished or active run of, so that running
    it again adds to its spread instead of repeating a run."""
    used, seeds, seed = {*result.seeds, *result.active_seeds}, [], 0
    while len(seeds) < count:
        if seed not in used:
            seeds.append(seed)
        seed += 1
    return seeds
