"""Training as every page sees it: which run trains now, starting one (one at a time), how often
pages poll it and its progress bar's words."""

from __future__ import annotations

import math
from typing import Any

from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig, launch_training
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import t

POLL_S = 1.0


def current_run(records: list[RunRecord]) -> RunRecord | None:
    """The run that trains now: the running one, else the oldest queued one (queues run in order)."""
    running = [record for record in records if record.status == "running"]
    if running:
        return running[0]
    queued = [record for record in records if record.status == "queued"]
    return min(queued, key=lambda record: record.created_at or "") if queued else None


def start_training(config: TrainingConfig) -> str:
    """Starts a worker process for ``config``; returns the new run id.

    Raises:
        TrainingBusyError: a run is already training (only one trains at a time).
    """
    active = current_run(loaders.list_runs())
    if active:
        raise TrainingBusyError("error.run.busy_run", run=active.id, model=active.model)
    return launch_training(config)  # the training lock also refuses a race between two tabs


def progress_bar(progress: dict[str, Any]) -> tuple[float, str]:
    """(fraction of the current epoch, text) from ``progress.json``."""
    batches = progress.get("batches") or 0
    if not batches:
        return 0.0, t("train.starting")
    text = t(
        "train.progress",
        epoch=progress.get("epoch", 0),
        epochs=progress.get("epochs", "?"),
        batch=progress.get("batch", 0),
        batches=batches,
    )
    for name, key in (("loss", "train.progress_loss"), ("accuracy", "train.progress_accuracy")):
        value = progress.get(name)
        if isinstance(value, (int, float)) and math.isfinite(value):
            text += t(key, value=value)
    return min(progress.get("batch", 0) / batches, 1.0), text
