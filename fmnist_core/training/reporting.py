"""What a training run reports into its folder while it trains, whatever its back end.

``heartbeat`` tells the app the worker is alive, ``EpochLogger`` writes one history line (and the
validation predictions) per epoch, ``ProgressWriter`` the position within the epoch, and
``loss_diverged`` says when a loss means the run has failed.
"""

from __future__ import annotations

import contextlib
import io
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core import atomic_files
from fmnist_core.evaluation import evaluation
from fmnist_core.runs import runs

HEARTBEAT_INTERVAL_S = 5.0
DIVERGED_LOSS = 100.0  # mean cross-entropy; a uniform guess scores 2.3


@contextlib.contextmanager
def every(interval_s: float, action: Callable[[], None], name: str | None = None) -> Iterator[None]:
    """Calls ``action`` every ``interval_s`` seconds from a daemon thread while the block runs."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(interval_s):
            action()

    thread = threading.Thread(target=loop, daemon=True, name=name)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def heartbeat(folder: Path, interval_s: float = HEARTBEAT_INTERVAL_S) -> contextlib.AbstractContextManager:
    """Writes ``heartbeat_at`` every few seconds while the run is alive."""

    def beat() -> None:
        with contextlib.suppress(OSError, ValueError):
            runs.update_run(folder, heartbeat_at=runs.now_iso())

    return every(interval_s, beat, name="heartbeat")


class EpochLogger:
    """Turns one finished epoch into a ``history.jsonl`` line plus validation predictions."""

    def __init__(self, folder: Path, val_labels: np.ndarray) -> None:
        self.folder, self.val_labels = folder, val_labels
        self.val_predicted: list[np.ndarray] = []
        self.started = time.perf_counter()

    def log(
        self,
        epoch: int,
        loss: float,
        acc: float,
        val_probabilities: np.ndarray | None,
        learning_rate: float | None = None,
    ) -> dict[str, Any]:
        """Records epoch ``epoch`` (1-based); returns the line, including val_loss/val_accuracy
        and the learning rate the epoch ended with, when given."""
        now = time.perf_counter()
        line: dict[str, Any] = {"epoch": epoch, "loss": loss, "accuracy": acc, "seconds": now - self.started}
        if learning_rate is not None:
            line["learning_rate"] = learning_rate
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
        atomic_files.atomic_write_bytes(self.folder / "val_predictions.npz", buffer.getvalue())


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


def loss_diverged(loss: float) -> bool:
    """Whether a training loss means divergence: NaN/inf, or far above chance level (ln 10 = 2.3).

    Keras fuses a final softmax into the cross-entropy, so a too-high learning rate often shows as
    an exploding but finite loss rather than NaN.
    """
    return not math.isfinite(loss) or loss > DIVERGED_LOSS
