"""What a sweep searches: one ``Param`` per varied hyperparameter, parsed from ``--param`` text
and checked against the model registry's limits (``models.HYPERPARAMETERS``), so every sampled
value trains.

A search space lists only the hyperparameters that vary; a hyperparameter given one value is
``fixed``, and every other one keeps the model's registry default.

``batch_size`` is a whole number like ``epochs``: a range ``32:512`` samples any integer in it
(``32:512:log`` spreads the samples evenly over the orders of magnitude), and a list
``32,64,128`` samples only those values (the usual choice, and the one the grid sampler needs).

A choice hyperparameter (``models.CHOICE_HYPERPARAMETERS``: ``optimizer``, ``augmentation``) takes a
list of its choices, ``optimizer=adam,rmsprop``, searched as a categorical; one choice fixes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fmnist_core.models.models import CHOICE_HYPERPARAMETERS, HYPERPARAMETERS
from fmnist_core.sweeps.errors import SweepError
from fmnist_core.words import Word

KINDS = ("float", "int", "categorical")
MAX_GRID_POINTS_PER_RANGE = 100  # an int range the grid sampler expands into its values


@dataclass(frozen=True)
class Param:
    """One varied hyperparameter: a float or int range (``low`` to ``high``, both included,
    sampled uniformly or on a log scale), or a list of ``choices`` (numbers, or the names of a
    choice hyperparameter such as ``optimizer``)."""

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
        log = ":log" if self.log else ""
        raise SweepError("error.sweep.grid_range", low=self.low, high=self.high, log=log)


def varied_names() -> str:
    """What a sweep can vary, for error messages."""
    return ", ".join((*HYPERPARAMETERS, *CHOICE_HYPERPARAMETERS))


def _kind_of(key: str) -> type:
    """``int`` or ``float`` for a number, ``str`` for a choice hyperparameter."""
    if key in CHOICE_HYPERPARAMETERS:
        return str
    if key not in HYPERPARAMETERS:
        raise ValueError(f"Unknown hyperparameter {key!r}; a sweep can vary: {varied_names()}.")
    return HYPERPARAMETERS[key][2]


def param_word(key: str) -> str:
    """A hyperparameter in an error: its key in English (as the command line spells it), its
    name in another language (``error.sweep.param.*``)."""
    known = key in HYPERPARAMETERS or key in CHOICE_HYPERPARAMETERS
    return Word(f"error.sweep.param.{key}") if known else key


def _allowed(key: str) -> str:
    return ", ".join(CHOICE_HYPERPARAMETERS[key][0])


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

    The kind follows the registry: ``epochs``, ``batch_size`` and ``plateau_patience`` are
    ``int``, the other numbers ``float``; a list is ``categorical``, and the only form a choice
    hyperparameter takes (``optimizer=adam,rmsprop``). A single value (``KEY=V``) is a one-choice
    list, which ``split_space`` turns into a fixed hyperparameter. A value given twice counts once.
    Limits are checked by ``SweepSpec.validate``.

    Raises:
        ValueError: malformed text, an unknown hyperparameter, a value that is not a number, or a
            name that is not one of a choice hyperparameter's choices.
    """
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key or not value.strip():
        raise ValueError(
            f"--param {text!r} is not KEY=LOW:HIGH, KEY=LOW:HIGH:log or KEY=V1,V2 "
            "(e.g. learning_rate=0.0001:0.1:log)."
        )
    kind = _kind_of(key)
    if kind is str:
        if ":" in value:
            raise _not_a_range(key)
        choices = tuple(dict.fromkeys(item.strip() for item in value.split(",")))
        check_param(key, Param("categorical", choices=choices))
        return key, Param("categorical", choices=choices)
    parts = [part.strip() for part in value.split(":")]
    if len(parts) == 1:
        choices = tuple(dict.fromkeys(_number(key, item.strip(), kind) for item in value.split(",")))
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
    if _kind_of(key) is str:
        _check_choices(key, param)
        return
    limit_low, limit_high, kind, _ = HYPERPARAMETERS[key]
    if param.kind not in KINDS:
        raise SweepError(
            "error.sweep.unknown_kind", param=param_word(key), kind=repr(param.kind), kinds=", ".join(KINDS)
        )
    values = param.choices if param.kind == "categorical" else (param.low, param.high)
    if not values:
        raise SweepError("error.sweep.no_values", param=param_word(key))
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise SweepError("error.sweep.not_a_number", param=param_word(key), value=repr(value))
        if not limit_low <= value <= limit_high:
            raise SweepError(
                "error.sweep.outside", param=param_word(key), value=value, low=limit_low, high=limit_high
            )
        if kind is int and value != int(value):
            raise SweepError("error.sweep.whole_numbers", param=param_word(key), value=value)
    if param.kind == "categorical":
        return
    if param.low >= param.high:
        code = "error.sweep.inverted_range" if param.low > param.high else "error.sweep.empty_range"
        raise SweepError(code, param=param_word(key), low=param.low, high=param.high)
    if param.log and param.low <= 0:
        raise SweepError("error.sweep.log_range", param=param_word(key), low=param.low)


def _not_a_range(key: str) -> SweepError:
    example = ",".join(CHOICE_HYPERPARAMETERS[key][0][:2])
    return SweepError(
        "error.sweep.not_a_range", param=param_word(key), example=example, choices=_allowed(key)
    )


def _check_choices(key: str, param: Param) -> None:
    """A choice hyperparameter is searched as a list of its own choices, never as a range."""
    if param.kind != "categorical":
        raise _not_a_range(key)
    if not param.choices:
        raise SweepError("error.sweep.no_choices", param=param_word(key), choices=_allowed(key))
    for value in param.choices:
        if value not in CHOICE_HYPERPARAMETERS[key][0]:
            raise SweepError(
                "error.sweep.not_a_choice", param=param_word(key), value=repr(value), choices=_allowed(key)
            )
