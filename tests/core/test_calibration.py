"""Reliability bins and ECE (fmnist_core.evaluation.calibration), their figures, and ``evaluate --json``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fmnist_core import __main__ as cli
from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import calibration, evaluation
from fmnist_core.evaluation.calibration import Calibration, expected_calibration_error, reliability_bins
from fmnist_core.plots import calibration_plots

# Six predictions over three classes, worked by hand with the default 15 bins of width 1/15:
#   #  probabilities        label  confidence  right  bin (lower, upper]
#   1  [0.90, 0.05, 0.05]   0      0.90        yes    13: (13/15, 14/15] = (0.867, 0.933]
#   2  [0.04, 0.92, 0.04]   0      0.92        no     13
#   3  [0.60, 0.30, 0.10]   0      0.60        yes     8: (8/15, 9/15] = (0.533, 0.6]  (0.6 = 9/15: an edge)
#   4  [0.55, 0.45, 0.00]   1      0.55        no      8
#   5  [1.00, 0.00, 0.00]   0      1.00        yes    14: (14/15, 1]  (exactly 1.0: the last bin)
#   6  [0.40, 0.35, 0.25]   2      0.40        no      5: (5/15, 6/15] = (0.333, 0.4]  (0.4 = 6/15: an edge)
# Bin 13: 2 images, mean confidence 0.91, accuracy 1/2 -> |gap| 0.41  -> weight 2/6 -> 0.82/6
# Bin  8: 2 images, mean confidence 0.575, accuracy 1/2 -> |gap| 0.075 -> 2/6 -> 0.15/6
# Bin 14: 1 image, confidence 1.0, accuracy 1 -> gap 0
# Bin  5: 1 image, confidence 0.4, accuracy 0 -> |gap| 0.4 -> 1/6 -> 0.40/6
# ECE = (0.82 + 0.15 + 0.40) / 6 = 1.37 / 6 = 0.228333...
SIX_PROBABILITIES = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.04, 0.92, 0.04],
        [0.60, 0.30, 0.10],
        [0.55, 0.45, 0.00],
        [1.00, 0.00, 0.00],
        [0.40, 0.35, 0.25],
    ]
)
SIX_LABELS = np.array([0, 0, 0, 1, 0, 2])


def reference_ece(probabilities: np.ndarray, labels: np.ndarray, num_bins: int) -> float:
    """Guo et al.'s loop, written independently: bins (lower, upper], weighted |accuracy - confidence|."""
    confidence, right = probabilities.max(axis=1), probabilities.argmax(axis=1) == labels
    total = 0.0
    for k in range(num_bins):
        inside = (confidence > k / num_bins) & (confidence <= (k + 1) / num_bins)
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - confidence[inside].mean())
    return total


def test_six_predictions_match_the_hand_worked_ece():
    assert expected_calibration_error(SIX_PROBABILITIES, SIX_LABELS) == pytest.approx(1.37 / 6)
    bins = reliability_bins(SIX_PROBABILITIES, SIX_LABELS)
    assert list(bins.columns) == list(calibration.BIN_COLUMNS) and len(bins) == 15
    assert bins["count"].tolist() == [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 2, 1]
    assert bins["correct"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1]
    assert bins.loc[13, ["confidence", "accuracy", "gap"]].tolist() == pytest.approx([0.91, 0.5, 0.41])
    assert bins.loc[8, ["confidence", "accuracy", "gap"]].tolist() == pytest.approx([0.575, 0.5, 0.075])
    assert bins.loc[5, ["lower", "upper"]].tolist() == pytest.approx([5 / 15, 6 / 15])
    assert bins.loc[0, ["confidence", "accuracy", "gap"]].isna().all()  # an empty bin: no figures


def test_matches_an_independent_loop_on_random_predictions():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2000, 10)) * 3
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = rng.integers(0, 10, 2000)
    for num_bins in (1, 10, 15):
        assert expected_calibration_error(probabilities, labels, num_bins) == pytest.approx(
            reference_ece(probabilities, labels, num_bins)
        )


