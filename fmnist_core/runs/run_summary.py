"""Facts about a run that pages show and that follow from its record and history: the images it
really trained on, which epoch's weights it kept, and how long it has left."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.runs import runs


def trained_images(config: dict[str, Any]) -> int:
    """Images the model learned from: the chosen training images minus the validation hold-out."""
    count = config.get("train_samples") or NUM_TRAIN_IMAGES
    return count - int(count * (config.get("validation_split") or 0.0))


def best_val_accuracy(history: list[dict[str, Any]]) -> float | None:
    """The highest validation accuracy of a run's epochs, or None without any."""
    values = [line["val_accuracy"] for line in history if line.get("val_accuracy") is not None]
    return max(values) if values else None


def kept_epoch(record: runs.RunRecord, history: Sequence[dict[str, Any]]) -> int | None:
    """The epoch whose weights the saved model has.

    A Keras run that was stopped, or that used early stopping, keeps the epoch with the lowest
    validation loss (training loss without a validation split, for early stopping); every other run
    keeps its last epoch.
    """
    if not history:
        return None
    config = record.config
    keras_restores = record.model not in ("logreg", "sgd", runs.IMPORTED_MODEL) and (
        record.status == "stopped" or config.get("patience")
    )
    if keras_restores:
        monitor = "val_loss" if any("val_loss" in line for line in history) else "loss"
        if monitor == "val_loss" or config.get("patience"):
            return min(history, key=lambda line: line.get(monitor, float("inf")))["epoch"]
    return history[-1]["epoch"]


def elapsed_seconds(record: runs.RunRecord, now: float | None = None) -> float | None:
    """Seconds since the run started training (to its end for a run that ended)."""
    started = runs.parse_iso(record.started_at)
    if started is None:
        return None
    end = runs.parse_iso(record.finished_at) or (time.time() if now is None else now)
    return max(end - started, 0.0)


def seconds_left(
    record: runs.RunRecord, history: Sequence[dict[str, Any]], progress: dict[str, Any]
) -> float | None:
    """Estimated seconds until the planned epochs are done, from the mean time of the epochs done.

    None before the first epoch ends (the first epoch also pays for loading and compiling, so an
    estimate from its first batches would mislead).
    """
    planned = record.config.get("epochs")
    if not history or not planned:
        return None
    per_epoch = sum(line.get("seconds", 0.0) for line in history) / len(history)
    batches = progress.get("batches") or 0
    within = (
        progress.get("batch", 0) / batches if batches and progress.get("epoch") == len(history) + 1 else 0
    )
    return max(planned - len(history) - min(within, 1.0), 0.0) * per_epoch
