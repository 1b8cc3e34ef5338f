"""One trial as one ordinary run: sample the hyperparameters, create the run, train it in this
process while a monitor thread reports each epoch's validation accuracy to Optuna and stops the
run when the pruner says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import optuna

from fmnist_core.runs import run_summary, runs
from fmnist_core.sweeps.space import Param
from fmnist_core.sweeps.spec import SweepSpec
from fmnist_core.training import TrainingConfig, run_worker
from fmnist_core.training.reporting import every

POLL_S = 0.2


class TrialFailed(RuntimeError):
    """The trial's run failed (its error is in ``run.json``) or could not be set up."""


def suggest_params(trial: optuna.Trial, space: dict[str, Param]) -> dict[str, Any]:
    """Draws the trial's value of every varied hyperparameter from the sweep's sampler."""
    params: dict[str, Any] = {}
    for key, param in space.items():
        if param.kind == "categorical":
            params[key] = trial.suggest_categorical(key, list(param.choices))
        elif param.kind == "int":
            params[key] = trial.suggest_int(key, int(param.low), int(param.high), log=param.log)
        else:
            params[key] = trial.suggest_float(key, float(param.low), float(param.high), log=param.log)
    return params


def trial_config(spec: SweepSpec, params: dict[str, Any]) -> TrainingConfig:
    """The run's settings: registry defaults, then the fixed and the sampled hyperparameters."""
    settings = {**spec.fixed, **params, "seed": spec.seed}
    if spec.epochs is not None:
        settings["epochs"] = spec.epochs
    if spec.train_samples is not None:
        settings["train_samples"] = spec.train_samples
    return TrainingConfig.for_model(spec.model, **settings)


class TrialMonitor:
    """Watches a run's ``history.jsonl`` from a thread: reports every new epoch to the trial,
    and asks the run to stop when the pruner prunes it or the sweep is being stopped."""

    def __init__(self, trial: optuna.Trial, folder: Path, planned_epochs: int, prune: bool, stop_flag: Path):
        self.trial, self.folder, self.planned_epochs = trial, folder, planned_epochs
        self.prune, self.stop_flag = prune, stop_flag
        self.pruned = False
        self._reported = 0
        self._watching = every(POLL_S, self.check, name=f"trial-{trial.number}")

    def __enter__(self) -> TrialMonitor:
        self._watching.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._watching.__exit__(*exc_info)
        self.check(final=True)

    def check(self, final: bool = False) -> None:
        """Reports the epochs not yet reported; prunes only while epochs remain to be trained."""
        history = runs.read_history(self.folder)
        for line in history[self._reported :]:
            self._reported += 1
            if line.get("val_accuracy") is None:
                continue
            epoch = int(line.get("epoch", self._reported))
            self.trial.report(float(line["val_accuracy"]), epoch)
            prunable = self.prune and not final and not self.pruned and epoch < self.planned_epochs
            if prunable and self.trial.should_prune():
                self.pruned = True
                runs.request_stop(self.folder)
        if not final and self.stop_flag.exists() and not runs.stop_requested(self.folder):
            runs.request_stop(self.folder)


def run_trial(
    trial: optuna.Trial, spec: SweepSpec, stop_flag: Path, artifacts: str | os.PathLike | None = None
) -> float:
    """Trains the trial's run; returns its best validation accuracy.

    Raises:
        optuna.TrialPruned: the pruner stopped it (its run is then ``pruned``, with predictions).
        TrialFailed: the run failed, or produced no validation accuracy.
    """
    params = suggest_params(trial, spec.space)
    try:
        config = trial_config(spec, params)
    except ValueError as exc:
        raise TrialFailed(str(exc)) from None
    sweep = {"name": spec.name, "trial": trial.number, "storage": spec.storage}
    folder = runs.create_run(spec.model, config.to_dict(), artifacts, sweep=sweep)
    trial.set_user_attr("run_id", folder.name)
    with TrialMonitor(trial, folder, config.epochs or 1, spec.prune, stop_flag) as monitor:
        record = run_worker(folder)
    if record.status == "failed":
        raise TrialFailed(record.error or "the run failed")
    value = run_summary.best_val_accuracy(runs.read_history(folder))
    if value is None:
        raise TrialFailed("the run recorded no validation accuracy (is validation_split 0?)")
    if monitor.pruned:
        runs.update_run(folder, status="pruned")
        raise optuna.TrialPruned(f"validation accuracy {value:.4f} was below the median of earlier trials")
    if record.status == "stopped":
        trial.set_user_attr("stopped_early", True)
    return value
