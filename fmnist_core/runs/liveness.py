"""Is a run's worker still alive? Its pid on this machine, else the age of its heartbeat."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import time
from pathlib import Path

from fmnist_core.runs.record import RunRecord

HEARTBEAT_TIMEOUT_S = 60.0
QUEUED_TIMEOUT_S = 120.0


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def parse_iso(value: str | None) -> float | None:
    return dt.datetime.fromisoformat(value).timestamp() if value else None


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


def worker_lost(record: RunRecord, now: float | None = None) -> bool:
    """Whether an active run's worker is gone: its pid is dead, or its heartbeat went stale."""
    if not record.is_active:
        return False
    now = time.time() if now is None else now
    if record.pid and record.host == socket.gethostname():
        if not pid_alive(record.pid):
            return True
        if record.status == "queued":
            return False  # waiting behind another run of the same worker
    last_sign = parse_iso(record.heartbeat_at) or parse_iso(record.created_at) or now
    timeout = HEARTBEAT_TIMEOUT_S if record.heartbeat_at else QUEUED_TIMEOUT_S
    return now - last_sign > timeout
