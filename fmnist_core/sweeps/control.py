"""Starting and stopping sweep workers, and telling whether one is working.

A worker is ``python -m fmnist_core sweep work NAME``: started here as a detached process (like the
training launcher starts a run), or by hand on any machine. Each worker keeps a file in the
sweep's ``workers/`` folder with its host, pid and a heartbeat; ``worker.json`` records the one the
app launched, so the page sees it as active before it has written its own file.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from fmnist_core.atomic_files import atomic_write_json, read_json
from fmnist_core.runs import runs
from fmnist_core.sweeps.errors import SweepError
from fmnist_core.sweeps.folders import load_sweep
from fmnist_core.sweeps.storage import sweep_dir
from fmnist_core.training.reporting import every

WORKER_HEARTBEAT_S = 10.0
WORKER_TIMEOUT_S = 60.0


def stop_flag(name: str, artifacts: str | os.PathLike | None = None) -> Path:
    """The file whose presence asks every worker of the sweep to stop."""
    return sweep_dir(name, artifacts) / "stop"


def clear_stop(name: str, artifacts: str | os.PathLike | None = None) -> None:
    """Withdraws a stop request, so workers started from now on work again.

    Raises:
        ValueError: no such sweep.
    """
    load_sweep(name, artifacts)
    stop_flag(name, artifacts).unlink(missing_ok=True)


def _alive(info: object) -> bool:
    """Whether a worker file describes a live worker: its pid on this host, or a fresh heartbeat."""
    if not isinstance(info, dict):
        return False
    if info.get("host") == socket.gethostname():
        return runs.pid_alive(info.get("pid"))
    beat = runs.parse_iso(info.get("heartbeat_at")) if isinstance(info.get("heartbeat_at"), str) else None
    return beat is not None and time.time() - beat < WORKER_TIMEOUT_S


def worker_active(name: str, artifacts: str | os.PathLike | None = None) -> bool:
    """Whether any worker is working on the sweep (on this machine or, by heartbeat, another)."""
    folder = sweep_dir(name, artifacts)
    files = [folder / "worker.json", *(folder / "workers").glob("*.json")]
    return any(_alive(read_json(path)) for path in files if path.is_file())


@contextlib.contextmanager
def registered_worker(name: str, artifacts: str | os.PathLike | None = None) -> Iterator[None]:
    """Keeps this process's file in the sweep's ``workers/`` folder, with a heartbeat, while the
    block runs."""
    path = sweep_dir(name, artifacts) / "workers" / f"{socket.gethostname()}-{os.getpid()}.json"
    path.parent.mkdir(exist_ok=True)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": runs.now_iso()}

    def beat() -> None:
        with contextlib.suppress(OSError):
            atomic_write_json(path, {**info, "heartbeat_at": runs.now_iso()})

    beat()
    try:
        with every(WORKER_HEARTBEAT_S, beat, name=f"sweep-{name}-heartbeat"):
            yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def launch_sweep_worker(name: str, artifacts: str | os.PathLike | None = None) -> int:
    """Starts ``python -m fmnist_core sweep work NAME`` as a detached process; returns its pid.

    Its output goes to the sweep's ``worker.log``; ``worker.json`` records its pid and host.

    Raises:
        ValueError: the sweep is unknown, or it lives in PostgreSQL (no password is stored, so
            workers are started by hand with the URL).
    """
    spec = load_sweep(name, artifacts)
    if spec.storage:
        raise SweepError("error.sweep.remote_worker", name=repr(name), bare=name, storage=spec.storage)
    folder = sweep_dir(name, artifacts)
    root = runs.artifacts_root(artifacts)
    with open(folder / "worker.log", "ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fmnist_core",
                "sweep",
                "work",
                name,
                "--artifacts",
                str(root),
                "--launched",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=runs.PROJECT_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "FMNIST_ARTIFACTS": str(root)},
            start_new_session=True,  # a Ctrl-C or rerun of the app does not reach the worker
        )
    atomic_write_json(
        folder / "worker.json",
        {
            "pid": process.pid,
            "host": socket.gethostname(),
            "started_at": runs.now_iso(),
            "heartbeat_at": runs.now_iso(),
        },
    )
    threading.Thread(target=process.wait, daemon=True).start()  # reap it: no zombies
    return process.pid


def sweep_runs(name: str, artifacts: str | os.PathLike | None = None) -> list[runs.RunRecord]:
    """The runs the sweep trained, newest first."""
    return [
        record
        for record in runs.list_runs(artifacts)
        if isinstance(record.extra.get("sweep"), dict) and record.extra["sweep"].get("name") == name
    ]


def stop_sweep(name: str, artifacts: str | os.PathLike | None = None) -> None:
    """Asks every worker to stop: the trial that trains stops at its next batch (keeping its best
    epoch) and no new trial starts until ``resume_sweep``.

    Raises:
        ValueError: no such sweep.
    """
    load_sweep(name, artifacts)
    stop_flag(name, artifacts).touch()
    for record in sweep_runs(name, artifacts):
        if record.is_active:
            runs.request_stop(runs.runs_dir(artifacts) / record.id)


def resume_sweep(name: str, artifacts: str | os.PathLike | None = None) -> int:
    """Removes the stop request and launches a worker again; returns its pid.

    Raises:
        ValueError: no such sweep, or a PostgreSQL sweep (see ``launch_sweep_worker``).
    """
    if load_sweep(name, artifacts).storage:
        return launch_sweep_worker(name, artifacts)  # raises with the command to run on each machine
    clear_stop(name, artifacts)
    return launch_sweep_worker(name, artifacts)