def test_edges_belong_to_the_bin_they_close_and_one_goes_to_the_last():
    edges = np.array([1 / 15, 2 / 15, 14 / 15, 1.0, 0.0])
    assert calibration.bin_index(edges).tolist() == [0, 1, 13, 14, 0]  # 0 is counted in the first bin
    assert calibration.bin_index(np.nextafter(edges[:3], 1)).tolist() == [1, 2, 14]  # just above


def test_all_predictions_in_one_bin():
    probabilities = np.array([[0.95, 0.05]] * 3)
    labels = np.array([0, 0, 1])  # 2 of 3 right at 95% confidence
    bins = reliability_bins(probabilities, labels)
    assert bins["count"].tolist() == [0] * 14 + [3]
    assert expected_calibration_error(probabilities, labels) == pytest.approx(0.95 - 2 / 3)


def test_certain_and_always_right_is_perfectly_calibrated():
    probabilities = np.eye(10)[[3, 1, 4, 1, 5]]  # every confidence exactly 1.0
    assert expected_calibration_error(probabilities, np.array([3, 1, 4, 1, 5])) == 0.0
    assert expected_calibration_error(probabilities, np.array([0, 0, 0, 0, 0])) == 1.0  # always wrong


def test_float32_softmax_overshooting_one_is_accepted_and_clipped():
    probabilities = np.array([[1.0000001, 0.0], [0.5, 0.5]], dtype=np.float32)
    bins = reliability_bins(probabilities, np.array([0, 0]))
    assert bins["count"].iloc[-1] == 1 and bins["confidence"].iloc[-1] == 1.0


