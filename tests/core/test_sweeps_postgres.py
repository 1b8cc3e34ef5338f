"""Sweeps shared through a real PostgreSQL server: several worker processes on one study, a worker
killed mid-trial, and what the app can do without the password."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fmnist_core import sweeps
from fmnist_core.runs import runs
from fmnist_core.sweeps import Param, SweepSpec
from tests.core.test_training import wait_for

QUICK = {"train_samples": 300, "seed": 1}


def start_worker(name: str, url: str, artifacts: Path, machine: Path) -> subprocess.Popen:
    """``sweep work`` as another machine would run it: its own training lock, shared artifacts."""
    env = {**os.environ, sweeps.MACHINE_LOCK_ENV: str(machine), "FMNIST_ARTIFACTS": str(artifacts)}
    command = [sys.executable, "-m", "fmnist_core", "sweep", "work", name, "--storage", url]
    return subprocess.Popen(
        [*command, "--artifacts", str(artifacts)],
        env=env,
        cwd=runs.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def create(
    name: str, url: str, artifacts: Path, model: str = "sgd", trials: int = 4, **overrides
) -> SweepSpec:
    space = {"learning_rate": Param("float", 1e-3, 1e-1, log=True)}
    settings = {"space": space, "epochs": 2, "sampler": "random", "prune": False, **QUICK, **overrides}
    sweeps.create_sweep(
        SweepSpec(name=name, model=model, trials=trials, **settings), artifacts, storage_url=url
    )
    return sweeps.load_sweep(name, artifacts)


def test_two_workers_share_one_study_and_run_every_trial_once(postgres_url, artifacts, tmp_path):
    spec = create("shared", postgres_url, artifacts)
    assert spec.storage == postgres_url  # no password in this URL: nothing to remove
    workers = [start_worker("shared", postgres_url, artifacts, tmp_path / f"machine-{i}") for i in range(2)]
    outputs = [worker.communicate(timeout=240)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    status = sweeps.sweep_status("shared", artifacts, postgres_url)
    assert [row.state for row in status.trials] == ["complete"] * 4 and status.done and not status.active
    assert sorted(row.number for row in status.trials) == [0, 1, 2, 3]
    run_ids = {row.run_id for row in status.trials}
    assert len(run_ids) == 4 and run_ids == {record.id for record in runs.list_runs(artifacts)}
    for row in status.trials:
        sweep = runs.read_run(runs.runs_dir(artifacts) / row.run_id).extra["sweep"]
        assert sweep == {"name": "shared", "trial": row.number, "storage": postgres_url}
    with pytest.raises(ValueError, match="run `python -m fmnist_core sweep work shared --storage URL`"):
        sweeps.launch_sweep_worker("shared", artifacts)


def test_killed_worker_trial_fails_is_retried_and_the_study_completes(postgres_url, artifacts, tmp_path):
    create("killed", postgres_url, artifacts, model="mlp", trials=2, train_samples=6000, epochs=4)
    doomed = start_worker("killed", postgres_url, artifacts, tmp_path / "machine-a")

    def training_run() -> runs.RunRecord | None:
        return next(
            (r for r in runs.list_runs(artifacts) if runs.read_history(runs.runs_dir(artifacts) / r.id)), None
        )

    victim = wait_for(training_run, timeout=120)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=30)
    survivor = start_worker("killed", postgres_url, artifacts, tmp_path / "machine-b")
    output = survivor.communicate(timeout=240)[0]
    assert survivor.returncode == 0, output
    rows = sweeps.sweep_status("killed", artifacts, postgres_url).trials
    assert [row.state for row in rows] == ["failed", "complete", "complete"], rows
    assert rows[0].run_id == victim.id and rows[1].params == rows[0].params  # the retry came first
    assert runs.read_run(runs.runs_dir(artifacts) / victim.id).status == "failed"


def test_password_is_never_written_and_status_reads_the_runs_without_it(postgres_url, artifacts):
    with_password = postgres_url.replace("fmnist@", "fmnist:hunter2@")  # trust auth ignores it
    create("secret", with_password, artifacts, trials=1)
    sweeps.work("secret", artifacts, with_password)
    folder = artifacts / "sweeps" / "secret"
    written = [path.read_text(errors="ignore") for path in folder.rglob("*") if path.is_file()]
    written += [
        (runs.runs_dir(artifacts) / record.id / "run.json").read_text()
        for record in runs.list_runs(artifacts)
    ]
    assert written and not any("hunter2" in text for text in written)
    assert sweeps.load_sweep("secret", artifacts).storage == postgres_url
    status = sweeps.sweep_status("secret", artifacts)  # the stored URL, no password: trust lets it in
    assert status.problem is None and [row.state for row in status.trials] == ["complete"]
