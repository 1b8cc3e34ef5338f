"""Background jobs: started detached, reported through their file, failures told in words."""

from __future__ import annotations

import errno
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from fmnist_core import atomic_files
from fmnist_core.inspection import features
from fmnist_core.runs import jobs, runs


def run_folder(root: Path, model: str) -> Path:
    return next(folder for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


def write_status(folder: Path, **values) -> None:
    path = jobs.job_path(folder, "features")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_files.atomic_write_json(path, {"name": "features", "progress": 0.3, **values})


def test_a_features_job_runs_detached_once_and_ends_done(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    original = features.load_features(folder)
    (folder / features.FEATURES_FILE).unlink()
    assert jobs.job_status(folder, "features").state == "absent"
    started = jobs.start_job(folder, "features")
    assert started.is_running and started.pid and started.host == socket.gethostname()
    again = jobs.start_job(folder, "features")  # a second click while it runs
    assert again.is_running and again.pid == started.pid
    deadline = time.monotonic() + 120
    status = jobs.job_status(folder, "features")
    while status.is_running and time.monotonic() < deadline:
        time.sleep(0.3)
        status = jobs.job_status(folder, "features")
    log = (folder / "jobs" / "features.log").read_text()
    assert status.is_done, (status, log)
    assert status.progress == 1.0 and status.finished_at and status.error is None
    assert status.pid == started.pid and status.started_at == started.started_at
    np.testing.assert_allclose(features.load_features(folder), original, rtol=2e-3, atol=2e-3)


def test_a_running_job_whose_process_is_gone_is_reported_failed(tmp_path: Path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    write_status(
        tmp_path, state="running", pid=finished.pid, host=socket.gethostname(), updated_at=runs.now_iso()
    )
    status = jobs.job_status(tmp_path, "features")
    assert status.is_failed and status.error_key == jobs.GONE and "Start it again" in status.error


def test_a_remote_job_that_went_silent_is_reported_failed(tmp_path: Path):
    write_status(tmp_path, state="running", pid=1, host="another-machine", updated_at=runs.now_iso())
    assert jobs.job_status(tmp_path, "features").is_running
    later = time.time() + jobs.STALE_S + 1
    assert jobs.job_status(tmp_path, "features", now=later).error_key == jobs.GONE


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe", b'{"state": "exploded"}', b"[1, 2]"])
def test_a_damaged_job_file_is_reported_failed_not_raised(tmp_path: Path, content: bytes):
    path = jobs.job_path(tmp_path, "features")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    status = jobs.job_status(tmp_path, "features")
    assert status.is_failed and "damaged" in status.error and "Start it again" in status.error


def test_job_reporter_records_progress_done_and_readable_failures(tmp_path: Path):
    seen = []

    def body(report) -> None:
        report(0.5, "job.top9.ranked", done=5, total=10)
        seen.append(jobs.read_job(tmp_path, "features"))

    assert jobs.run_job(tmp_path, "features", body) == 0
    assert seen[0].is_running and seen[0].progress == 0.5
    assert seen[0].message == "Ranked 5 of 10 test images"  # English for the log and the CLI, and
    assert (seen[0].message_key, seen[0].message_values) == ("job.top9.ranked", {"done": 5, "total": 10})
    done = jobs.job_status(tmp_path, "features")
    assert done.is_done and done.progress == 1.0 and done.finished_at

    def disk_full(report) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    assert jobs.run_job(tmp_path, "features", disk_full) == 1
    full = jobs.job_status(tmp_path, "features")
    assert full.error.startswith("The disk is full") and full.error_key == "error.job.disk_full"

    def no_model(report) -> None:
        features.compute_run_features(tmp_path)

    assert jobs.run_job(tmp_path, "features", no_model) == 1
    refused = jobs.job_status(tmp_path, "features")
    assert "no saved model" in refused.error and refused.error_key.startswith("error.map.")


def test_job_names_are_checked():
    with pytest.raises(ValueError, match="not a job name"):
        jobs.job_path(Path("."), "../evil")
