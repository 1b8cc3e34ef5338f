"""What a sweep has done so far: one ``TrialRow`` per trial, the sweep's ``SweepStatus`` and the
importance of each varied hyperparameter.

Each trial's numbers come from its run folder (epochs, time, test accuracy), so a trial and its run
always agree. When the study cannot be read (a damaged journal file, a PostgreSQL server out of
reach) the trials are rebuilt from the runs the sweep made, and ``problem`` says why.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from fmnist_core.runs import run_summary, runs
from fmnist_core.sweeps.control import stop_flag, worker_active
from fmnist_core.sweeps.errors import SweepStorageError
from fmnist_core.sweeps.folders import load_sweep
from fmnist_core.sweeps.spec import SweepSpec
from fmnist_core.sweeps.storage import load_study_from, open_storage

TRIAL_STATES = {
    TrialState.COMPLETE: "complete",
    TrialState.PRUNED: "pruned",
    TrialState.FAIL: "failed",
    TrialState.RUNNING: "running",
    TrialState.WAITING: "waiting",
}
RUN_TO_TRIAL_STATE = {
    "finished": "complete",
    "stopped": "complete",
    "pruned": "pruned",
    "failed": "failed",
    "running": "running",
    "queued": "running",
}


@dataclass(frozen=True)
class TrialRow:
    """One trial: its state, sampled hyperparameters, score (the best validation accuracy of its
    run) and the run that trained it."""

    number: int
    state: str
    params: dict[str, Any]
    value: float | None
    run_id: str | None
    epochs_done: int = 0
    seconds: float | None = None
    test_accuracy: float | None = None


@dataclass(frozen=True)
class SweepStatus:
    """A sweep as the page and ``sweep show`` see it."""

    spec: SweepSpec
    trials: list[TrialRow]
    stopped: bool
    done: bool
    active: bool
    best: TrialRow | None
    problem: str | None = None  # why the study cannot be read, in English (``problem_error`` coded)
    problem_error: BaseException | None = None


def _run_seconds(record: runs.RunRecord) -> float | None:
    start = runs.parse_iso(record.started_at)
    if start is None:
        return None
    end = runs.parse_iso(record.finished_at) or (time.time() if record.is_active else None)
    return None if end is None else round(end - start, 1)


def _row(
    number: int, state: str, params: dict, value: float | None, run_id: str | None, root: Any
) -> TrialRow:
    if not run_id:
        return TrialRow(number, state, params, value, None)
    folder = runs.runs_dir(root) / run_id
    try:
        record = runs.read_run(folder)
    except (ValueError, OSError):  # deleted or damaged: the trial keeps Optuna's numbers
        return TrialRow(number, state, params, value, run_id)
    history = runs.read_history(folder)
    best = run_summary.best_val_accuracy(history)
    trained = sum(line.get("seconds", 0.0) for line in history)
    seconds = round(trained, 1) if history and not record.is_active else _run_seconds(record)
    return TrialRow(
        number,
        state,
        params,
        best if best is not None else value,
        run_id,
        len(history),
        seconds,
        record.test_accuracy,
    )


def trial_row(trial: FrozenTrial, artifacts: str | os.PathLike | None = None) -> TrialRow:
    """The row of an Optuna trial, with the numbers of its run."""
    value = trial.value if trial.state == TrialState.COMPLETE else None
    if value is None and trial.intermediate_values:
        value = max(trial.intermediate_values.values())
    state = TRIAL_STATES.get(trial.state, "failed")
    run_id = None if state == "waiting" else trial.user_attrs.get("run_id")  # a retry's old run
    return _row(trial.number, state, dict(trial.params), value, run_id, artifacts)


def rows_from_runs(spec: SweepSpec, artifacts: str | os.PathLike | None = None) -> list[TrialRow]:
    """The trials as the sweep's runs record them (when the study cannot be read)."""
    rows = []
    for record in runs.list_runs(artifacts):
        sweep = record.extra.get("sweep")
        if not isinstance(sweep, dict) or sweep.get("name") != spec.name:
            continue
        params = {key: record.config.get(key) for key in spec.space}
        state = RUN_TO_TRIAL_STATE.get(record.status, "failed")
        rows.append(_row(int(sweep.get("trial", -1)), state, params, None, record.id, artifacts))
    return sorted(rows, key=lambda row: row.number)


def sweep_status(
    name: str, artifacts: str | os.PathLike | None = None, storage_url: str | None = None
) -> SweepStatus:
    """The sweep's trials and state. A PostgreSQL sweep read without ``storage_url`` connects
    with the URL in ``sweep.json`` (no password: it works when the server trusts this machine or
    ``~/.pgpass`` holds the password); otherwise its trials come from its runs, and ``problem``
    says so.

    Raises:
        ValueError: no such sweep, or its ``sweep.json`` is damaged.
    """
    spec = load_sweep(name, artifacts)
    problem, problem_error = None, None
    try:
        storage = open_storage(name, artifacts, storage_url or spec.storage)
        study = load_study_from(spec, storage, root=artifacts)
        trials = [trial for trial in study.get_trials(deepcopy=False) if not trial.user_attrs.get("surplus")]
        rows = [trial_row(trial, artifacts) for trial in trials]
    except (RuntimeError, ValueError) as exc:
        problem, problem_error = f"{exc} The trials below are read from the sweep's runs.", exc
        rows = rows_from_runs(spec, artifacts)
    counted = sum(row.state in ("complete", "pruned") for row in rows)
    running = any(row.state == "running" for row in rows)
    complete = [row for row in rows if row.state == "complete" and row.value is not None]
    return SweepStatus(
        spec=spec,
        trials=rows,
        stopped=stop_flag(name, artifacts).exists(),
        done=counted >= spec.trials,
        active=worker_active(name, artifacts) or (running and _any_run_alive(rows, artifacts)),
        best=max(complete, key=lambda row: row.value) if complete else None,
        problem=problem,
        problem_error=problem_error,
    )


def _any_run_alive(rows: list[TrialRow], artifacts: str | os.PathLike | None) -> bool:
    for row in rows:
        if row.state == "running" and row.run_id:
            try:
                if runs.refresh_status(runs.runs_dir(artifacts) / row.run_id).is_active:
                    return True
            except (ValueError, OSError):
                continue
    return False


def param_importances(
    name: str, artifacts: str | os.PathLike | None = None, storage_url: str | None = None
) -> dict[str, float]:
    """How much each varied hyperparameter explains the validation accuracy (fANOVA, summing to 1),
    most important first; {} with fewer than 2 complete trials or a single varied hyperparameter.

    Raises:
        RuntimeError: the study cannot be read, or Optuna cannot compute the importances.
    """
    spec = load_sweep(name, artifacts)
    study = load_study_from(spec, open_storage(name, artifacts, storage_url or spec.storage), root=artifacts)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    varied = {key for trial in complete for key in trial.params}
    if len(complete) < 2 or len(varied) < 2:
        return {}
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=spec.seed)
    try:
        return dict(optuna.importance.get_param_importances(study, evaluator=evaluator))
    except (ValueError, RuntimeError) as exc:
        raise SweepStorageError("error.sweep.importances", name=repr(name), reason=str(exc)) from None
