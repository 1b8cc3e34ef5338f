"""Training: a run's settings, the worker that trains it, its back ends, and the launcher.

``run_worker`` is what both ``python -m fmnist_core train`` (in the foreground) and the app
(through ``launch_training``, in a separate OS process) execute; it writes everything into the run
folder. Importing this package does not import TensorFlow or scikit-learn: the worker imports the
back end of a run's model family when that run trains.
"""

from fmnist_core.training.config import (
    PATIENCE_RANGE,
    SEED_RANGE,
    TRAIN_SAMPLES_RANGE,
    TrainingConfig,
    TrainingData,
)
from fmnist_core.training.launcher import (
    MACHINE_LOCK_ENV,
    TrainingBusyError,
    acquire_training_lock,
    launch_queue,
    launch_training,
)
from fmnist_core.training.reporting import EpochLogger
from fmnist_core.training.worker import TrainingFailed, run_worker, split_data

__all__ = [
    "MACHINE_LOCK_ENV",
    "PATIENCE_RANGE",
    "SEED_RANGE",
    "TRAIN_SAMPLES_RANGE",
    "EpochLogger",
    "TrainingBusyError",
    "TrainingConfig",
    "TrainingData",
    "TrainingFailed",
    "acquire_training_lock",
    "launch_queue",
    "launch_training",
    "run_worker",
    "split_data",
]
