"""The training worker: trains the run in one folder from ``run.json`` to a final status.

The back end that fits the model is chosen by the registry's ``family`` and imported only then,
so TensorFlow loads only when a Keras run trains. A back end is a module with
``train(folder, config, split) -> (test probabilities, parameter count)``.
"""

from __future__ import annotations

import errno
import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core import atomic_files
from fmnist_core import data as data_module
from fmnist_core.evaluation import evaluation, run_fields
from fmnist_core.models.models import get_model_spec
from fmnist_core.runs import runs
from fmnist_core.training.config import TrainingConfig, TrainingData
from fmnist_core.training.reporting import heartbeat, loss_diverged

BACKENDS = {
    "keras": "fmnist_core.training.keras_backend",
    "sklearn": "fmnist_core.training.sklearn_backend",
}


class TrainingFailed(RuntimeError):
    """A run failed for a reason the user can act on; the message says how."""


def split_data(dataset: data_module.FashionMNIST, config: TrainingConfig) -> TrainingData:
    """Holds out the last ``validation_split`` of the (optionally truncated) training set, as Keras does."""
    count = config.train_samples or len(dataset.y_train)
    x, y = dataset.x_train[:count], dataset.y_train[:count]
    num_val = int(count * (config.validation_split or 0.0))
    cut = count - num_val
    return TrainingData(x[:cut], y[:cut], x[cut:], y[cut:], dataset.x_test, dataset.y_test)


def check_divergence(history: list[dict[str, Any]], config: TrainingConfig) -> None:
    """Raises TrainingFailed with a hint when the loss diverged."""
    for line in history:
        if loss_diverged(line.get("loss", 0.0)):
            raise TrainingFailed(
                f"The loss diverged ({line['loss']:.4g}) at epoch {line['epoch']}: the learning rate "
                f"{config.learning_rate} is too high for {config.model}. Lower it (e.g. 0.001) and train again."
            )


def describe_error(exc: BaseException) -> str:
    """One line for ``run.json``'s ``error`` that says what happened and what to do."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "The disk is full, so the model could not be saved. Free some space and train again."
    if isinstance(exc, (TrainingFailed, data_module.DatasetError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run_worker(folder: Path) -> runs.RunRecord:
    """Trains the run in ``folder`` to completion; returns its final ``run.json`` record.

    Never raises for a training problem: failures end as status ``failed`` with a readable error.
    """
    folder = Path(folder)
    config = TrainingConfig.from_dict(runs.read_run(folder).config)
    if runs.stop_requested(folder):  # stopped while still queued: nothing to train or save
        return runs.update_run(
            folder, status="stopped", error="Stopped before it started.", finished_at=runs.now_iso()
        )
    runs.update_run(
        folder, status="running", pid=os.getpid(), started_at=runs.now_iso(), heartbeat_at=runs.now_iso()
    )
    with heartbeat(folder):
        try:
            return finish_run(folder, config, train_model(folder, config))
        except BaseException as exc:  # noqa: BLE001 - every failure must end as a readable status
            runs.remove_temp_files(folder)
            record = runs.update_run(
                folder, status="failed", error=describe_error(exc), finished_at=runs.now_iso()
            )
            if not isinstance(exc, Exception):
                raise
            return record


def train_model(folder: Path, config: TrainingConfig) -> np.ndarray:
    """Trains with the model family's back end (which saves the model) and returns the test-set
    probabilities."""
    family = get_model_spec(config.model).family
    split = split_data(data_module.load_fashion_mnist(), config)
    runs.update_run(
        folder, versions=run_fields.library_versions(family), dataset=data_module.dataset_fingerprint()
    )
    evaluation.sklearn_metrics()  # imported now, so the first epoch's report does not pay for it
    backend = importlib.import_module(BACKENDS[family])
    probabilities, num_params = backend.train(folder, config, split)
    check_divergence(runs.read_history(folder), config)
    runs.update_run(folder, params=num_params)
    return probabilities


def finish_run(folder: Path, config: TrainingConfig, probabilities: np.ndarray) -> runs.RunRecord:
    """Stores test predictions and scores, then the final status."""
    labels = data_module.load_fashion_mnist().y_test
    if not np.isfinite(probabilities).all():
        raise TrainingFailed(
            f"The model predicts NaN: training diverged. Lower the learning rate ({config.learning_rate})."
        )
    atomic_files.atomic_write_bytes(
        folder / "predictions.npz", evaluation.predictions_bytes(probabilities, labels)
    )
    status = "stopped" if runs.stop_requested(folder) else "finished"
    test = run_fields.scores_on_test_set(probabilities, labels)
    return runs.update_run(folder, status=status, test=test, finished_at=runs.now_iso())
