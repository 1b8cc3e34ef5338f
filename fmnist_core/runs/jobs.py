"""Background jobs of a finished run (computing its features, its UMAP layout, ...).

A job runs as its own process, ``python -m fmnist_core job NAME RUN_FOLDER``, so a page can start
it and go on serving; the page then polls `job_status`. The job reports into
``<run folder>/jobs/<name>.json`` (written atomically) and logs to ``jobs/<name>.log``. What it is
doing and why it failed are stored as a words key and its values (``message_key``, ``error_key``),
as a `CodedError` is, beside their English sentence: a page says them in its user's language. A job
whose process died, or that stopped reporting (another machine sharing the folder), is reported
as failed, so the page can offer to start it again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from fmnist_core import atomic_files, words
from fmnist_core.runs import runs

JOBS_DIR = "jobs"
# The jobs ``python -m fmnist_core job`` knows (its bodies are chosen there); add new ones to both.
JOB_NAMES = ("features", "umap", "top9", "export")
STATES = ("running", "done", "failed")
STALE_S = 60.0  # a running job writes at least every HEARTBEAT_S; silence this long means it is gone
HEARTBEAT_S = 5.0
REPORT_INTERVAL_S = 0.5  # progress writes are throttled to this
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
GONE = "error.job.gone"
STARTING, DONE = "job.starting", "job.done"

# What a job's body calls: ``report(fraction 0..1, words key, **values of the key)``.
Report = Callable[..., None]
Job = Callable[[Report], object]  # the body: called with a report function


@dataclass(frozen=True)
class JobStatus:
    """What a job's file says, with a dead or silent job reported as failed.

    ``state`` is "running", "done", "failed" or "absent" (never started); ``progress`` is 0..1 and
    ``message`` says what it is doing now; ``error`` why it failed and what to do (English; their
    words keys and values are ``message_key``/``message_values`` and ``error_key``/``error_values``).
    """

    name: str
    state: str = "absent"
    progress: float = 0.0
    message: str = ""
    error: str | None = None
    pid: int | None = None
    host: str | None = None
    started_at: str | None = None
    updated_at: str | None = None
    finished_at: str | None = None
    message_key: str | None = None
    message_values: dict[str, Any] = field(default_factory=dict)
    error_key: str | None = None
    error_values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_running(self) -> bool:
        return self.state == "running"

    @property
    def is_done(self) -> bool:
        return self.state == "done"

    @property
    def is_failed(self) -> bool:
        return self.state == "failed"

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def job_path(folder: Path, name: str) -> Path:
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} is not a job name (lower-case letters, digits and _).")
    return Path(folder) / JOBS_DIR / f"{name}.json"


@contextlib.contextmanager
def _job_lock(folder: Path, name: str) -> Iterator[None]:
    """Serialises starting a job with its first writes, across processes."""
    path = job_path(folder, name).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(folder: Path, status: JobStatus) -> None:
    atomic_files.atomic_write_json(job_path(folder, status.name), status.to_dict())


def read_job(folder: Path, name: str) -> JobStatus:
    """The job's file as written (``absent`` when there is none), without liveness checks."""
    path = job_path(folder, name)
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        return JobStatus(name)
    except (OSError, ValueError) as error:  # not JSON, not text, unreadable
        return _damaged(name, f"{type(error).__name__}: {error}")
    if not isinstance(values, dict) or values.get("state") not in STATES:
        return _damaged(name, f"unexpected content ({str(values)[:80]})")
    known = {field.name for field in fields(JobStatus)} - {"name"}
    try:
        return JobStatus(name, **{key: value for key, value in values.items() if key in known})
    except TypeError as error:
        return _damaged(name, str(error))


def failed(name: str, key: str, **values: Any) -> JobStatus:
    """A failed status whose error is the words ``key`` with ``values``."""
    plain = words.to_json_values(values)
    return JobStatus(name, "failed", error=words.english(key, **values), error_key=key, error_values=plain)


def _damaged(name: str, why: str) -> JobStatus:
    return failed(name, "error.job.damaged", job=name, why=why)


def job_status(folder: Path, name: str, now: float | None = None) -> JobStatus:
    """The job's status; a running job whose process is gone or that went silent is failed."""
    status = read_job(folder, name)
    if not status.is_running:
        return status
    now = time.time() if now is None else now
    dead = status.host == socket.gethostname() and not runs.pid_alive(status.pid)
    updated = runs.parse_iso(status.updated_at) or runs.parse_iso(status.started_at) or 0.0
    if dead or now - updated > STALE_S:
        return replace(status, state="failed", error=words.english(GONE), error_key=GONE, error_values={})
    return status


