"""Faults around the worker: concurrent launches, and a soak of start/stop/delete cycles."""

import os
import random
import threading
import time
from pathlib import Path

import pytest

from fmnist_core.runs import runs
from fmnist_core.training import TrainingBusyError, TrainingConfig, launch_training
from tests.core.test_training import wait_for

# Each cycle starts a worker process; a leak of one file handle or process per cycle shows after
# a few. Twelve cycles stop nine runs at a random early moment and three mid-training.
SOAK_CYCLES = 12


def worker_processes(artifacts: Path) -> list[int]:
    """Live processes whose command line mentions this artifacts root (our workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(artifacts) in (entry / "cmdline").read_bytes().decode(
                    errors="replace"
                ) and runs.pid_alive(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_two_launches_in_the_same_instant_start_exactly_one_worker(artifacts: Path):
    config = TrainingConfig.for_model("mlp", epochs=30, train_samples=5000)
    barrier, outcomes = threading.Barrier(2), []

    def click() -> None:
        barrier.wait()
        try:
            outcomes.append(launch_training(config, artifacts))
        except TrainingBusyError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, TrainingBusyError)]
    assert len(started) == 1 and len(refused) == 1
    assert "already training" in str(refused[0])
    assert len(runs.list_runs(artifacts)) == 1
    folder = runs.run_path(started[0], artifacts)
    runs.request_stop(folder)
    wait_for(lambda: runs.refresh_status(folder).status in runs.FINAL_STATUSES)


@pytest.mark.slow
def test_soak_start_stop_delete_leaves_nothing_behind(artifacts: Path):
    rng = random.Random(0)
    open_fds = len(os.listdir("/proc/self/fd"))
    for cycle in range(SOAK_CYCLES):
        config = TrainingConfig.for_model("softmax", epochs=20, train_samples=2000, seed=cycle)
        folder = runs.run_path(launch_training(config, artifacts), artifacts)
        if cycle % 4 == 3:  # stop mid-training ...
            wait_for(lambda folder=folder: runs.read_progress(folder).get("batch"))
        else:  # ... or at a random early moment, often before TensorFlow has loaded
            time.sleep(rng.uniform(0, 1.0))
        runs.request_stop(folder)
        record = wait_for(
            lambda folder=folder: (r := runs.refresh_status(folder)).status in runs.FINAL_STATUSES and r
        )
        assert record.status == "stopped", record.error
        runs.delete_run(record.id, artifacts)
    wait_for(lambda: not worker_processes(artifacts), timeout=10)
    assert len(os.listdir("/proc/self/fd")) <= open_fds + 2
    assert sorted(p.name for p in artifacts.iterdir()) == ["runs", "training.lock"]
    assert not list((artifacts / "runs").iterdir())
