"""The model registry's machinery: the tunable hyperparameters, ``ModelSpec`` and registration,
lookup and building. The models themselves are registered in ``fmnist_core.models``, which
re-exports all of this: import from there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# name -> (minimum, maximum, kind, help text shown in the app)
HYPERPARAMETERS: dict[str, tuple[float, float, type, str]] = {
    "epochs": (1, 300, int, "One epoch is one full pass over the training images."),
    "batch_size": (
        1,
        4096,
        int,
        "Images per gradient step. Larger batches are faster per epoch but take fewer steps.",
    ),
    "dropout": (
        0.0,
        0.9,
        float,
        "Fraction of units switched off at random while training, so the network cannot rely on "
        "any single unit: it fights overfitting.",
    ),
    "learning_rate": (
        1e-6,
        10.0,
        float,
        "Step size of the optimiser. Too high and the loss diverges (NaN); too low and it crawls.",
    ),
    "validation_split": (
        0.0,
        0.5,
        float,
        "Fraction of the training images held out (the last ones) to measure generalisation after "
        "every epoch. The test set is never used for training.",
    ),
    "label_smoothing": (
        0.0,
        0.5,
        float,
        "Trains towards 1 - s on the true class and s / 10 spread over all classes instead of a "
        "hard 1: the model stays less over-confident and often generalises a little better.",
    ),
    "plateau_patience": (
        0,
        50,
        int,
        "Halve the learning rate after this many epochs without a better validation loss "
        "(Keras ReduceLROnPlateau); 0 keeps the rate as set.",
    ),
}
# name -> (the values it takes, help text shown in the app)
CHOICE_HYPERPARAMETERS: dict[str, tuple[tuple[str, ...], str]] = {
    "optimizer": (
        ("adam", "sgd_momentum", "rmsprop"),
        "How the gradients move the weights: Adam (the tutorials' choice), SGD with momentum 0.9, "
        "or RMSprop (Keras's default when no optimizer is named).",
    ),
    "augmentation": (
        ("none", "shift_flip_zoom", "drawing"),
        "Random changes to the training images only (never to validation or test images): small "
        "shifts, horizontal flips and zooms; or drawing-like silhouettes and outlines with flips.",
    ),
}
COMMON_HYPERPARAMETERS = ("seed", "patience", "train_samples")
# "constant": the learning rate as set. "one_cycle": linear warm-up from learning_rate / 25 to
# learning_rate over the first 30% of the steps, then cosine decay to zero at the last step.
LEARNING_RATE_SCHEDULES = ("constant", "one_cycle")


@dataclass(frozen=True)
class ModelSpec:
    """One registered model variant."""

    name: str
    family: str  # "keras" or "sklearn"
    description: str
    build: Callable[..., Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    num_params: int | None = None  # trainable + non-trainable, as model.count_params()
    schedule: str = "constant"  # learning-rate schedule over the run (see LEARNING_RATE_SCHEDULES)
    threads: int = 0  # TensorFlow threads for training; 0 = all cores (a performance hint)
    listed: bool = True  # offered on the Train page; False: only a tutorial recipe trains it

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """The tunable hyperparameters this model accepts (from HYPERPARAMETERS and
        CHOICE_HYPERPARAMETERS)."""
        return tuple(self.defaults)


REGISTRY: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    family: str,
    description: str,
    num_params: int | None = None,
    *,
    schedule: str = "constant",
    threads: int = 0,
    listed: bool = True,
    **defaults: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``build`` under ``name`` with its default hyperparameters."""

    def decorator(build: Callable[..., Any]) -> Callable[..., Any]:
        unknown = set(defaults) - set(HYPERPARAMETERS) - set(CHOICE_HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameters {sorted(unknown)}")
        if schedule not in LEARNING_RATE_SCHEDULES:
            raise ValueError(f"{name}: unknown schedule {schedule!r}; known: {LEARNING_RATE_SCHEDULES}")
        REGISTRY[name] = ModelSpec(
            name, family, description, build, dict(defaults), num_params, schedule, threads, listed
        )
        return build

    return decorator


def list_models() -> list[str]:
    """Names of the models offered for training, in registration order (without the models that
    only a tutorial recipe trains)."""
    return [name for name, spec in REGISTRY.items() if spec.listed]


def get_model_spec(name: str) -> ModelSpec:
    """Looks up a model; unknown names raise ValueError listing the known ones."""
    if name not in REGISTRY:
        raise ValueError(f"Unknown model {name!r}. Known models: {', '.join(REGISTRY)}.")
    return REGISTRY[name]


def check_hyperparameter(name: str, value: Any) -> Any:
    """Validates one hyperparameter against its range or its values; returns it converted to its kind."""
    if name in CHOICE_HYPERPARAMETERS:
        choices = CHOICE_HYPERPARAMETERS[name][0]
        if value not in choices:
            raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}.")
        return value
    low, high, kind, _ = HYPERPARAMETERS[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}.")
    if kind is int and value != int(value):
        raise ValueError(f"{name} must be a whole number between {low} and {high}, got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}.")
    return kind(value)


def create_model(name: str, **hyperparameters: Any) -> Any:
    """Builds the (uncompiled) model ``name``.

    Args:
        name: a registered model name.
        **hyperparameters: values overriding the defaults (e.g. ``dropout``, ``seed``); each builder
            receives only those its signature names.
    """
    spec = get_model_spec(name)
    values = {**spec.defaults, "seed": 0, **hyperparameters}
    wanted = inspect.signature(spec.build).parameters
    kwargs = {key: values[key] for key in wanted}
    for key in kwargs.keys() & HYPERPARAMETERS.keys():
        kwargs[key] = check_hyperparameter(key, kwargs[key])
    return spec.build(**kwargs)
