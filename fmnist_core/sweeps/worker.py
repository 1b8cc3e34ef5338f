"""The sweep worker loop (``sweep work``): one trial after another until the sweep has its trials.

Several workers may work on one sweep (on one machine with separate machine locks, or on several
machines sharing a PostgreSQL database and the artifacts directory). Each trial holds this
machine's training lock while it trains, so a machine trains one run at a time.

Dead workers: a PostgreSQL worker heartbeats through Optuna, which fails the trial of a worker
that stopped beating and enqueues it once more. Optuna 5.0's journal storage has no heartbeat, so
before every trial each worker also checks the running trials' runs: a trial whose run's worker is
lost (``runs.refresh_status``: its pid is dead on this host, or its heartbeat is stale) is told
FAIL and enqueued once more with Optuna's ``RetryHeartbeatStaleTrialCallback``, for both storages.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable
from typing import IO

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.trial import TrialState

from fmnist_core.runs import runs
from fmnist_core.sweeps.control import registered_worker, stop_flag
from fmnist_core.sweeps.errors import SweepStorageError
from fmnist_core.sweeps.folders import load_sweep
from fmnist_core.sweeps.spec import SweepSpec
from fmnist_core.sweeps.status import TrialRow, trial_row
from fmnist_core.sweeps.storage import MAX_RETRY, load_study_from, open_storage
from fmnist_core.sweeps.trial_run import TrialFailed, run_trial
from fmnist_core.training import TrainingBusyError, acquire_training_lock

WAIT_S = 2.0
SURPLUS = "surplus"  # user attribute of a trial asked beyond the sweep's count (hidden, never trained)
LOST_GRACE_S = 60.0  # a trial's worker has this long between ask and its run, or run and tell


def _trial_lost(trial: optuna.trial.FrozenTrial, artifacts: str | os.PathLike | None) -> bool:
    """Whether a running trial's worker is gone (see the module's docstring)."""
    started = trial.datetime_start.timestamp() if trial.datetime_start else time.time()
    run_id = trial.user_attrs.get("run_id")
    if not run_id:
        return time.time() - started > LOST_GRACE_S
    try:
        record = runs.refresh_status(runs.runs_dir(artifacts) / run_id)
    except (ValueError, OSError):  # its run folder was deleted or damaged
        return time.time() - started > LOST_GRACE_S
    if record.is_active:
        return False
    if record.error == runs.LOST_WORKER:
        return True
    finished = runs.parse_iso(record.finished_at) or started
    return time.time() - finished > LOST_GRACE_S


def recover_lost_trials(study: optuna.Study, artifacts: str | os.PathLike | None = None) -> list[int]:
    """Fails the running trials whose worker is gone and enqueues each once more; returns their
    numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)  # PostgreSQL: no heartbeat for the grace period
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if not _trial_lost(trial, artifacts):
            continue
        try:
            study.tell(trial.number, state=TrialState.FAIL)
        except (ValueError, RuntimeError):  # another worker failed it first
            continue
        failed = next(t for t in study.get_trials(deepcopy=False) if t.number == trial.number)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ExperimentalWarning)
            optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY)(study, failed)
        recovered.append(trial.number)
    return recovered


def is_surplus(study: optuna.Study, number: int, wanted: int) -> bool:
    """Whether the trials numbered below ``number`` already make the sweep's count: two workers
    that both saw one trial missing asked one each, and the higher number gives way. Trial
    numbers are handed out by the storage, so every worker reaches the same verdict."""
    earlier = study.get_trials(
        deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
    )
    return sum(trial.number < number for trial in earlier) >= wanted


def _counts(study: optuna.Study) -> dict[str, int]:
    trials = study.get_trials(deepcopy=False)
    retried = {number for trial in trials for number in trial.system_attrs.get("retry_history", [])}
    counts = {state: 0 for state in ("done", "running", "waiting", "failed")}
    for trial in trials:
        if trial.state in (TrialState.COMPLETE, TrialState.PRUNED):
            counts["done"] += 1
        elif trial.state == TrialState.RUNNING:
            counts["running"] += 1
        elif trial.state == TrialState.WAITING:
            counts["waiting"] += 1
        elif (
            trial.state == TrialState.FAIL
            and trial.number not in retried
            and not trial.user_attrs.get(SURPLUS)
        ):
            counts["failed"] += 1
    return counts


