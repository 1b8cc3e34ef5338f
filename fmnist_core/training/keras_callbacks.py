"""The Keras callbacks of a run: progress and epochs into the run folder, Stop, the learning-rate
plateau, early stopping and TensorBoard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
import numpy as np

from fmnist_core.runs import runs
from fmnist_core.training.config import TrainingConfig, TrainingData
from fmnist_core.training.reporting import EpochLogger, ProgressWriter, loss_diverged

PLATEAU_FACTOR = 0.5  # ReduceLROnPlateau multiplies the learning rate by this on a plateau
MIN_LEARNING_RATE = 1e-6


def predict(model: keras.Model, x: np.ndarray) -> np.ndarray:
    return model.predict(x, batch_size=1024, verbose=0)


def steps_per_epoch(split: TrainingData, config: TrainingConfig) -> int:
    return -(-len(split.y_train) // config.batch_size)


class RunReporter(keras.callbacks.Callback):
    """Reports progress and epochs into the run folder and honours the stop file.

    Validation runs here, not in ``fit``, so that one forward pass over the validation images gives
    val_loss, val_accuracy, per-class accuracy and the predicted labels for the confusion-over-time
    view. It must come first in the callback list: it adds val_* to the logs the others read.
    With ``steps_per_execution`` N, Keras calls ``on_train_batch_end`` once per N batches.
    """

    def __init__(
        self,
        folder: Path,
        config: TrainingConfig,
        x_val: np.ndarray,
        y_val: np.ndarray,
        predictor: keras.Model,
    ) -> None:
        super().__init__()
        self.folder, self.x_val, self.predictor = folder, x_val, predictor
        self.logger = EpochLogger(folder, y_val)
        self.progress = ProgressWriter(folder, config.epochs)
        self.batches = 0
        self.epoch = 0
        self.best_loss, self.best_weights = float("inf"), None
        self.stopped_by_user = False

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        self.progress.update(
            self.epoch, batch + 1, self.batches, float(logs.get("loss", 0)), float(logs.get("accuracy", 0))
        )
        if runs.stop_requested(self.folder):
            self.stopped_by_user = self.model.stop_training = True
        if loss_diverged(float(logs.get("loss", 0))):
            self.model.stop_training = True  # the worker fails the run with a hint

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs if logs is not None else {}
        val_probabilities = predict(self.predictor, self.x_val) if len(self.x_val) else None
        rate = float(self.model.optimizer.learning_rate)
        line = self.logger.log(
            epoch + 1, float(logs["loss"]), float(logs["accuracy"]), val_probabilities, rate
        )
        logs.update({key: line[key] for key in ("val_loss", "val_accuracy") if key in line})
        if line.get("val_loss", float("inf")) < self.best_loss:
            self.best_loss, self.best_weights = line["val_loss"], self.model.get_weights()
        self.progress.update(
            self.epoch, self.batches, self.batches, line["loss"], line["accuracy"], force=True
        )

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_by_user and self.best_weights is not None:
            self.model.set_weights(self.best_weights)  # a stopped run keeps its best epoch


class EpochTensorBoard(keras.callbacks.TensorBoard):
    """Keras's TensorBoard callback without its per-batch summary calls.

    With ``update_freq="epoch"`` no summary writer is active between epochs, so those calls write
    nothing, yet each costs about a millisecond: 1-2% of an MLP epoch.
    """

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        return None


def build_callbacks(
    folder: Path, config: TrainingConfig, split: TrainingData, x_val: np.ndarray, model: keras.Model
) -> list[Any]:
    """The run's callbacks; ``model`` is the model that predicts probabilities (what is saved)."""
    reporter = RunReporter(folder, config, x_val, split.y_val, model)
    reporter.batches = steps_per_epoch(split, config)
    callbacks: list[Any] = [reporter]
    monitor = "val_loss" if len(split.y_val) else "loss"
    if config.plateau_patience:
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor,
                factor=PLATEAU_FACTOR,
                patience=config.plateau_patience,
                min_lr=MIN_LEARNING_RATE,
            )
        )
    if config.patience:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=config.patience, restore_best_weights=True
            )
        )
    callbacks.append(EpochTensorBoard(log_dir=str(folder / "tensorboard"), write_graph=False))
    return callbacks
