"""TrainingConfig, the training worker, and the launcher that runs it as a separate process.

``run_worker`` is what both ``python -m fmnist_core train`` (foreground) and the app (through
``launch_training``, a separate OS process) execute. It writes everything into the run folder.
"""

from __future__ import annotations

import contextlib
import errno
import io
import math
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core import data as data_module
from fmnist_core import evaluation, runs
from fmnist_core.models import check_hyperparameter, get_model_spec

HEARTBEAT_INTERVAL_S = 5.0
DIVERGED_LOSS = 100.0  # mean cross-entropy; a uniform guess scores 2.3


class TrainingFailed(RuntimeError):
    """A run failed for a reason the user can act on; the message says how."""


@dataclass(frozen=True)
class TrainingConfig:
    """Every setting of a run; stored in ``run.json`` so a run can be re-created from it.

    Hyperparameters that the model does not accept are ``None``.
    """

    model: str
    epochs: int | None = None
    batch_size: int | None = None
    dropout: float | None = None
    learning_rate: float | None = None
    validation_split: float | None = None
    seed: int = 0
    patience: int = 0  # early stopping on validation loss; 0 switches it off
    train_samples: int | None = None  # use only the first N training images (quick runs, tests)

    @classmethod
    def for_model(cls, model: str, **overrides: Any) -> TrainingConfig:
        """The model's registry defaults with ``overrides`` applied and validated.

        Raises:
            ValueError: unknown model, a hyperparameter the model does not take, or out of range.
        """
        spec = get_model_spec(model)
        given = {key: value for key, value in overrides.items() if value is not None}
        for key in given:
            if key not in spec.defaults and key not in ("seed", "patience", "train_samples"):
                accepted = ", ".join(spec.hyperparameters)
                raise ValueError(f"{model} does not take {key}; it accepts: {accepted}.")
        values = {**spec.defaults, **given}
        config = cls(model=model, **values)
        config.validate()
        return config

    def validate(self) -> None:
        spec = get_model_spec(self.model)
        for key in spec.defaults:
            check_hyperparameter(key, getattr(self, key))
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**31:
            raise ValueError(f"seed must be a whole number between 0 and {2**31 - 1}, got {self.seed!r}.")
        if not isinstance(self.patience, int) or not 0 <= self.patience <= 100:
            raise ValueError(f"patience must be a whole number between 0 and 100, got {self.patience!r}.")
        if self.train_samples is not None and not 100 <= self.train_samples <= 60_000:
            raise ValueError(f"train_samples must be between 100 and 60000, got {self.train_samples!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainingConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


# ---------------------------------------------------------------- the worker


class Heartbeat:
    """Writes ``heartbeat_at`` every few seconds from a daemon thread while the run is alive."""

    def __init__(self, folder: Path, interval_s: float = HEARTBEAT_INTERVAL_S) -> None:
        self.folder, self.interval_s = folder, interval_s
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.beat, daemon=True)

    def beat(self) -> None:
        while not self.done.wait(self.interval_s):
            with contextlib.suppress(OSError, ValueError):
                runs.update_run(self.folder, heartbeat_at=runs.now_iso())

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


class EpochLogger:
    """Turns one finished epoch into a ``history.jsonl`` line plus validation predictions."""

    def __init__(self, folder: Path, val_labels: np.ndarray) -> None:
        self.folder, self.val_labels = folder, val_labels
        self.val_predicted: list[np.ndarray] = []
        self.started = time.perf_counter()

    def log(
        self, epoch: int, loss: float, acc: float, val_probabilities: np.ndarray | None
    ) -> dict[str, Any]:
        """Records epoch ``epoch`` (1-based); returns the line, including val_loss/val_accuracy."""
        now = time.perf_counter()
        line: dict[str, Any] = {"epoch": epoch, "loss": loss, "accuracy": acc, "seconds": now - self.started}
        self.started = now
        if val_probabilities is not None and len(self.val_labels):
            predicted = val_probabilities.argmax(axis=1)
            line["val_loss"] = evaluation.cross_entropy(val_probabilities, self.val_labels)
            line["val_accuracy"] = evaluation.accuracy(val_probabilities, self.val_labels)
            line["val_class_accuracy"] = evaluation.per_class_accuracy(predicted, self.val_labels)
            self.val_predicted.append(predicted.astype(np.uint8))
            self.save_val_predictions()
        runs.append_history(self.folder, line)
        return line

    def save_val_predictions(self) -> None:
        """Per-epoch predicted validation labels, for the confusion-over-time view."""

        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, labels=self.val_labels.astype(np.uint8), predicted=np.stack(self.val_predicted)
        )
        runs.atomic_write_bytes(self.folder / "val_predictions.npz", buffer.getvalue())


