"""The run directory: the contract between the training worker, the UI, the CLI and the tests.

Every write is atomic (temp file + ``os.replace``), so a reader never sees half a file, and a run
whose worker died is recognised from its pid and heartbeat and marked failed.
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
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("finished", "stopped", "failed")
HEARTBEAT_TIMEOUT_S = 60.0
QUEUED_TIMEOUT_S = 120.0
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


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> float | None:
    return dt.datetime.fromisoformat(value).timestamp() if value else None


def check_run_id(run_id: str) -> str:
    """Refuses anything that is not a well-formed run id (``../``, slashes, empty ...)."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.match(run_id):
        raise ValueError(f"{run_id!r} is not a valid run id (expected e.g. 20260101-120000-mlp-1a2b3c).")
    return run_id


def run_path(run_id: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of an existing run; unknown or malformed ids raise ValueError."""
    path = runs_dir(root) / check_run_id(run_id)
    if not (path / "run.json").is_file():
        raise ValueError(f"No run {run_id!r} in {runs_dir(root)}.")
    return path


# ---------------------------------------------------------------- atomic writes


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically; on any error the old file is left untouched."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide runs from other users of a shared folder
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, json.dumps(value, indent=2, sort_keys=True).encode())


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return default


@contextlib.contextmanager
def atomic_write_path(path: Path) -> Iterator[Path]:
    """A temp path next to ``path`` for writers that need a file name (``model.save``, a rename).

    When the ``with`` block succeeds, the file is fsynced and renamed to ``path``; on any error it
    is removed and ``path`` is left untouched. The temp name keeps the suffix (Keras requires
    ``.keras``) and is one that ``remove_temp_files`` cleans up.
    """
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}"
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


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


def read_run(folder: Path) -> dict[str, Any]:
    """Reads ``run.json``; raises ValueError when it is missing or unreadable."""
    record = read_json(folder / "run.json")
    if not isinstance(record, dict):
        raise ValueError(f"{folder} has no readable run.json.")
    return record


def update_run(folder: Path, **fields: Any) -> dict[str, Any]:
    """Merges ``fields`` into ``run.json`` atomically; returns the new record.

    Only the worker updates a running run, so read-modify-write needs no lock across processes;
    the in-process lock keeps the worker's heartbeat thread from undoing the main thread's update.
    """
    with _UPDATE_LOCK:
        record = {**read_run(folder), **fields}
        atomic_write_json(folder / "run.json", record)
    return record


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


def pid_alive(pid: int | None) -> bool:
    """Whether ``pid`` is a live (non-zombie) process on this machine."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    return True


def worker_lost(record: dict[str, Any], now: float | None = None) -> bool:
    """Whether an active run's worker is gone: its pid is dead, or its heartbeat went stale."""
    if record.get("status") not in ACTIVE_STATUSES:
        return False
    now = time.time() if now is None else now
    if record.get("pid") and record.get("host") == socket.gethostname():
        if not pid_alive(record["pid"]):
            return True
        if record["status"] == "queued":
            return False  # waiting behind another run of the same worker
    last_sign = parse_iso(record.get("heartbeat_at")) or parse_iso(record.get("created_at")) or now
    timeout = HEARTBEAT_TIMEOUT_S if record.get("heartbeat_at") else QUEUED_TIMEOUT_S
    return now - last_sign > timeout


def refresh_status(folder: Path) -> dict[str, Any]:
    """Reads a run and, if its worker is gone, marks it failed and removes temp files."""
    record = read_run(folder)
    if worker_lost(record):
        remove_temp_files(folder)
        record = update_run(folder, status="failed", error=LOST_WORKER, finished_at=now_iso())
    return record


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


def list_runs(root: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """All runs, newest first, with dead workers marked failed. Damaged folders are left out
    (``list_damaged`` lists them)."""
    records = []
    for folder in _run_folders(root):
        with contextlib.suppress(ValueError, OSError):
            records.append(refresh_status(folder))
    return sorted(records, key=lambda r: r.get("created_at") or "", reverse=True)


@dataclass(frozen=True)
class DamagedRun:
    """A run folder whose ``run.json`` cannot be read (a crash or a full disk cut it short)."""

    id: str
    problem: str


def damage_of(folder: Path) -> str | None:
    """What is wrong with a run folder's ``run.json``, or None when it reads as a run record.

    A folder younger than a few seconds without ``run.json`` is a run being created, not damage.
    """
    path = folder / "run.json"
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        if time.time() - folder.stat().st_mtime < DAMAGE_GRACE_S:
            return None
        return "its run.json is missing"
    except OSError as exc:
        return f"its run.json cannot be read ({exc.strerror or exc})"
    if not text.strip():
        return "its run.json is empty (cut short by a crash or a full disk)"
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return f"its run.json is not valid JSON ({len(text):,} bytes; cut short by a crash or a full disk?)"
    if not isinstance(record, dict) or not {"id", "model", "status"} <= record.keys():
        return "its run.json is not a run record (no id, model or status)"
    return None


def list_damaged(root: str | os.PathLike | None = None) -> list[DamagedRun]:
    """Run folders whose ``run.json`` is missing or unreadable, oldest id first."""
    damaged = []
    for folder in sorted(_run_folders(root)):
        with contextlib.suppress(OSError):  # deleted meanwhile
            problem = damage_of(folder)
            if problem:
                damaged.append(DamagedRun(folder.name, problem))
    return damaged


def active_run(root: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """The queued or running run, if any."""
    return next((r for r in list_runs(root) if r["status"] in ACTIVE_STATUSES), None)


def delete_run(run_id: str, root: str | os.PathLike | None = None) -> None:
    """Deletes a run's folder, damaged ones included; an active run must be stopped first."""
    folder = runs_dir(root) / check_run_id(run_id)
    if not folder.is_dir():
        raise ValueError(f"No run {run_id!r} in {runs_dir(root)}.")
    if damage_of(folder) is None and refresh_status(folder)["status"] in ACTIVE_STATUSES:
        raise ValueError(f"Run {run_id} is still training: stop it before deleting it.")
    shutil.rmtree(folder)