@pytest.mark.parametrize(
    ("probabilities", "labels", "num_bins", "message"),
    [
        (np.zeros((0, 10)), np.zeros(0, dtype=int), 15, "no predictions"),
        (np.array([0.5, 0.5]), np.array([0]), 15, "2-D array"),
        (np.array([[0.5, 0.5]]), np.array([0, 1]), 15, "one class per prediction"),
        (np.array([[0.5, 0.5]]), np.array([2]), 15, r"0\.\.1"),
        (np.array([[0.5, 0.5]]), np.array([0.0]), 15, "whole class numbers"),
        (np.array([[np.nan, 0.5]]), np.array([0]), 15, "between 0 and 1"),
        (np.array([[1.5, -0.5]]), np.array([0]), 15, "between 0 and 1"),
        (np.array([[0.5, 0.5]]), np.array([0]), 0, "at least 1"),
        (np.array([[0.5, 0.5]]), np.array([0]), 2.5, "whole number"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(probabilities, labels, num_bins, message):
    with pytest.raises(ValueError, match=message):
        expected_calibration_error(probabilities, labels, num_bins)


def test_summary_figures_and_the_bin_a_sentence_quotes():
    summary = Calibration.from_probabilities(SIX_PROBABILITIES, SIX_LABELS)
    assert summary.ece == pytest.approx(1.37 / 6)
    assert summary.mean_confidence == pytest.approx((0.9 + 0.92 + 0.6 + 0.55 + 1.0 + 0.4) / 6)
    assert summary.accuracy == pytest.approx(3 / 6)
    assert summary.over_confidence == pytest.approx(summary.mean_confidence - 0.5)
    assert summary.example_bin(0.9).name == 13  # the bin holding 90%
    assert summary.example_bin(0.75)["count"] == 2  # empty there: the fullest bin instead


def test_reliability_figure_draws_bars_gaps_diagonal_and_the_ece():
    summary = Calibration.from_probabilities(SIX_PROBABILITIES, SIX_LABELS)
    figure = calibration_plots.plot_reliability_diagram(summary)
    traces = {trace.name: trace for trace in figure.data}
    assert list(traces["Accuracy"].y) == pytest.approx([0.0, 0.5, 0.5, 1.0])  # the 4 filled bins
    over = traces["Over-confident gap"]
    assert list(over.base) == pytest.approx([0.0, 0.5, 0.5]) and list(over.y) == pytest.approx(
        [0.4, 0.075, 0.41]
    )
    assert list(traces["Perfect calibration"].x) == [0, 1]
    assert "ECE 22.8%" in figure.layout.title.text
    assert (
        "2 images" in traces["Accuracy"].hovertext[2] and "accuracy 50.0%" in traces["Accuracy"].hovertext[2]
    )


def test_histogram_splits_right_and_wrong_per_bin_and_can_use_a_log_axis():
    summary = Calibration.from_probabilities(SIX_PROBABILITIES, SIX_LABELS)
    figure = calibration_plots.plot_confidence_histogram(summary, log_y=True)
    right, wrong = figure.data
    assert sum(right.y) == 3 and sum(wrong.y) == 3
    assert right.name.startswith("Right") and wrong.name.startswith("Wrong")
    assert figure.layout.yaxis.type == "log"


def test_comparison_figure_has_one_line_per_run_with_its_ece():
    summary = Calibration.from_probabilities(SIX_PROBABILITIES, SIX_LABELS)
    perfect = Calibration.from_probabilities(np.eye(3), np.arange(3))
    figure = calibration_plots.plot_reliability_comparison([("mlp", summary), ("cnn", perfect)])
    names = [trace.name for trace in figure.data]
    assert names == ["Perfect calibration", "mlp · ECE 22.8%", "cnn · ECE 0.0%"]
    assert list(figure.data[1].x) == pytest.approx([0.4, 0.575, 0.91, 1.0])


# ---------------------------------------------------------------- the command line


def run_ids(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def test_evaluate_json_reports_accuracy_per_class_metrics_and_the_ece(seeded_artifacts, capsys):
    for model, run_id in run_ids(seeded_artifacts).items():
        assert cli.main(["evaluate", run_id, "--json", "--artifacts", str(seeded_artifacts)]) == 0
        report = json.loads(capsys.readouterr().out)
        predictions = evaluation.load_predictions(seeded_artifacts / "runs" / run_id)
        assert report["run"] == run_id and report["model"] == model
        assert report["ece"] == expected_calibration_error(predictions.probabilities, predictions.labels)
        assert report["accuracy"] == evaluation.accuracy(predictions.probabilities, predictions.labels)
        assert list(report["per_class"]) == list(CLASS_NAMES)
        table = evaluation.per_class_metrics(predictions.predicted, predictions.labels)
        for name in CLASS_NAMES:
            assert report["per_class"][name] == pytest.approx(table.loc[name].to_dict())
            assert isinstance(report["per_class"][name]["support"], int)
        assert sum(row["support"] for row in report["per_class"].values()) == len(predictions.labels)


def test_evaluate_text_keeps_its_lines_and_adds_the_ece(seeded_artifacts, capsys):
    run_id = run_ids(seeded_artifacts)["cnn"]
    assert cli.main(["evaluate", run_id, "--artifacts", str(seeded_artifacts)]) == 0
    lines = capsys.readouterr().out.splitlines()
    predictions = evaluation.load_predictions(seeded_artifacts / "runs" / run_id)
    assert lines[0].startswith("accuracy ") and lines[1] == (
        f"ece {expected_calibration_error(predictions.probabilities, predictions.labels):.4f}"
    )
    assert "precision" in lines[2] and any(line.startswith("Shirt") for line in lines)


def test_evaluate_json_of_an_unknown_run_says_so_and_prints_no_json(seeded_artifacts, capsys):
    assert cli.main(["evaluate", "no-such-run", "--json", "--artifacts", str(seeded_artifacts)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "error:" in captured.err and "no-such-run" in captured.err
