"""Facts derived from a run's record and history: images trained on, kept epoch, time left."""

from __future__ import annotations

import pytest

from fmnist_core.runs import run_summary
from fmnist_core.runs.runs import RunRecord

HISTORY = [
    {"epoch": 1, "loss": 0.9, "val_loss": 0.50, "seconds": 10.0},
    {"epoch": 2, "loss": 0.7, "val_loss": 0.40, "seconds": 12.0},
    {"epoch": 3, "loss": 0.5, "val_loss": 0.45, "seconds": 14.0},
]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"validation_split": 0.1}, 54_000),
        ({"train_samples": 600, "validation_split": 0.2}, 480),
        ({"train_samples": 1000, "validation_split": None}, 1000),
    ],
)
def test_trained_images_leave_out_the_validation_hold_out(config, expected) -> None:
    assert run_summary.trained_images(config) == expected


@pytest.mark.parametrize(
    ("model", "status", "patience", "history", "expected"),
    [
        ("mlp", "stopped", 0, HISTORY, 2),  # a stopped Keras run keeps its lowest validation loss
        ("mlp", "finished", 2, HISTORY, 2),  # early stopping restores the best weights
        ("mlp", "finished", 0, HISTORY, 3),  # otherwise the last epoch
        ("sgd", "stopped", 0, HISTORY, 3),  # scikit-learn runs keep their last epoch
        ("mlp", "stopped", 0, [{k: v for k, v in line.items() if k != "val_loss"} for line in HISTORY], 3),
        ("mlp", "stopped", 0, [], None),
    ],
)
def test_kept_epoch(model, status, patience, history, expected) -> None:
    record = RunRecord(
        id="20260101-000000-mlp-abcdef", model=model, status=status, config={"patience": patience}
    )
    assert run_summary.kept_epoch(record, history) == expected


def test_seconds_left_from_the_mean_epoch_time() -> None:
    record = RunRecord(id="20260101-000000-mlp-abcdef", model="mlp", status="running", config={"epochs": 5})
    progress = {"epoch": 4, "batch": 50, "batches": 100}
    assert run_summary.seconds_left(record, HISTORY, progress) == pytest.approx(1.5 * 12.0)
    assert run_summary.seconds_left(record, [], progress) is None  # no estimate before an epoch ends


def test_elapsed_seconds() -> None:
    record = RunRecord(
        id="20260101-000000-mlp-abcdef", model="mlp", status="finished",
        started_at="2026-01-01T00:00:00+00:00", finished_at="2026-01-01T00:01:05+00:00",
    )  # fmt: skip
    assert run_summary.elapsed_seconds(record) == 65.0
    assert run_summary.elapsed_seconds(RunRecord(id=record.id, model="mlp", status="queued")) is None
