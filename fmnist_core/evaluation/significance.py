"""Is a difference between runs real? Paired tests of two runs, and seed groups of one setting.

Two runs scored on the same test images are compared image by image: only the images one gets
right and the other wrong say anything about which is better. McNemar's exact test asks how
likely so lopsided a split of those images would be if both models were equally good; a paired
bootstrap over the test images gives a 95% interval of the accuracy difference. Runs that differ
only in their seed show how much a figure moves by chance alone: their mean, spread (standard
deviation) and a 95% t-interval of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from fmnist_core import words
from fmnist_core.evaluation.evaluation import Predictions
from fmnist_core.runs.runs import RunRecord

CONFIDENCE = 0.95
RESAMPLES = 2000
# Keys of a config that do not make a different setting: the seed varies on purpose.
NOT_SETTING = frozenset({"seed"})


class SignificanceError(words.CodedError, ValueError):
    """Two runs that cannot be compared image by image (``error.significance.*`` words)."""


@dataclass(frozen=True)
class PairedTest:
    """Run B against run A on the same ``count`` test images.

    ``only_a`` counts the images A gets right and B wrong, ``only_b`` the reverse; ``difference``
    is B's accuracy minus A's (a fraction), ``interval`` its bootstrap interval and ``p_value``
    McNemar's exact two-sided p.
    """

    count: int
    accuracy_a: float
    accuracy_b: float
    only_a: int
    only_b: int
    p_value: float
    interval: tuple[float, float]
    confidence: float = CONFIDENCE

    @property
    def difference(self) -> float:
        return self.accuracy_b - self.accuracy_a

    @property
    def is_significant(self) -> bool:
        """The interval excludes 0 and the test's p is below 1 - confidence."""
        low, high = self.interval
        return self.p_value < 1 - self.confidence and (low > 0 or high < 0)


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided p of McNemar's exact test: the discordant images split as a fair coin would."""
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    return float(stats.binomtest(min(only_a, only_b), discordant, 0.5).pvalue)


def bootstrap_interval(
    right_a: np.ndarray, right_b: np.ndarray, *, resamples: int = RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile interval of accuracy(B) - accuracy(A), resampling the test images in pairs."""
    change = right_b.astype(np.int8) - right_a.astype(np.int8)
    if not change.any():
        return 0.0, 0.0
    result = stats.bootstrap(
        (change,),
        np.mean,
        n_resamples=resamples,
        confidence_level=CONFIDENCE,
        method="percentile",
        vectorized=True,
        batch=250,  # bounds memory: 250 resamples of 10,000 images at a time
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def paired_test(
    labels: np.ndarray,
    predicted_a: np.ndarray,
    predicted_b: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> PairedTest:
    """McNemar's exact test and a bootstrap interval of two runs' predictions of ``labels``."""
    labels, predicted_a, predicted_b = map(np.asarray, (labels, predicted_a, predicted_b))
    if not (labels.shape == predicted_a.shape == predicted_b.shape) or labels.size == 0:
        raise SignificanceError("error.significance.shapes", a=len(predicted_a), b=len(predicted_b))
    right_a, right_b = predicted_a == labels, predicted_b == labels
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    return PairedTest(
        count=int(labels.size),
        accuracy_a=float(right_a.mean()),
        accuracy_b=float(right_b.mean()),
        only_a=only_a,
        only_b=only_b,
        p_value=mcnemar_exact(only_a, only_b),
        interval=bootstrap_interval(right_a, right_b, resamples=resamples, seed=seed),
    )


def compare_predictions(a: Predictions, b: Predictions, *, seed: int = 0) -> PairedTest:
    """`paired_test` of two runs' stored test predictions, refused unless their labels agree."""
    if a.labels.shape != b.labels.shape or not np.array_equal(a.labels, b.labels):
        raise SignificanceError("error.significance.shapes", a=len(a.labels), b=len(b.labels))
    return paired_test(a.labels, a.predicted, b.predicted, seed=seed)


def chance_text(p_value: float, t: words.Text = words.english) -> str:
    """How often chance alone would give such a split, in words a learner reads."""
    if p_value < 0.001:
        return t("significance.chance_below", odds=1000)
    if p_value < 0.05:
        return t("significance.chance_one_in", odds=max(2, round(1 / p_value)))
    return t("significance.chance_often", percent=p_value * 100)


def describe_paired(test: PairedTest, name_a: str, name_b: str, t: words.Text = words.english) -> str:
    """``B is better by 1.2 points, 95% interval 0.6-1.8; ...`` for the Compare tab and reports."""
    low, high = (value * 100 for value in test.interval)
    points = abs(test.difference) * 100
    if test.only_a == test.only_b:
        lead = t("significance.tie", a=name_a, b=name_b, low=low, high=high)
    else:
        key = "significance.better" if test.difference > 0 else "significance.worse"
        lead = t(key, b=name_b, a=name_a, points=points, low=low, high=high)
    split = t("significance.split", a=name_a, b=name_b, only_a=test.only_a, only_b=test.only_b)
    verdict = "significance.real" if test.is_significant else "significance.not_shown"
    return " ".join((lead, split, chance_text(test.p_value, t), t(verdict)))


# ---------------------------------------------------------------- seed groups


@dataclass(frozen=True)
class SeedGroup:
    """Finished runs of one setting that differ only in their seed.

    ``setting`` is the config without the seed; ``accuracies`` the runs' test accuracies in the
    order of ``run_ids``; ``spread`` their standard deviation (n - 1) and ``interval`` the 95%
    t-interval of their mean.
    """

    setting: Mapping[str, Any]
    run_ids: tuple[str, ...]
    seeds: tuple[int, ...]
    accuracies: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.run_ids)

    @property
    def mean(self) -> float:
        return float(np.mean(self.accuracies))

    @property
    def spread(self) -> float:
        return float(np.std(self.accuracies, ddof=1)) if self.size > 1 else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        half = t_half_width(self.accuracies)
        return self.mean - half, self.mean + half


