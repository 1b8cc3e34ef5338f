"""Hyperparameter sweeps on Optuna: every trial is an ordinary run.

A sweep (``SweepSpec``) names a model, the hyperparameters to vary (``Param``) and how many
trials to run; ``create_sweep`` stores it under ``<artifacts>/sweeps/<name>/`` with its Optuna
study, ``work`` trains trials until it is done (``launch_sweep_worker`` starts it as a separate
process), ``sweep_status`` and ``param_importances`` say how it went. Importing this package does
not import TensorFlow.
"""

from fmnist_core.sweeps.control import (
    clear_stop,
    launch_sweep_worker,
    resume_sweep,
    stop_sweep,
    worker_active,
)
from fmnist_core.sweeps.folders import (
    DamagedSweep,
    create_sweep,
    list_damaged_sweeps,
    list_sweeps,
    load_sweep,
)
from fmnist_core.sweeps.space import Param, parse_param, split_space
from fmnist_core.sweeps.spec import NAME_PATTERN, SAMPLERS, SweepSpec
from fmnist_core.sweeps.status import SweepStatus, TrialRow, param_importances, sweep_status
from fmnist_core.sweeps.storage import redact_url, sweep_dir
from fmnist_core.sweeps.worker import work
from fmnist_core.training import MACHINE_LOCK_ENV

__all__ = [
    "MACHINE_LOCK_ENV",
    "NAME_PATTERN",
    "SAMPLERS",
    "DamagedSweep",
    "Param",
    "SweepSpec",
    "SweepStatus",
    "TrialRow",
    "clear_stop",
    "create_sweep",
    "launch_sweep_worker",
    "list_damaged_sweeps",
    "list_sweeps",
    "load_sweep",
    "param_importances",
    "parse_param",
    "redact_url",
    "resume_sweep",
    "split_space",
    "stop_sweep",
    "sweep_dir",
    "sweep_status",
    "work",
    "worker_active",
]
