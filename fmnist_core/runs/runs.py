"""The run directory: the contract between the training worker, the UI, the CLI and the tests.

Every write is atomic (``atomic_files``), so a reader never sees half a file, and a run whose worker
died is recognised from its pid and heartbeat and marked failed. ``RunRecord`` is ``run.json`` as
the pages, the CLI and importing read it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmnist_core.atomic_files import atomic_write_json, read_json

# The record and the liveness checks are part of this module's API (``runs.RunRecord``,
# ``runs.worker_lost``), kept in files of their own.
from fmnist_core.runs.liveness import (  # noqa: F401
    HEARTBEAT_TIMEOUT_S,
    QUEUED_TIMEOUT_S,
    now_iso,
    parse_iso,
    pid_alive,
    worker_lost,
)
from fmnist_core.runs.record import ACTIVE_STATUSES, FINAL_STATUSES, IMPORTED_MODEL, RunRecord  # noqa: F401
from fmnist_core.words import CodedError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAMAGE_GRACE_S = 10.0  # a folder this young without run.json is still being created
RUN_ID_PATTERN = re.compile(r"^\d{8}-\d{6}-[a-z0-9_]{1,32}-[0-9a-f]{6}$")
_UPDATE_LOCK = threading.Lock()
LOST_WORKER = "worker stopped unexpectedly (killed or crashed); its partial results were discarded"


def artifacts_root(path: str | os.PathLike | None = None) -> Path:
    """The artifacts root: ``path``, else ``$FMNIST_ARTIFACTS``, else ``artifacts/`` in the project."""
    chosen = path or os.environ.get("FMNIST_ARTIFACTS") or PROJECT_ROOT / "artifacts"
    return Path(chosen).expanduser().resolve()


def runs_dir(root: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/runs``, created if missing."""
    folder = artifacts_root(root) / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class RunError(CodedError, ValueError):
    """A run that cannot be opened or deleted: a malformed id, no such run, still training."""


def check_run_id(run_id: str) -> str:
    """Refuses anything that is not a well-formed run id (``../``, slashes, empty ...)."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise RunError("error.run.bad_run_id", run_id=run_id)
    return run_id


def run_path(run_id: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of an existing run; unknown or malformed ids raise ValueError."""
    path = runs_dir(root) / check_run_id(run_id)
    if not (path / "run.json").is_file():
        raise RunError("error.run.no_run", run_id=run_id, folder=str(runs_dir(root)))
    return path


# ---------------------------------------------------------------- create, read, update


def new_run_id(model: str) -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{model}-{secrets.token_hex(3)}"


def create_run(
    model: str, config: dict[str, Any], root: str | os.PathLike | None = None, **fields: Any
) -> Path:
    """Creates ``<artifacts>/runs/<id>/run.json`` with status ``queued``; returns the folder."""
    run_id = new_run_id(model)
    folder = runs_dir(root) / run_id
    folder.mkdir()
    record = {
        "id": run_id,
        "model": model,
        "config": config,
        "status": "queued",
        "error": None,
        "created_at": now_iso(),
        "started_at": None,
        "finished_at": None,
        "heartbeat_at": None,
        "pid": None,
        "host": socket.gethostname(),
        "params": None,
        "versions": {},
        "dataset": {},
        "test": None,
        **fields,
    }
    atomic_write_json(folder / "run.json", record)
    return folder


def read_run(folder: Path) -> RunRecord:
    """Reads ``run.json``; raises ValueError when it is missing or unreadable."""
    return RunRecord.from_json(_read_values(folder))


def _read_values(folder: Path) -> dict[str, Any]:
    values = read_json(folder / "run.json")
    if not isinstance(values, dict):
        raise ValueError(f"{folder} has no readable run.json.")
    return values


def update_run(folder: Path, **changes: Any) -> RunRecord:
    """Merges ``changes`` into ``run.json`` atomically; returns the new record.

    Only the worker updates a running run, so read-modify-write needs no lock across processes;
    the in-process lock keeps the worker's heartbeat thread from undoing the main thread's update.
    """
    with _UPDATE_LOCK:
        values = {**_read_values(folder), **changes}
        atomic_write_json(folder / "run.json", values)
    return RunRecord.from_json(values)