def t_half_width(values: Sequence[float], confidence: float = CONFIDENCE) -> float:
    """Half the width of the t-interval of the mean of ``values`` (0 for fewer than two)."""
    if len(values) < 2:
        return 0.0
    sem = float(np.std(values, ddof=1)) / math.sqrt(len(values))
    return float(stats.t.ppf((1 + confidence) / 2, len(values) - 1)) * sem


def setting_of(record: RunRecord) -> dict[str, Any]:
    """A run's config without what does not make another setting (its seed)."""
    return {key: value for key, value in record.config.items() if key not in NOT_SETTING}


def _setting_key(setting: Mapping[str, Any]) -> tuple:
    return tuple(sorted((key, repr(value)) for key, value in setting.items()))


def seed_groups(records: Iterable[RunRecord], min_size: int = 2) -> list[SeedGroup]:
    """Groups of at least ``min_size`` scored runs of one setting, largest group first.

    Imported models have no setting; a seed run twice counts once (its newest run).
    """
    grouped: dict[tuple, dict[int, RunRecord]] = {}
    settings: dict[tuple, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r.created_at or ""):
        if record.is_imported or not record.has_predictions or record.test_accuracy is None:
            continue
        setting = setting_of(record)
        key = _setting_key(setting)
        settings[key] = setting
        grouped.setdefault(key, {})[int(record.config.get("seed", 0))] = record
    groups = [
        SeedGroup(
            setting=settings[key],
            run_ids=tuple(by_seed[seed].id for seed in sorted(by_seed)),
            seeds=tuple(sorted(by_seed)),
            accuracies=tuple(float(by_seed[seed].test_accuracy) for seed in sorted(by_seed)),
        )
        for key, by_seed in grouped.items()
        if len(by_seed) >= min_size
    ]
    return sorted(groups, key=lambda group: (-group.size, -group.mean))


def group_of(run_id: str, groups: Iterable[SeedGroup]) -> SeedGroup | None:
    """The seed group holding run ``run_id``, if any."""
    return next((group for group in groups if run_id in group.run_ids), None)


def describe_setting(setting: Mapping[str, Any], t: words.Text = words.english) -> str:
    """``cnn · recipe tutorial_cnn`` or ``mlp · epochs 5 · batch_size 64 ...`` (set values only)."""
    shown = [str(setting.get("model", "?"))]
    if setting.get("recipe"):
        return " · ".join((*shown, t("significance.recipe", name=setting["recipe"])))
    shown += [
        f"{key} {value}" for key, value in sorted(setting.items()) if key != "model" and value is not None
    ]
    return " · ".join(shown)
