"""Suspicious-label ranking: a hand-worked ensemble, mismatched runs, a deliberately flipped label
in the real seeded runs, the accuracy without marked images, and the ``suspicious`` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fmnist_core import __main__ as cli
from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import evaluation, label_marks, label_review
from fmnist_core.evaluation.evaluation import Predictions


def probabilities(*rows: dict[int, float]) -> np.ndarray:
    """(len(rows), 10) probabilities from {class: probability} rows."""
    table = np.zeros((len(rows), 10))
    for row, values in enumerate(rows):
        for k, p in values.items():
            table[row, k] = p
    return table


# Four images, labels 0-3; binary fractions so that the means are exact (a tie stays a tie).
LABELS = np.array([0, 1, 2, 3])
RUN_A = probabilities({0: 0.75, 1: 0.25}, {1: 0.25, 2: 0.75}, {2: 0.125, 3: 0.875}, {5: 1.0})
RUN_B = probabilities({0: 0.75, 1: 0.25}, {1: 0.5, 2: 0.5}, {2: 0.625, 3: 0.375}, {3: 0.25, 5: 0.75})


@pytest.fixture
def hand_worked() -> label_review.Ensemble:
    return label_review.combine({"a": Predictions(RUN_A, LABELS), "b": Predictions(RUN_B, LABELS)})


def test_a_hand_worked_ensemble(hand_worked):
    # Means of the given labels: image 0 (0.75+0.75)/2, image 1 (0.25+0.5)/2, image 2 (0.125+0.625)/2,
    # image 3 (0+0.25)/2.
    assert hand_worked.label_probability.tolist() == [0.75, 0.375, 0.375, 0.125]
    assert hand_worked.consensus.tolist() == [0, 2, 3, 5]
    # Image 1: A says 2, B's 0.5/0.5 tie goes to class 1; image 2: A says 3, B says 2.
    assert hand_worked.runs_agreeing.tolist() == [2, 1, 1, 2]
    assert hand_worked.margin.tolist() == [0.25 - 0.75, 0.625 - 0.375, 0.625 - 0.375, 0.875 - 0.125]
    # Lowest first; images 1 and 2 tie at 0.375 and keep index order.
    assert label_review.rank_suspicious(hand_worked).tolist() == [3, 1, 2, 0]
    assert hand_worked.run_ids == ("a", "b") and hand_worked.skipped == ()


def test_rows_give_labels_as_ints_and_names(hand_worked):
    rows = label_review.suspicious_rows(hand_worked, label_review.rank_suspicious(hand_worked)[:2])
    assert rows == [
        {"index": 3, "label": 3, "label_name": CLASS_NAMES[3], "consensus": 5,
         "consensus_name": CLASS_NAMES[5], "label_probability": 0.125, "runs_agreeing": 2},
        {"index": 1, "label": 1, "label_name": CLASS_NAMES[1], "consensus": 2,
         "consensus_name": CLASS_NAMES[2], "label_probability": 0.375, "runs_agreeing": 1},
    ]  # fmt: skip


def test_runs_over_other_labels_are_left_out_and_said_why():
    other = LABELS[::-1].copy()
    ensemble = label_review.combine(
        {
            "odd": Predictions(RUN_A, other),
            "a": Predictions(RUN_A, LABELS),
            "b": Predictions(RUN_B, LABELS),
        }
    )
    assert ensemble.run_ids == ("a", "b")  # the majority's labels
    ((run_id, why),) = ensemble.skipped
    assert run_id == "odd" and "test labels differ" in why
    tie = label_review.combine({"a": Predictions(RUN_A, LABELS), "odd": Predictions(RUN_B, other)})
    assert tie.run_ids == ("a",) and tie.skipped[0][0] == "odd"  # on a tie the first run wins
    shorter = label_review.combine({"a": Predictions(RUN_A, LABELS), "s": Predictions(RUN_A[:2], LABELS[:2])})
    assert shorter.run_ids == ("a",) and shorter.skipped[0][0] == "s"
    with pytest.raises(ValueError, match="No run to combine"):
        label_review.combine({})


def test_accuracy_without_marked_images():
    predictions = Predictions(RUN_A, LABELS)  # predicts 0, 2, 3, 5: right on image 0 only
    assert label_review.accuracy_without(predictions, []) == (0.25, 0)
    assert label_review.accuracy_without(predictions, [1, 3]) == (0.5, 2)
    assert label_review.accuracy_without(predictions, [1, 1, 3, 99, -1]) == (0.5, 2)  # outside: ignored
    with pytest.raises(ValueError, match="Every test image is excluded"):
        label_review.accuracy_without(predictions, [0, 1, 2, 3])


def test_marks_table_is_the_csv_export(hand_worked):
    marks = {
        3: label_marks.Mark("looks_wrong", "2026-12-01T10:00:00+00:00"),
        0: label_marks.Mark("fine", "2026-12-01T10:01:00+00:00"),
        50: label_marks.Mark("fine", "2026-12-01T10:02:00+00:00"),  # beyond this tiny test set
    }
    table = label_review.marks_table(hand_worked, marks)
    assert list(table.columns) == [
        "index",
        "given_label",
        "consensus",
        "label_probability",
        "mark",
        "marked_at",
    ]
    assert table["index"].tolist() == [0, 3, 50]
    assert table.iloc[1].tolist() == [
        3,
        CLASS_NAMES[3],
        CLASS_NAMES[5],
        0.125,
        "looks_wrong",
        marks[3].marked_at,
    ]
    assert table.iloc[2]["given_label"] == "" and np.isnan(table.iloc[2]["label_probability"])
    assert label_review.marks_table(None, {}).empty


# ---------------------------------------------------------------- real seeded runs


def run_folders(root: Path) -> list[Path]:
    return sorted(path.parent for path in (root / "runs").glob("*/run.json"))


def test_a_flipped_label_ranks_in_the_top_percent(seeded_artifacts):
    folders = run_folders(seeded_artifacts)
    loaded = [evaluation.load_predictions(folder) for folder in folders]
    labels = loaded[0].labels
    assert len(folders) == 2 and len(labels) == 10_000
    # An image both runs classify correctly, the one they are surest of.
    given = np.stack([p.probabilities[np.arange(len(labels)), labels] for p in loaded])
    both_right = np.all([p.predicted == labels for p in loaded], axis=0)
    image = int(np.argmax(np.where(both_right, given.min(axis=0), -1)))
    mean = np.mean([p.probabilities[image] for p in loaded], axis=0)
    flipped = int(np.argmin(mean))
    assert flipped != labels[image]
    assert (
        label_review.rank_suspicious(label_review.load_ensemble([f.name for f in folders]))
        .tolist()
        .index(image)
        > 100
    )  # before the flip it is among the least suspicious

    for folder, prediction in zip(folders, loaded, strict=True):
        new_labels = prediction.labels.copy()
        new_labels[image] = flipped
        (folder / "predictions.npz").write_bytes(
            evaluation.predictions_bytes(prediction.probabilities, new_labels)
        )
    ensemble = label_review.load_ensemble([folder.name for folder in folders])
    assert ensemble.num_runs == 2 and ensemble.labels[image] == flipped
    rank = label_review.rank_suspicious(ensemble).tolist().index(image)
    assert rank < 0.01 * len(labels), f"the flipped image ranks {rank}"


def test_unreadable_predictions_are_skipped_with_the_reason(seeded_artifacts):
    first, second = run_folders(seeded_artifacts)
    (second / "predictions.npz").write_bytes(b"not an npz")
    ensemble = label_review.load_ensemble([first.name, second.name], seeded_artifacts)
    assert ensemble.run_ids == (first.name,)
    ((run_id, why),) = ensemble.skipped
    assert run_id == second.name and "cannot be read" in why
    (first / "predictions.npz").unlink()
    with pytest.raises(ValueError, match="No finished run with readable predictions"):
        label_review.load_ensemble([first.name, second.name], seeded_artifacts)


def test_the_suspicious_command_prints_json_and_a_table(seeded_artifacts, capsys):
    folders = run_folders(seeded_artifacts)
    expected = label_review.load_ensemble([folder.name for folder in folders])
    ranked = label_review.rank_suspicious(expected)

    assert cli.main(["suspicious", "--top", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["index"] for row in rows] == ranked[:5].tolist()
    assert rows[0]["label"] == expected.labels[ranked[0]] and rows[0]["label_name"] in CLASS_NAMES
    assert rows[0]["label_probability"] == pytest.approx(expected.label_probability[ranked[0]], abs=1e-6)
    assert [row["label_probability"] for row in rows] == sorted(row["label_probability"] for row in rows)

    assert cli.main(["suspicious"]) == 0  # default: 20, a table
    lines = capsys.readouterr().out.splitlines()
    assert "suspicious, not proven wrong" in lines[0] and "2 run(s)" in lines[0]
    assert len(lines) == 2 + 20 and lines[2].split()[0] == str(ranked[0])


def test_the_suspicious_command_explains_what_is_missing(artifacts, capsys):
    assert cli.main(["suspicious"]) == 2
    assert "no finished runs" in capsys.readouterr().err
    assert cli.main(["suspicious", "--top", "0"]) == 2
    assert "--top must be at least 1" in capsys.readouterr().err