def _next_step(spec: SweepSpec, study: optuna.Study) -> str:
    """``done``, ``wait`` (other workers hold the remaining trials) or ``train``."""
    counts = _counts(study)
    if counts["done"] >= spec.trials:
        return "done"
    if counts["failed"] >= spec.trials:
        raise SweepStorageError("error.sweep.all_failed", name=repr(spec.name), failed=counts["failed"])
    if counts["done"] + counts["running"] >= spec.trials and not counts["waiting"]:
        return "wait"
    return "train"


def _train_one(
    spec: SweepSpec, storage: optuna.storages.BaseStorage, artifacts: str | os.PathLike | None
) -> int | None:
    """Runs one trial through ``Study.optimize`` (which also heartbeats on PostgreSQL); returns
    its number."""
    study = load_study_from(spec, storage, root=artifacts)
    study = load_study_from(spec, storage, offset=len(study.trials), root=artifacts)
    flag = stop_flag(spec.name, artifacts)
    numbers: list[int] = []

    def objective(trial: optuna.Trial) -> float:
        numbers.append(trial.number)
        if is_surplus(study, trial.number, spec.trials):
            trial.set_user_attr(SURPLUS, True)
            raise TrialFailed(f"trial {trial.number} is beyond the sweep's {spec.trials} trials")
        return run_trial(trial, spec, flag, artifacts)

    try:
        study.optimize(objective, n_trials=1, catch=(TrialFailed,), gc_after_trial=False)
    except ValueError:
        # Told already: another worker took this trial for lost (e.g. a long pause of this one).
        trial = next(
            (t for t in study.get_trials(deepcopy=False) if numbers and t.number == numbers[0]), None
        )
        if trial is None or trial.state == TrialState.RUNNING:
            raise
    surplus = any(t.user_attrs.get(SURPLUS) for t in study.get_trials(deepcopy=False) if t.number in numbers)
    return None if surplus or not numbers else numbers[0]


def _wait_for_lock(spec: SweepSpec, artifacts: str | os.PathLike | None) -> IO[bytes] | None:
    """This machine's training lock, or None when the sweep was stopped meanwhile."""
    while not stop_flag(spec.name, artifacts).exists():
        with contextlib.suppress(TrainingBusyError):
            return acquire_training_lock(artifacts)
        time.sleep(WAIT_S)
    return None


def work(
    name: str,
    artifacts: str | os.PathLike | None = None,
    storage_url: str | None = None,
    on_trial: Callable[[TrialRow], None] | None = None,
) -> None:
    """Works on sweep ``name`` until it has its trials complete or pruned, or is stopped.

    Args:
        name: the sweep.
        artifacts: the artifacts root.
        storage_url: the PostgreSQL URL with its password (PostgreSQL sweeps); None for the
            journal file, or for the URL in ``sweep.json`` when the server needs no password.
        on_trial: called with each trial this worker finished.

    Raises:
        ValueError: no such sweep.
        RuntimeError: the storage cannot be read, or every trial fails.
    """
    spec = load_sweep(name, artifacts)
    storage = open_storage(name, artifacts, storage_url or spec.storage)
    with registered_worker(name, artifacts):
        while not stop_flag(name, artifacts).exists():
            study = load_study_from(spec, storage, root=artifacts)
            recover_lost_trials(study, artifacts)
            step = _next_step(spec, study)
            if step == "done":
                return
            if step == "wait":
                time.sleep(WAIT_S)
                continue
            lock = _wait_for_lock(spec, artifacts)
            if lock is None:
                return
            try:
                if _next_step(spec, load_study_from(spec, storage, root=artifacts)) != "train":
                    continue
                number = _train_one(spec, storage, artifacts)
            finally:
                lock.close()
            if on_trial and number is not None:
                trials = load_study_from(spec, storage, root=artifacts).get_trials(deepcopy=False)
                trial = next(trial for trial in trials if trial.number == number)
                on_trial(trial_row(trial, artifacts))