def start_job(folder: Path, name: str) -> JobStatus:
    """Starts ``python -m fmnist_core job NAME FOLDER`` detached; returns its running status at once.

    If the job already runs, returns its status instead of starting a second one.

    Raises:
        ValueError: ``name`` is not one of JOB_NAMES.
        OSError: The job's folder cannot be written (a full disk, no permission).
    """
    if name not in JOB_NAMES:
        raise ValueError(f"There is no job {name!r}; the jobs are {', '.join(JOB_NAMES)}.")
    folder = Path(folder)
    with _job_lock(folder, name):
        current = job_status(folder, name)
        if current.is_running:
            return current
        log_path = job_path(folder, name).with_suffix(".log")
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "fmnist_core", "job", name, str(folder.resolve())],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=runs.PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                start_new_session=True,  # a rerun or Ctrl-C of the app does not reach the job
            )
        threading.Thread(target=process.wait, daemon=True).start()  # reap it: no zombies
        now = runs.now_iso()
        status = JobStatus(
            name, "running", 0.0, words.english(STARTING), None, process.pid, socket.gethostname(), now, now,
            message_key=STARTING,
        )  # fmt: skip
        _write(folder, status)
    return status


def describe_job_error(error: BaseException) -> tuple[str, dict[str, Any]]:
    """The words key and values that say what went wrong and what to do."""
    if isinstance(error, words.CodedError):  # our own errors already say what to do
        return error.code, error.values
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "error.job.disk_full", {}
    if isinstance(error, ValueError):
        return "error.job.refused", {"detail": str(error)}
    return "error.job.crashed", {
        "kind": type(error).__name__,
        "detail": str(error),
        "logs": f"{JOBS_DIR}/*.log",
    }


class JobReporter:
    """Used inside the job process: reports progress, then done or failed with a readable error.

    Progress writes are throttled to one per REPORT_INTERVAL_S; a background thread also rewrites
    the status every HEARTBEAT_S, so a long silent stage (compiling) is not mistaken for a dead job.
    """

    def __init__(self, folder: Path, name: str) -> None:
        self.folder, self.name = Path(folder), name
        self.progress, self.key, self.values = 0.0, STARTING, {}
        self.state, self.error_key, self.error_values = "running", None, {}
        self._last_write, self._dirty = 0.0, False
        self.started_at: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._heartbeat = threading.Thread(target=self._beat, daemon=True, name=f"job-{name}")

    def __enter__(self) -> JobReporter:
        with _job_lock(self.folder, self.name):  # waits until start_job has written its status
            self.started_at = read_job(self.folder, self.name).started_at or runs.now_iso()
            self._flush()
        self._heartbeat.start()
        return self

    def report(self, progress: float, key: str, **values: Any) -> None:
        """Records the progress (0..1) and what the job is doing now: the words ``key`` with ``values``.

        A new stage (another key) is written at once; progress within a stage at most every
        REPORT_INTERVAL_S, by the background thread.
        """
        new_stage = key != self.key
        self.progress, self.key, self.values = min(max(float(progress), 0.0), 1.0), key, values
        self._dirty = True
        if new_stage:
            with contextlib.suppress(OSError):  # a failed progress write must not fail the job
                self._flush()

    def _beat(self) -> None:
        """Writes pending progress twice a second, and the status every HEARTBEAT_S regardless."""
        while not self._stop.wait(REPORT_INTERVAL_S):
            if self._dirty or time.monotonic() - self._last_write >= HEARTBEAT_S:
                with contextlib.suppress(OSError):
                    self._flush()

    def _flush(self) -> None:
        with self._lock:
            now = runs.now_iso()
            error = words.english(self.error_key, **self.error_values) if self.error_key else None
            status = JobStatus(
                self.name, self.state, self.progress, words.english(self.key, **self.values), error,
                os.getpid(), socket.gethostname(), self.started_at, now,
                now if self.state != "running" else None, self.key, words.to_json_values(self.values),
                self.error_key, words.to_json_values(self.error_values),
            )  # fmt: skip
            _write(self.folder, status)
            self._last_write, self._dirty = time.monotonic(), False

    def __exit__(self, kind: type | None, error: BaseException | None, trace: Any) -> bool:
        self._stop.set()
        self._heartbeat.join()
        if error is None:
            self.state, self.progress, self.key, self.values = "done", 1.0, DONE, {}
        else:
            traceback.print_exception(error)  # the full story goes to the job's log
            self.state = "failed"
            self.error_key, self.error_values = describe_job_error(error)
        with contextlib.suppress(OSError):  # a full disk may refuse this too: job_status then says "gone"
            self._flush()
        return isinstance(error, Exception)  # recorded; KeyboardInterrupt and SystemExit propagate


def run_job(folder: Path, name: str, body: Job) -> int:
    """Runs ``body(report)`` as job ``name`` of ``folder``; returns the exit code (0 done, 1 failed)."""
    with JobReporter(folder, name) as reporter:
        body(reporter.report)
    return 0 if reporter.state == "done" else 1
