"""A sweep's settings (``SweepSpec``, stored as ``sweep.json``): the model, its search space
(``Param``, see ``space``), the trial budget and how to search it.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from fmnist_core.models.models import get_model_spec
from fmnist_core.sweeps.errors import SweepError
from fmnist_core.sweeps.space import Param, check_param, param_word, parse_param, split_space
from fmnist_core.training.config import SEED_RANGE, TRAIN_SAMPLES_RANGE, check_whole_number

__all__ = ["NAME_PATTERN", "SAMPLERS", "Param", "SweepSpec", "check_sweep_name", "parse_param", "split_space"]

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
SAMPLERS = ("tpe", "random", "grid")
MAX_TRIALS = 10_000


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
                accepted = ", ".join(model.hyperparameters)
                raise SweepError(
                    "error.sweep.not_taken", model=self.model, param=param_word(key), accepted=accepted
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
            raise SweepError("error.sweep.trials", high=MAX_TRIALS, value=repr(self.trials))
        if self.epochs is not None and "epochs" in (*self.space, *self.fixed):
            raise SweepError("error.sweep.epochs_twice")
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
            raise SweepError("error.sweep.no_validation", lowest=lowest)

    def _check_sampler(self) -> None:
        if self.sampler not in SAMPLERS:
            raise SweepError("error.sweep.sampler", sampler=repr(self.sampler), samplers=", ".join(SAMPLERS))
        if self.sampler != "grid":
            return
        points = math.prod(len(param.grid_values()) for param in self.space.values())
        if self.trials > points:
            raise SweepError("error.sweep.grid_too_small", points=points, trials=self.trials)

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
        raise SweepError("error.sweep.bad_name", name=repr(name))
    return name
