"""What a sweep searches: its search space (``Param``) and its settings (``SweepSpec``).

A search space lists only the hyperparameters that vary; a hyperparameter given one value is
``fixed``, and every other one keeps the model's registry default. Ranges are checked against the
registry's limits (``models.HYPERPARAMETERS``), so every sampled value trains.

``batch_size`` is a whole number like ``epochs``: a range ``32:512`` samples any integer in it
(``32:512:log`` spreads the samples evenly over the orders of magnitude), and a list
``32,64,128`` samples only those values (the usual choice, and the one the grid sampler needs).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from fmnist_core.models import HYPERPARAMETERS, get_model_spec
from fmnist_core.training.config import SEED_RANGE, TRAIN_SAMPLES_RANGE, check_whole_number

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SAMPLERS = ("tpe", "random", "grid")
KINDS = ("float", "int", "categorical")
MAX_TRIALS = 10_000
MAX_GRID_POINTS_PER_RANGE = 100  # an int range the grid sampler expands into its values


@dataclass(frozen=True)
class Param:
    """One varied hyperparameter: a float or int range (``low`` to ``high``, both included,
    sampled uniformly or on a log scale), or a list of ``choices``."""

    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()

    def grid_values(self) -> list[Any]:
        """The values a grid sampler tries; ValueError for a continuous range."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int" and not self.log and self.high - self.low < MAX_GRID_POINTS_PER_RANGE:
            return list(range(int(self.low), int(self.high) + 1))
        raise ValueError(
            f"the grid sampler cannot search the range {self.low}:{self.high}"
            f"{':log' if self.log else ''}; give a list of values instead (e.g. 0.001,0.01,0.1)."
        )


def _kind_of(key: str) -> type:
    if key not in HYPERPARAMETERS:
        raise ValueError(f"Unknown hyperparameter {key!r}; a sweep can vary: {', '.join(HYPERPARAMETERS)}.")
    return HYPERPARAMETERS[key][2]


def _number(key: str, text: str, kind: type) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{key}: {text!r} is not a number.") from None
    if kind is int:
        if not value.is_integer():
            raise ValueError(f"{key} takes whole numbers, got {text!r}.")
        return int(value)
    return value


def parse_param(text: str) -> tuple[str, Param]:
    """Parses one ``--param``: ``KEY=LOW:HIGH``, ``KEY=LOW:HIGH:log`` or ``KEY=V1,V2,...``.

    The kind follows the registry: ``epochs`` and ``batch_size`` are ``int``, the others
    ``float``; a list is ``categorical``. A single value (``KEY=V``) is a one-choice list, which
    ``split_space`` turns into a fixed hyperparameter. Limits are checked by ``SweepSpec.validate``.

    Raises:
        ValueError: malformed text, an unknown hyperparameter or a value that is not a number.
    """
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key or not value.strip():
        raise ValueError(
            f"--param {text!r} is not KEY=LOW:HIGH, KEY=LOW:HIGH:log or KEY=V1,V2 "
            "(e.g. learning_rate=0.0001:0.1:log)."
        )
    kind = _kind_of(key)
    parts = [part.strip() for part in value.split(":")]
    if len(parts) == 1:
        choices = tuple(_number(key, item.strip(), kind) for item in value.split(","))
        return key, Param("categorical", choices=choices)
    log = len(parts) == 3 and parts[2].lower() == "log"
    if len(parts) > 3 or (len(parts) == 3 and not log):
        raise ValueError(f"--param {text!r}: a range is LOW:HIGH or LOW:HIGH:log.")
    low, high = (_number(key, part, kind) for part in parts[:2])
    return key, Param("int" if kind is int else "float", low, high, log)


def split_space(params: list[tuple[str, Param]]) -> tuple[dict[str, Param], dict[str, Any]]:
    """Splits parsed ``--param`` values into the search space and the fixed hyperparameters.

    Raises:
        ValueError: a hyperparameter given twice.
    """
    space: dict[str, Param] = {}
    fixed: dict[str, Any] = {}
    for key, param in params:
        if key in space or key in fixed:
            raise ValueError(f"--param {key} is given twice; give it once.")
        if param.kind == "categorical" and len(set(param.choices)) == 1:
            fixed[key] = param.choices[0]
        else:
            space[key] = param
    return space, fixed


