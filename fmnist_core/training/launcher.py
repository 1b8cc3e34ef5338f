"""Starting training: the artifacts directory's training lock and the worker process.

Training never runs in the Streamlit script thread: ``launch_queue`` starts ``python -m
fmnist_core worker`` as a separate OS process that inherits the lock, and returns at once.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from fmnist_core.runs import runs
from fmnist_core.training.config import TrainingConfig
from fmnist_core.words import CodedError

MACHINE_LOCK_ENV = "FMNIST_MACHINE_LOCK_DIR"  # a local folder for this machine's training lock


class TrainingBusyError(CodedError, RuntimeError):
    """Another run is already training on this machine."""


def acquire_training_lock(root: str | os.PathLike | None = None, grace_s: float = 5.0) -> IO[bytes]:
    """Takes this machine's exclusive training lock (released when the holder exits): in
    ``$FMNIST_MACHINE_LOCK_DIR`` when set (machines that share one artifacts folder each set a local
    folder), else in the artifacts directory.

    Args:
        root: the artifacts root.
        grace_s: how long to retry while no run is active: a killed worker's pid is already a
            zombie while its last threads are still closing the lock.

    Raises:
        TrainingBusyError: another process holds it; the message names the run.
    """
    local = os.environ.get(MACHINE_LOCK_ENV)  # machines sharing one artifacts folder lock locally
    lock_dir = Path(local) if local else runs.runs_dir(root).parent
    lock_dir.mkdir(parents=True, exist_ok=True)
    handle = open(lock_dir / "training.lock", "a+b")  # noqa: SIM115 (held by caller)
    deadline = time.monotonic() + grace_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            active = runs.active_run(root)
            if active or time.monotonic() > deadline:
                handle.close()
                if active:
                    raise TrainingBusyError("error.run.busy_run", run=active.id, model=active.model) from None
                raise TrainingBusyError("error.run.busy_other") from None
            time.sleep(0.1)


def launch_training(config: TrainingConfig, root: str | os.PathLike | None = None) -> str:
    """Starts the worker in a separate OS process and returns the new run's id at once."""
    return launch_queue([config], root)[0]


def launch_queue(configs: list[TrainingConfig], root: str | os.PathLike | None = None) -> list[str]:
    """Creates one queued run per config and starts one worker process that trains them in turn.

    The worker inherits the training lock, so exactly one run trains per artifacts directory even
    when two browser tabs click Train in the same second.

    Raises:
        TrainingBusyError: a run is already training.
    """
    lock = acquire_training_lock(root)
    try:
        folders = [runs.create_run(config.model, config.to_dict(), root) for config in configs]
        with open(folders[0] / "worker.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "fmnist_core", "worker", *map(str, folders)],
                pass_fds=[lock.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=runs.PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},  # its entry point sets TensorFlow's log level
                start_new_session=True,  # a Ctrl-C or rerun of the app does not reach the worker
            )
        for folder in folders:
            runs.update_run(folder, pid=process.pid)
        threading.Thread(target=process.wait, daemon=True).start()  # reap it: no zombies
    finally:
        lock.close()
    return [folder.name for folder in folders]
