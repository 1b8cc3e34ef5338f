"""Keras training for the worker: compile, fit with progress/stop callbacks, save atomically."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fmnist_core import runs
from fmnist_core.models import create_model
from fmnist_core.training import EpochLogger, ProgressWriter, TrainingConfig, TrainingData, loss_diverged


class RunReporter(keras.callbacks.Callback):
    """Reports progress and epochs into the run folder and honours the stop file.

    Validation runs here, not in ``fit``, so that one forward pass over the validation images gives
    val_loss, val_accuracy, per-class accuracy and the predicted labels for the confusion-over-time
    view. It must come first in the callback list: it adds val_* to the logs the others read.
    """

    def __init__(self, folder: Path, config: TrainingConfig, x_val: np.ndarray, y_val: np.ndarray) -> None:
        super().__init__()
        self.folder, self.x_val = folder, x_val
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
        val_probabilities = (
            self.model.predict(self.x_val, batch_size=1024, verbose=0) if len(self.x_val) else None
        )
        line = self.logger.log(epoch + 1, float(logs["loss"]), float(logs["accuracy"]), val_probabilities)
        logs.update({key: line[key] for key in ("val_loss", "val_accuracy") if key in line})
        if line.get("val_loss", float("inf")) < self.best_loss:
            self.best_loss, self.best_weights = line["val_loss"], self.model.get_weights()
        self.progress.update(
            self.epoch, self.batches, self.batches, line["loss"], line["accuracy"], force=True
        )

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_by_user and self.best_weights is not None:
            self.model.set_weights(self.best_weights)  # a stopped run keeps its best epoch


def build_callbacks(
    folder: Path, config: TrainingConfig, split: TrainingData, x_val: np.ndarray
) -> list[Any]:
    reporter = RunReporter(folder, config, x_val, split.y_val)
    reporter.batches = -(-len(split.y_train) // config.batch_size)
    callbacks = [reporter]
    if config.patience:
        monitor = "val_loss" if len(split.y_val) else "loss"
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=config.patience, restore_best_weights=True
            )
        )
    callbacks.append(keras.callbacks.TensorBoard(log_dir=str(folder / "tensorboard"), write_graph=False))
    return callbacks


def to_model_input(images: np.ndarray, model: keras.Model) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 in [0, 1] with the rank the model expects."""
    x = images.astype(np.float32) / 255.0
    return x[..., None] if len(model.input_shape) == 4 else x


def save_model(model: keras.Model, path: Path) -> None:
    """Saves to a temp file, fsyncs it, then renames: no reader ever sees half a model."""
    tmp = path.parent / f".{path.stem}.{secrets.token_hex(4)}.tmp.keras"
    try:
        model.save(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def train(folder: Path, config: TrainingConfig, split: TrainingData) -> tuple[np.ndarray, int]:
    """Fits the model of ``config``; returns test probabilities and the parameter count."""
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    model = create_model(config.model, dropout=config.dropout)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x_val = to_model_input(split.x_val, model)
    callbacks = build_callbacks(folder, config, split, x_val)
    if not runs.stop_requested(folder):
        model.fit(
            to_model_input(split.x_train, model),
            split.y_train,
            batch_size=config.batch_size,
            epochs=config.epochs,
            shuffle=True,
            verbose=0,
            callbacks=callbacks,
        )
    save_model(model, folder / "model.keras")
    probabilities = model.predict(to_model_input(split.x_test, model), batch_size=1024, verbose=0)
    return probabilities, model.count_params()