def append_history(folder: Path, record: dict[str, Any]) -> None:
    """Appends one epoch to ``history.jsonl`` (one line, flushed and fsynced)."""
    with open(folder / "history.jsonl", "a") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_history(folder: Path) -> list[dict[str, Any]]:
    """All complete epochs in ``history.jsonl`` (a torn last line is ignored)."""
    try:
        lines = (folder / "history.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return []
    history = []
    for line in lines:
        with contextlib.suppress(json.JSONDecodeError):
            history.append(json.loads(line))
    return history


def write_progress(folder: Path, progress: dict[str, Any]) -> None:
    atomic_write_json(folder / "progress.json", progress)


def read_progress(folder: Path) -> dict[str, Any]:
    return read_json(folder / "progress.json", default={}) or {}


# ---------------------------------------------------------------- liveness and stopping


def refresh_status(folder: Path) -> RunRecord:
    """Reads a run and, if its worker is gone, marks it failed and removes temp files."""
    return _mark_if_lost(folder, read_run(folder))


def _mark_if_lost(folder: Path, record: RunRecord) -> RunRecord:
    if not worker_lost(record):
        return record
    remove_temp_files(folder)
    return update_run(folder, status="failed", error=LOST_WORKER, finished_at=now_iso())


def remove_temp_files(folder: Path) -> None:
    for tmp in folder.glob(".*.tmp*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def request_stop(folder: Path) -> None:
    """Asks the worker to stop at its next batch (it keeps the best weights so far)."""
    (folder / "stop").touch()


def stop_requested(folder: Path) -> bool:
    return (folder / "stop").exists()


def _run_folders(root: str | os.PathLike | None) -> list[Path]:
    return [folder for folder in runs_dir(root).iterdir() if RUN_ID_PATTERN.match(folder.name)]


def list_runs(root: str | os.PathLike | None = None) -> list[RunRecord]:
    """All runs, newest first, with dead workers marked failed. Damaged folders are left out
    (``scan_runs`` returns both)."""
    return scan_runs(root)[0]


def list_damaged(root: str | os.PathLike | None = None) -> list[DamagedRun]:
    """Run folders whose ``run.json`` is missing or unreadable, oldest id first."""
    return scan_runs(root)[1]


def scan_runs(root: str | os.PathLike | None = None) -> tuple[list[RunRecord], list[DamagedRun]]:
    """The runs (newest first) and the damaged folders (oldest first), reading each run.json once."""
    records, damaged = [], []
    for folder in sorted(_run_folders(root)):
        with contextlib.suppress(OSError, ValueError):  # deleted meanwhile
            found = inspect_folder(folder)
            if isinstance(found, RunRecord):
                records.append(found)
            elif found is not None:
                damaged.append(found)
    records.sort(key=lambda record: record.created_at or "", reverse=True)
    return records, damaged


@dataclass(frozen=True)
class DamagedRun:
    """A run folder whose ``run.json`` cannot be read (a crash or a full disk cut it short)."""

    id: str
    problem: str


def inspect_folder(folder: Path) -> RunRecord | DamagedRun | None:
    """The run in ``folder`` (a dead worker's run marked failed), what is wrong with its
    ``run.json``, or None for a folder younger than a few seconds without one (being created)."""
    try:
        text = (folder / "run.json").read_bytes()
    except FileNotFoundError:
        if time.time() - folder.stat().st_mtime < DAMAGE_GRACE_S:
            return None
        return DamagedRun(folder.name, "its run.json is missing")
    except OSError as exc:
        return DamagedRun(folder.name, f"its run.json cannot be read ({exc.strerror or exc})")
    if not text.strip():
        return DamagedRun(folder.name, "its run.json is empty (cut short by a crash or a full disk)")
    try:
        values = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        size = f"{len(text):,} bytes"
        return DamagedRun(
            folder.name, f"its run.json is not valid JSON ({size}; cut short by a crash or a full disk?)"
        )
    try:
        record = RunRecord.from_json(values if isinstance(values, dict) else {})
    except (ValueError, TypeError):
        return DamagedRun(folder.name, "its run.json is not a run record (no id, model or status)")
    return _mark_if_lost(folder, record)


def active_run(root: str | os.PathLike | None = None) -> RunRecord | None:
    """The queued or running run, if any."""
    return next((record for record in list_runs(root) if record.is_active), None)


def delete_run(run_id: str, root: str | os.PathLike | None = None) -> None:
    """Deletes a run's folder, damaged ones included; an active run must be stopped first."""
    folder = runs_dir(root) / check_run_id(run_id)
    if not folder.is_dir():
        raise RunError("error.run.no_run", run_id=run_id, folder=str(runs_dir(root)))
    found = inspect_folder(folder)
    if isinstance(found, RunRecord) and found.is_active:
        raise RunError("error.run.still_training", run_id=run_id)
    shutil.rmtree(folder)
