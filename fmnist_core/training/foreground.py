"""Training a run in this process while its epochs are printed: what the ``train`` and ``recipe``
commands do (the app trains in a separate worker process instead)."""

from __future__ import annotations

import threading
from pathlib import Path

from fmnist_core.runs import runs


def epoch_line(line: dict) -> str:
    """One history line as the commands print it."""
    val = (
        f"  val_loss {line['val_loss']:.4f}  val_accuracy {line['val_accuracy']:.4f}"
        if line.get("val_loss") is not None and line.get("val_accuracy") is not None
        else ""
    )
    return (
        f"epoch {line['epoch']:>3}  loss {line['loss']:.4f}  accuracy {line['accuracy']:.4f}{val}"
        f"  ({line['seconds']:.1f} s)"
    )


def follow_history(folder: Path, done: threading.Event) -> None:
    """Prints each history line as the worker appends it, until ``done`` is set."""
    printed = 0
    while True:
        finished = done.is_set()
        history = runs.read_history(folder)
        for line in history[printed:]:
            print(epoch_line(line), flush=True)
        printed = len(history)
        if finished:
            return
        done.wait(0.2)


def train_in_foreground(folder: Path) -> runs.RunRecord:
    """Trains the queued run in ``folder`` here, printing its epochs; Ctrl-C asks it to stop (it
    keeps its best epoch) and is raised again. The caller holds the training lock."""
    from fmnist_core.training import run_worker

    done = threading.Event()
    printer = threading.Thread(target=follow_history, args=(folder, done))
    printer.start()
    try:
        return run_worker(folder)
    except KeyboardInterrupt:
        runs.request_stop(folder)
        raise
    finally:
        done.set()
        printer.join()