class ProgressWriter:
    """Writes ``progress.json`` at most every ``interval_s`` seconds (cheap enough for every batch)."""

    def __init__(self, folder: Path, epochs: int, interval_s: float = 0.5) -> None:
        self.folder, self.epochs, self.interval_s = folder, epochs, interval_s
        self.last = 0.0

    def update(
        self, epoch: int, batch: int, batches: int, loss: float, acc: float, force: bool = False
    ) -> None:
        now = time.monotonic()
        if force or now - self.last >= self.interval_s:
            self.last = now
            progress = {"epoch": epoch, "epochs": self.epochs, "batch": batch, "batches": batches}
            runs.write_progress(
                self.folder, {**progress, "loss": loss, "accuracy": acc, "updated_at": runs.now_iso()}
            )


@dataclass
class TrainingData:
    """Training and validation split (uint8 images) plus the test set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def split_data(dataset: data_module.FashionMNIST, config: TrainingConfig) -> TrainingData:
    """Holds out the last ``validation_split`` of the (optionally truncated) training set, as Keras does."""
    count = config.train_samples or len(dataset.y_train)
    x, y = dataset.x_train[:count], dataset.y_train[:count]
    num_val = int(count * (config.validation_split or 0.0))
    cut = count - num_val
    return TrainingData(x[:cut], y[:cut], x[cut:], y[cut:], dataset.x_test, dataset.y_test)


def loss_diverged(loss: float) -> bool:
    """Whether a training loss means divergence: NaN/inf, or far above chance level (ln 10 = 2.3).

    Keras fuses a final softmax into the cross-entropy, so a too-high learning rate often shows as
    an exploding but finite loss rather than NaN.
    """
    return not math.isfinite(loss) or loss > DIVERGED_LOSS


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


def library_versions(family: str) -> dict[str, str]:
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    if family == "keras":
        import keras
        import tensorflow as tf

        versions |= {"keras": keras.__version__, "tensorflow": tf.__version__}
    else:
        import sklearn

        versions["scikit-learn"] = sklearn.__version__
    return versions


def run_worker(folder: Path) -> dict[str, Any]:
    """Trains the run in ``folder`` to completion; returns its final ``run.json`` record.

    Never raises for a training problem: failures end as status ``failed`` with a readable error.
    """
    folder = Path(folder)
    config = TrainingConfig.from_dict(runs.read_run(folder)["config"])
    if runs.stop_requested(folder):  # stopped while still queued: nothing to train or save
        return runs.update_run(
            folder, status="stopped", error="Stopped before it started.", finished_at=runs.now_iso()
        )
    runs.update_run(
        folder, status="running", pid=os.getpid(), started_at=runs.now_iso(), heartbeat_at=runs.now_iso()
    )
    with Heartbeat(folder):
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
    """Trains, saves the model file atomically and returns the test-set probabilities."""
    family = get_model_spec(config.model).family
    split = split_data(data_module.load_fashion_mnist(), config)
    runs.update_run(folder, versions=library_versions(family), dataset=data_module.dataset_fingerprint())
    evaluation.sklearn_metrics()  # imported now, so the first epoch's report does not pay for it
    if family == "keras":
        from fmnist_core import keras_trainer as trainer
    else:
        from fmnist_core import sklearn_trainer as trainer  # type: ignore[no-redef]
    probabilities, num_params = trainer.train(folder, config, split)
    check_divergence(runs.read_history(folder), config)
    runs.update_run(folder, params=num_params)
    return probabilities


def finish_run(folder: Path, config: TrainingConfig, probabilities: np.ndarray) -> dict[str, Any]:
    """Stores test predictions and metrics, then the final status."""
    labels = data_module.load_fashion_mnist().y_test
    if not np.isfinite(probabilities).all():
        raise TrainingFailed(
            f"The model predicts NaN: training diverged. Lower the learning rate ({config.learning_rate})."
        )
    runs.atomic_write_bytes(folder / "predictions.npz", evaluation.predictions_bytes(probabilities, labels))
    test = {
        "accuracy": evaluation.accuracy(probabilities, labels),
        "loss": evaluation.cross_entropy(probabilities, labels),
    }
    status = "stopped" if runs.stop_requested(folder) else "finished"
    return runs.update_run(folder, status=status, test=test, finished_at=runs.now_iso())