def check_param(key: str, param: Param) -> None:
    """Raises ValueError when ``param`` is empty, inverted or outside the registry's limits."""
    _kind_of(key)
    limit_low, limit_high, kind, _ = HYPERPARAMETERS[key]
    if param.kind not in KINDS:
        raise ValueError(f"{key}: unknown kind {param.kind!r}; expected one of {', '.join(KINDS)}.")
    values = param.choices if param.kind == "categorical" else (param.low, param.high)
    if not values:
        raise ValueError(f"{key}: the list of values is empty; give at least one value.")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{key}: {value!r} is not a number.")
        if not limit_low <= value <= limit_high:
            raise ValueError(
                f"{key}: {value} is outside the allowed range {limit_low} to {limit_high}; "
                "choose values within it."
            )
        if kind is int and value != int(value):
            raise ValueError(f"{key} takes whole numbers, got {value}.")
    if param.kind == "categorical":
        return
    if param.low >= param.high:
        raise ValueError(
            f"{key}: the range {param.low}:{param.high} is empty or inverted; LOW must be below "
            f"HIGH (e.g. {key}={param.high}:{param.low})."
            if param.low > param.high
            else f"{key}: the range {param.low}:{param.high} is empty; give LOW below HIGH, or a "
            f"single value {key}={param.low} to fix it."
        )
    if param.log and param.low <= 0:
        raise ValueError(f"{key}: a log range must start above 0, got {param.low}; drop ':log' or raise LOW.")


@dataclass(frozen=True)
class SweepSpec:
    """A sweep as stored in ``sweep.json``: the model, the search space and how to search it.

    ``storage`` is the Optuna storage URL without its password (None: the journal file in the
    sweep's folder). Every trial trains with the same ``seed``, so trials differ only by their
    hyperparameters.
    """

    name: str
    model: str
    trials: int
    space: dict[str, Param] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    epochs: int | None = None
    train_samples: int | None = None
    sampler: str = "tpe"
    prune: bool = True
    seed: int = 0
    storage: str | None = None
    created_at: str = ""

    def validate(self) -> SweepSpec:
        """Returns the spec unchanged; raises ValueError naming the first problem and its fix."""
        check_sweep_name(self.name)
        model = get_model_spec(self.model)
        for key in (*self.space, *self.fixed):
            if key not in model.hyperparameters:
                raise ValueError(
                    f"{self.model} does not take {key}; it accepts: {', '.join(model.hyperparameters)}."
                )
        for key, param in self.space.items():
            check_param(key, param)
        for key, value in self.fixed.items():
            check_param(key, Param("categorical", choices=(value,)))
        if (
            isinstance(self.trials, bool)
            or not isinstance(self.trials, int)
            or not 1 <= self.trials <= MAX_TRIALS
        ):
            raise ValueError(f"trials must be a whole number from 1 to {MAX_TRIALS}, got {self.trials!r}.")
        if self.epochs is not None and "epochs" in (*self.space, *self.fixed):
            raise ValueError("epochs is given both as --epochs and as --param; give it once.")
        if self.epochs is not None:
            check_param("epochs", Param("categorical", choices=(self.epochs,)))
        if self.train_samples is not None:
            check_whole_number("train_samples", self.train_samples, TRAIN_SAMPLES_RANGE)
        check_whole_number("seed", self.seed, SEED_RANGE)
        self._check_validation_split(model.defaults)
        self._check_sampler()
        return self

    def _check_validation_split(self, defaults: dict[str, Any]) -> None:
        split = self.space.get("validation_split")
        lowest = (
            min(split.choices or (split.low,))
            if split
            else self.fixed.get("validation_split", defaults.get("validation_split"))
        )
        if not lowest:
            raise ValueError(
                f"trials are scored on validation accuracy, but validation_split can be {lowest}; "
                "give validation_split above 0 (e.g. --param validation_split=0.1)."
            )

    def _check_sampler(self) -> None:
        if self.sampler not in SAMPLERS:
            raise ValueError(f"Unknown sampler {self.sampler!r}; choose one of {', '.join(SAMPLERS)}.")
        if self.sampler != "grid":
            return
        points = math.prod(len(param.grid_values()) for param in self.space.values())
        if self.trials > points:
            raise ValueError(
                f"the grid has {points} combinations but {self.trials} trials were asked; "
                f"use --trials {points} or fewer, or add values."
            )

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["space"] = {
            key: {**asdict(param), "choices": list(param.choices)} for key, param in self.space.items()
        }
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SweepSpec:
        """The spec stored in ``sweep.json``; raises ValueError when it is not one."""
        try:
            space = {
                key: Param(**{**param, "choices": tuple(param.get("choices", ()))})
                for key, param in values.get("space", {}).items()
            }
            return cls(**{**values, "space": space})
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"not a sweep description ({exc})") from None


def check_sweep_name(name: str) -> str:
    """Returns ``name`` when it is a safe folder name; ValueError otherwise."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"{name!r} is not a valid sweep name: use 1-64 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit (e.g. mlp-lr)."
        )
    return name
