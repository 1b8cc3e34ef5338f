"""The model registry's machinery: the tunable hyperparameters, the Keras models' shared defaults,
``ModelSpec`` and registration, lookup and building. The models themselves are registered in
``fmnist_core.models.models`` and the modules it imports (``fast_cnns``, ``sklearn_models``); it
re-exports all of this: import from there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fmnist_core.words import CodedError, Word, english

# name -> (minimum, maximum, kind, help text shown in the app: English here, ``model.help.<name>``
# in the words for the app's other languages)
HYPERPARAMETERS: dict[str, tuple[float, float, type, str]] = {
    "epochs": (1, 300, int, english("model.help.epochs")),
    "batch_size": (1, 4096, int, english("model.help.batch_size")),
    "dropout": (0.0, 0.9, float, english("model.help.dropout")),
    "learning_rate": (1e-6, 10.0, float, english("model.help.learning_rate")),
    "validation_split": (0.0, 0.5, float, english("model.help.validation_split")),
    "label_smoothing": (0.0, 0.5, float, english("model.help.label_smoothing")),
    "plateau_patience": (0, 50, int, english("model.help.plateau_patience")),
}
# name -> (the values it takes, help text shown in the app)
CHOICE_HYPERPARAMETERS: dict[str, tuple[tuple[str, ...], str]] = {
    "optimizer": (("adam", "sgd_momentum", "rmsprop"), english("model.help.optimizer")),
    "augmentation": (("none", "shift_flip_zoom", "drawing"), english("model.help.augmentation")),
}
COMMON_HYPERPARAMETERS = ("seed", "patience", "train_samples")
# The Keras models' defaults, as in the tutorials.
KERAS_DEFAULTS = {
    "epochs": 10,
    "batch_size": 32,
    "learning_rate": 1e-3,
    "validation_split": 0.1,
    # the improvements the tutorials suggest, off by default
    "optimizer": "adam",
    "label_smoothing": 0.0,
    "plateau_patience": 0,
    "augmentation": "none",
}
# A one-cycle schedule sets the learning rate of every step, so reducing it on a plateau does not apply.
ONE_CYCLE_DEFAULTS = {key: value for key, value in KERAS_DEFAULTS.items() if key != "plateau_patience"}
# "constant": the learning rate as set. "one_cycle": linear warm-up from learning_rate / 25 to
# learning_rate over the first 30% of the steps, then cosine decay to zero at the last step.
LEARNING_RATE_SCHEDULES = ("constant", "one_cycle")


class SettingError(CodedError, ValueError):
    """A setting the registry refuses: an unknown model, or a value outside its range or choices."""


def setting_word(name: str) -> Word:
    """A setting's name as it reads in an error (``epochs`` in English)."""
    return Word(f"error.run.setting.{name}")


@dataclass(frozen=True)
class ModelSpec:
    """One registered model variant."""

    name: str
    family: str  # "keras" or "sklearn"
    build: Callable[..., Any]
    defaults: dict[str, Any] = field(default_factory=dict)
    num_params: int | None = None  # trainable + non-trainable, as model.count_params()
    schedule: str = "constant"  # learning-rate schedule over the run (see LEARNING_RATE_SCHEDULES)
    threads: int = 0  # TensorFlow threads for training; 0 = all cores (a performance hint)
    listed: bool = True  # offered on the Train page; False: only a tutorial recipe trains it

    @property
    def description(self) -> str:
        """What the model is, in English (the app says ``model.<name>`` in its language)."""
        return english(self.description_key)

    @property
    def description_key(self) -> str:
        return f"model.{self.name}"

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """The tunable hyperparameters this model accepts (from HYPERPARAMETERS and
        CHOICE_HYPERPARAMETERS)."""
        return tuple(self.defaults)


REGISTRY: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    family: str,
    num_params: int | None = None,
    *,
    schedule: str = "constant",
    threads: int = 0,
    listed: bool = True,
    **defaults: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``build`` under ``name`` with its default hyperparameters (its
    description is the words' ``model.<name>``)."""

    def decorator(build: Callable[..., Any]) -> Callable[..., Any]:
        unknown = set(defaults) - set(HYPERPARAMETERS) - set(CHOICE_HYPERPARAMETERS)
        if unknown:
            raise ValueError(f"{name}: unknown hyperparameters {sorted(unknown)}")
        if schedule not in LEARNING_RATE_SCHEDULES:
            raise ValueError(f"{name}: unknown schedule {schedule!r}; known: {LEARNING_RATE_SCHEDULES}")
        REGISTRY[name] = ModelSpec(name, family, build, dict(defaults), num_params, schedule, threads, listed)
        return build

    return decorator


def list_models() -> list[str]:
    """Names of the models offered for training, in registration order (without the models that
    only a tutorial recipe trains)."""
    return [name for name, spec in REGISTRY.items() if spec.listed]


def get_model_spec(name: str) -> ModelSpec:
    """Looks up a model; unknown names raise ValueError listing the known ones."""
    if name not in REGISTRY:
        raise SettingError("error.run.unknown_model", model=name, known=", ".join(REGISTRY))
    return REGISTRY[name]


def check_hyperparameter(name: str, value: Any) -> Any:
    """Validates one hyperparameter against its range or its values; returns it converted to its kind."""
    if name in CHOICE_HYPERPARAMETERS:
        choices = CHOICE_HYPERPARAMETERS[name][0]
        if value not in choices:
            raise SettingError(
                "error.run.choice", name=setting_word(name), choices=", ".join(choices), value=value
            )
        return value
    low, high, kind, _ = HYPERPARAMETERS[name]
    bounds = {"name": setting_word(name), "low": low, "high": high, "value": value}
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SettingError("error.run.not_a_number", **bounds)
    if kind is int and value != int(value):
        raise SettingError("error.run.not_whole", **bounds)
    if not low <= value <= high:
        raise SettingError("error.run.out_of_range", **bounds)
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
