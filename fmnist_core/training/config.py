"""What a run trains: its settings (``TrainingConfig``) and its images (``TrainingData``).

The ranges of the settings that every model shares are defined here, once; the Train page and the
command line read them from here. The tunable hyperparameters' ranges live in the model registry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models import COMMON_HYPERPARAMETERS, check_hyperparameter, get_model_spec

SEED_RANGE = (0, 2**31 - 1)  # what NumPy, TensorFlow and scikit-learn all accept as a seed
PATIENCE_RANGE = (0, 100)  # epochs without a better validation loss; 0 switches early stopping off
TRAIN_SAMPLES_RANGE = (100, NUM_TRAIN_IMAGES)  # from a quick look to the whole training set


def check_whole_number(name: str, value: Any, bounds: tuple[int, int]) -> None:
    """Raises ValueError unless ``value`` is an int within ``bounds`` (both ends included)."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number between {low} and {high}, got {value!r}.")


@dataclass(frozen=True)
class TrainingConfig:
    """Every setting of a run; stored in ``run.json`` so a run can be re-created from it.

    Hyperparameters that the model does not accept are ``None``.
    """

    model: str
    epochs: int | None = None
    batch_size: int | None = None
    dropout: float | None = None
    learning_rate: float | None = None
    validation_split: float | None = None
    seed: int = 0
    patience: int = 0  # early stopping on validation loss; 0 switches it off
    train_samples: int | None = None  # use only the first N training images (quick runs, tests)

    @classmethod
    def for_model(cls, model: str, **overrides: Any) -> TrainingConfig:
        """The model's registry defaults with ``overrides`` applied and validated.

        Raises:
            ValueError: unknown model, a hyperparameter the model does not take, or out of range.
        """
        spec = get_model_spec(model)
        given = {key: value for key, value in overrides.items() if value is not None}
        for key in given:
            if key not in spec.defaults and key not in COMMON_HYPERPARAMETERS:
                accepted = ", ".join(spec.hyperparameters)
                raise ValueError(f"{model} does not take {key}; it accepts: {accepted}.")
        config = cls(model=model, **{**spec.defaults, **given})
        config.validate()
        return config

    def validate(self) -> None:
        """Raises ValueError naming the first setting outside its range."""
        spec = get_model_spec(self.model)
        for key in spec.defaults:
            check_hyperparameter(key, getattr(self, key))
        check_whole_number("seed", self.seed, SEED_RANGE)
        check_whole_number("patience", self.patience, PATIENCE_RANGE)
        if self.train_samples is not None:
            check_whole_number("train_samples", self.train_samples, TRAIN_SAMPLES_RANGE)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainingConfig:
        """The config stored in a ``run.json``; keys it does not know (from other versions) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in known})


@dataclass(frozen=True)
class TrainingData:
    """The training and validation split (uint8 images, as in the dataset) plus the test set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
