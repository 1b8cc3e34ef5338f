"""The statistics of Compare and Runs checked against hand computations on small cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fmnist_core.evaluation import significance
from fmnist_core.runs.runs import RunRecord
from fmnist_core.words import CodedError


@pytest.mark.parametrize(
    ("only_a", "only_b", "expected"),
    [
        (0, 5, 2 * 0.5**5),  # all five discordant images go B's way
        (1, 9, 2 * (1 + 10) / 2**10),  # 2 * P(X <= 1), X ~ Bin(10, 1/2)
        (9, 1, 2 * (1 + 10) / 2**10),  # symmetric
        (3, 3, 1.0),
        (0, 0, 1.0),  # no discordant image: no evidence either way
        (20, 0, 2 * 0.5**20),
    ],
)
def test_mcnemar_exact_matches_the_binomial_tail(only_a: int, only_b: int, expected: float) -> None:
    assert significance.mcnemar_exact(only_a, only_b) == pytest.approx(expected, rel=1e-12)


def _pair(count: int, right_a: float, right_b: float, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    predicted_a = np.where(rng.random(count) < right_a, labels, (labels + 1) % 10)
    predicted_b = np.where(rng.random(count) < right_b, labels, (labels + 2) % 10)
    return labels, predicted_a, predicted_b


def test_paired_test_counts_the_discordant_images_by_hand() -> None:
    labels = np.array([0, 1, 2, 3, 4, 5])
    predicted_a = np.array([0, 1, 9, 9, 4, 9])  # right on 0, 1, 4
    predicted_b = np.array([0, 9, 2, 3, 4, 9])  # right on 0, 2, 3, 4
    test = significance.paired_test(labels, predicted_a, predicted_b, resamples=200)
    assert (test.only_a, test.only_b, test.count) == (1, 2, 6)
    assert test.accuracy_a == pytest.approx(3 / 6) and test.accuracy_b == pytest.approx(4 / 6)
    assert test.difference == pytest.approx(1 / 6)
    assert test.p_value == pytest.approx(1.0)  # 1 against 2 is no evidence
    assert not test.is_significant


def test_bootstrap_interval_agrees_with_the_normal_approximation() -> None:
    labels, predicted_a, predicted_b = _pair(10_000, 0.88, 0.90)
    test = significance.paired_test(labels, predicted_a, predicted_b)
    change = (predicted_b == labels).astype(float) - (predicted_a == labels)
    half = 1.959964 * change.std(ddof=1) / math.sqrt(len(change))
    low, high = test.interval
    assert low < test.difference < high
    assert low == pytest.approx(test.difference - half, abs=0.002)
    assert high == pytest.approx(test.difference + half, abs=0.002)
    assert test.is_significant and test.p_value < 1e-4


def test_bootstrap_is_repeatable_for_a_seed() -> None:
    pair = _pair(2_000, 0.8, 0.82)
    first, again = (significance.paired_test(*pair, seed=3) for _ in range(2))
    assert first.interval == again.interval


def test_identical_predictions_give_a_zero_interval() -> None:
    labels, predicted, _ = _pair(500, 0.9, 0.9)
    test = significance.paired_test(labels, predicted, predicted.copy())
    assert test.interval == (0.0, 0.0) and test.p_value == 1.0
    assert "exactly as many" in significance.describe_paired(test, "A", "B")


def test_different_test_sets_are_refused_with_a_reason() -> None:
    with pytest.raises(CodedError, match="same test images") as caught:
        significance.paired_test(np.zeros(5), np.zeros(5), np.zeros(4))
    assert caught.value.code == "error.significance.shapes"


def test_plain_words_say_direction_interval_and_chance() -> None:
    test = significance.PairedTest(10_000, 0.90, 0.912, 300, 420, 1e-5, (0.006, 0.018))
    text = significance.describe_paired(test, "mlp", "cnn")
    assert text.startswith("cnn is better than mlp by 1.2 points (95% interval +0.6 to +1.8).")
    assert "fewer than 1 in 1,000 cases" in text and "real at the 95% level" in text
    worse = significance.PairedTest(10_000, 0.912, 0.90, 420, 300, 0.004, (-0.018, -0.006))
    assert "worse than" in significance.describe_paired(worse, "a", "b")
    assert "about 1 in 250 cases" in significance.describe_paired(worse, "a", "b")
    unclear = significance.PairedTest(10_000, 0.90, 0.901, 100, 110, 0.53, (-0.002, 0.004))
    words = significance.describe_paired(unclear, "a", "b")
    assert "53% of cases" in words and "not enough to call the difference real" in words


def _record(run_id: str, accuracy: float, seed: int, **config) -> RunRecord:
    settings = {"model": "cnn", "epochs": 5, "seed": seed, **config}
    return RunRecord(
        run_id, settings["model"], "finished", settings, test={"accuracy": accuracy}, created_at=run_id
    )


def test_t_half_width_by_hand() -> None:
    # mean 0.89, sd 0.01, n 3: t(0.975, 2) = 4.302653 -> 4.302653 * 0.01 / sqrt(3)
    assert significance.t_half_width([0.88, 0.89, 0.90]) == pytest.approx(0.0248414, rel=1e-5)
    assert significance.t_half_width([0.9]) == 0.0


def test_seed_groups_gather_runs_that_differ_only_in_their_seed() -> None:
    records = [
        _record("r1", 0.88, 0),
        _record("r2", 0.89, 1),
        _record("r3", 0.90, 2),
        _record("r4", 0.70, 0, epochs=1),  # another setting, alone: no group
        _record("r5", 0.91, 0, model="mlp"),
        _record("r6", 0.93, 1, model="mlp"),
        _record("r7", 0.95, 1, model="mlp"),  # seed 1 again: the newest run counts
        RunRecord("r8", "cnn", "failed", {"model": "cnn", "epochs": 5, "seed": 3}),
    ]
    groups = significance.seed_groups(records)
    assert [group.run_ids for group in groups] == [("r1", "r2", "r3"), ("r5", "r7")]
    cnn = groups[0]
    assert cnn.seeds == (0, 1, 2) and cnn.mean == pytest.approx(0.89)
    assert cnn.spread == pytest.approx(0.01)
    assert cnn.interval == pytest.approx((0.89 - 0.0248414, 0.89 + 0.0248414), rel=1e-5)
    assert significance.group_of("r7", groups) is groups[1]
    assert significance.group_of("r4", groups) is None
    assert significance.describe_setting(cnn.setting) == "cnn · epochs 5"
    assert significance.describe_setting({"model": "cnn", "recipe": "improved"}) == "cnn · recipe improved"


def test_command_line_compare_and_seeds(trained_root, capsys) -> None:
    import json

    from fmnist_core.__main__ import main

    ids = sorted(path.name for path in (trained_root / "runs").iterdir())
    assert main(["--artifacts", str(trained_root), "compare", *ids, "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    assert (
        values["count"] == 10_000 and values["interval"][0] <= values["difference"] <= values["interval"][1]
    )
    assert main(["--artifacts", str(trained_root), "compare", *ids]) == 0
    assert "McNemar's exact test" in capsys.readouterr().out
    assert main(["--artifacts", str(trained_root), "seeds"]) == 0
    assert "no setting has runs with two or more seeds" in capsys.readouterr().out
    assert main(["--artifacts", str(trained_root), "compare", ids[0], "nope"]) == 2
    assert "nope" in capsys.readouterr().err
