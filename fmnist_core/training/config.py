"""What a run trains: its settings (``TrainingConfig``) and its images (``TrainingData``).

The ranges of the settings that every model shares are defined here, once; the Train page and the
command line read them from here. The tunable hyperparameters' ranges live in the model registry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models.models import COMMON_HYPERPARAMETERS, check_hyperparameter, get_model_spec
from fmnist_core.models.registry import SettingError, setting_word

# How a run's loss reads the model's output (Keras). "sparse": the probabilities against integer
# labels. "logits": the network without its final Softmax layer, trained with
# SparseCategoricalCrossentropy(from_logits=True) and saved with it (the TensorFlow tutorial's
# probability model). "softmax_as_logits": a softmax output fed to a from_logits=True loss (a
# mistake seen in the wild, reproduced by its recipe). "one_hot": one-hot labels with
# CategoricalCrossentropy.
LOSSES = ("sparse", "logits", "softmax_as_logits", "one_hot")
# What the model's first layer receives while training. "unit": x / 255 (the app's input).
# "standardized": each pixel scaled to mean 0 and variance 1 over the training images by a Keras
# Normalization layer saved inside the model. "raw": the 0-255 pixels (scikit-learn logreg; saved
# with its weights rescaled so it reads x / 255 with the same predictions).
INPUT_SCALINGS = {"unit": ("keras", "sklearn"), "standardized": ("keras",), "raw": ("sklearn",)}
RECIPE_SETTINGS = ("recipe", "loss", "input_scaling")

SEED_RANGE = (0, 2**31 - 1)  # what NumPy, TensorFlow and scikit-learn all accept as a seed
PATIENCE_RANGE = (0, 100)  # epochs without a better validation loss; 0 switches early stopping off
TRAIN_SAMPLES_RANGE = (100, NUM_TRAIN_IMAGES)  # from a quick look to the whole training set


def check_whole_number(name: str, value: Any, bounds: tuple[int, int]) -> None:
    """Raises SettingError (a ValueError) unless ``value`` is an int within ``bounds`` (both ends included)."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingError("error.run.not_whole", name=setting_word(name), low=low, high=high, value=value)


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
    # the improvements the tutorials suggest (Keras models; see models.py)
    optimizer: str | None = None
    label_smoothing: float | None = None
    plateau_patience: int | None = None
    augmentation: str | None = None
    # set by a tutorial recipe (fmnist_core.recipes.recipes); None: the defaults
    recipe: str | None = None
    loss: str | None = None
    input_scaling: str | None = None

    @classmethod
    def for_model(cls, model: str, **overrides: Any) -> TrainingConfig:
        """The model's registry defaults with ``overrides`` applied and validated.

        Raises:
            ValueError: unknown model, a hyperparameter the model does not take, or out of range.
        """
        spec = get_model_spec(model)
        given = {key: value for key, value in overrides.items() if value is not None}
        for key in given:
            if key not in spec.defaults and key not in (*COMMON_HYPERPARAMETERS, *RECIPE_SETTINGS):
                accepted = ", ".join(spec.hyperparameters)
                raise SettingError("error.run.not_accepted", model=model, name=key, accepted=accepted)
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
        self._check_recipe_settings(spec.family)

    def _check_recipe_settings(self, family: str) -> None:
        if self.recipe is not None and (not isinstance(self.recipe, str) or not self.recipe):
            raise ValueError(f"recipe must be a recipe name, got {self.recipe!r}.")
        if self.loss is not None:
            if family != "keras":
                raise ValueError(f"loss applies to Keras models only, not to {self.model}.")
            if self.loss not in LOSSES:
                raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}.")
        if self.input_scaling is not None:
            families = INPUT_SCALINGS.get(self.input_scaling)
            if families is None:
                raise ValueError(
                    f"input_scaling must be one of {', '.join(INPUT_SCALINGS)}, got {self.input_scaling!r}."
                )
            if family not in families or (self.input_scaling == "raw" and self.model != "logreg"):
                raise ValueError(f"input_scaling {self.input_scaling!r} does not apply to {self.model}.")

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
