"""The classic Fashion-MNIST tutorials as recipes: each one's exact settings, its code as published,
the figure its author reported, and what our run does where the registry's model differs.

A recipe is a ``TrainingConfig`` (``recipe_config``) plus the facts a reader needs to compare our
result with the published one. Runs of a recipe are ordinary runs whose config names the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fmnist_core import words
from fmnist_core.recipes import recipe_code
from fmnist_core.training.config import TrainingConfig

TF_TUTORIAL = "https://www.tensorflow.org/tutorials/keras/classification"
# The recipes' texts are words (fmnist_core/words_en.toml, [recipe]), so the app can say them in
# the user's language; the command line prints the English.
COMPARISON_KEY = "recipe.source_comparison"
LAST_ROWS_KEY = "recipe.note_last_rows"
COMPARISON = words.english(COMPARISON_KEY)
LAST_ROWS = words.english(LAST_ROWS_KEY)


@dataclass(frozen=True)
class Reported:
    """The figure a tutorial published: ``value`` on ``split`` ("test" or "validation"), and
    ``text`` as it reads there (the words' ``text_key``). ``value`` is None when the tutorial
    printed no number to compare."""

    split: str
    text_key: str
    value: float | None = None
    is_target: bool = False  # a goal set here, not a figure someone measured
    within_seconds: float | None = None  # a target's time budget (the card draws it on the curve)

    @property
    def text(self) -> str:
        return self.text_in()

    def text_in(self, t: words.Text = words.english) -> str:
        return t(self.text_key)

    @property
    def short(self) -> str:
        """The figure for a table cell: ``0.8799``, ``at least 0.930 (target)``, ``none published``."""
        return self.short_in()

    def short_in(self, t: words.Text = words.english) -> str:
        if self.value is None:
            return t("recipe.none_published")
        return t("recipe.at_least_target", value=self.value) if self.is_target else f"{self.value:g}"


@dataclass(frozen=True)
class Recipe:
    """One tutorial's recipe.

    Attributes:
        name: the command-line name (``tf-basic``).
        settings: ``TrainingConfig.for_model`` keyword arguments, ``model`` included.
        code: the tutorial's code, shortened to the lines that decide the result.
        reported: the published figure.
        note_keys: the words of what this recipe runs where it differs from the registry model or
            the tutorial.
        source_key: the words naming who wrote it (default ``recipe.<name>.source``), as link
            text; ``link`` its address when it has a stable one.

    Its texts are words under ``recipe.<name>``: ``title`` (how the page heads its card), ``source``
    and ``differs_because`` (why our mean may miss the published figure by more than the seed
    spread; absent when it cannot). The properties give them in English, the ``*_in`` methods in
    the language of ``t``.
    """

    name: str
    settings: dict[str, Any]
    code: str
    reported: Reported
    note_keys: tuple[str, ...] = ()
    source_key: str | None = None
    link: str | None = None

    @property
    def model(self) -> str:
        return self.settings["model"]

    def title_in(self, t: words.Text = words.english) -> str:
        return t(f"recipe.{self.name}.title")

    def source_in(self, t: words.Text = words.english) -> str:
        return t(self.source_key or f"recipe.{self.name}.source")

    def notes_in(self, t: words.Text = words.english) -> tuple[str, ...]:
        return tuple(t(key) for key in self.note_keys)

    def differs_because_in(self, t: words.Text = words.english) -> str:
        key = f"recipe.{self.name}.differs_because"
        return t(key) if key in words.english_words() else ""

    @property
    def title(self) -> str:
        return self.title_in()

    @property
    def source(self) -> str:
        return self.source_in()

    @property
    def notes(self) -> tuple[str, ...]:
        return self.notes_in()

    @property
    def differs_because(self) -> str:
        return self.differs_because_in()


KERAS_FIT = {"optimizer": "adam", "loss": "sparse", "epochs": 10, "batch_size": 32}

RECIPES: tuple[Recipe, ...] = (
    Recipe(
        name="tf-basic",
        link=TF_TUTORIAL,
        settings={"model": "mlp", **KERAS_FIT, "loss": "logits", "validation_split": 0.0},
        code=recipe_code.TF_BASIC,
        reported=Reported("test", "recipe.tf-basic.reported", 0.8799),
        note_keys=("recipe.tf-basic.note_1", "recipe.tf-basic.note_2"),
    ),
    Recipe(
        name="softmax-logits-mistake",
        settings={"model": "mlp_softmax", **KERAS_FIT, "loss": "softmax_as_logits", "validation_split": 0.0},
        code=recipe_code.SOFTMAX_LOGITS_MISTAKE,
        reported=Reported("test", "recipe.softmax-logits-mistake.reported", 0.8863),
        note_keys=("recipe.softmax-logits-mistake.note_1",),
    ),
    Recipe(
        name="no-hidden",
        settings={"model": "softmax", **KERAS_FIT, "validation_split": 0.0},
        code=recipe_code.NO_HIDDEN,
        reported=Reported("test", "recipe.no-hidden.reported", 0.842),
    ),
    Recipe(
        name="dropout-256-128",
        settings={
            "model": "mlp_dropout",
            "optimizer": "adam",
            "loss": "one_hot",
            "dropout": 0.3,
            "epochs": 10,
            "batch_size": 128,
            "validation_split": 0.2,
        },
        code=recipe_code.DROPOUT_256_128,
        reported=Reported("test", "recipe.dropout-256-128.reported"),
        note_keys=("recipe.dropout-256-128.note_1",),
    ),
    Recipe(
        name="logreg",
        source_key=COMPARISON_KEY,
        settings={"model": "logreg", "input_scaling": "raw", "epochs": 100, "validation_split": 0.0},
        code=recipe_code.LOGREG,
        reported=Reported("test", "recipe.logreg.reported", 0.8412),
        note_keys=("recipe.logreg.note_1", "recipe.logreg.note_2"),
    ),
    Recipe(
        name="sgd",
        source_key=COMPARISON_KEY,
        settings={"model": "sgd_tutorial", "epochs": 300, "validation_split": 0.0},
        code=recipe_code.SGD,
        reported=Reported("test", "recipe.sgd.reported", 0.8277),
        note_keys=("recipe.sgd.note_1",),
    ),
    Recipe(
        name="ann",
        source_key=COMPARISON_KEY,
        settings={
            "model": "softmax",
            **KERAS_FIT,
            "input_scaling": "standardized",
            "optimizer": "rmsprop",
            "learning_rate": 0.001,
            "validation_split": 0.2,
        },
        code=recipe_code.ANN,
        reported=Reported("validation", "recipe.ann.reported"),
        note_keys=("recipe.ann.note_1", "recipe.ann.note_2", LAST_ROWS_KEY),
    ),
    Recipe(
        name="dnn",
        source_key=COMPARISON_KEY,
        settings={"model": "dnn", **KERAS_FIT, "validation_split": 0.2},
        code=recipe_code.DNN,
        reported=Reported("validation", "recipe.dnn.reported"),
        note_keys=(LAST_ROWS_KEY,),
    ),
    Recipe(
        name="cnn",
        source_key=COMPARISON_KEY,
        settings={
            "model": "cnn",
            **KERAS_FIT,
            "epochs": 20,
            "dropout": 0.4,
            "patience": 3,
            "validation_split": 0.2,
        },
        code=recipe_code.CNN,
        reported=Reported("validation", "recipe.cnn.reported", 0.9193),
        note_keys=("recipe.cnn.note_1", LAST_ROWS_KEY),
    ),
    Recipe(
        name="improved",
        settings={
            "model": "cnn_fast_aug",
            "optimizer": "adam",
            "learning_rate": 0.005,  # the one-cycle schedule's peak
            "label_smoothing": 0.1,
            "dropout": 0.1,
            "augmentation": "shift_flip_zoom",
            "patience": 0,
            "epochs": 24,
            "batch_size": 256,
            "validation_split": 0.1,
        },
        code=recipe_code.IMPROVED,
        reported=Reported("test", "recipe.improved.reported", 0.930, is_target=True, within_seconds=300),
        note_keys=("recipe.improved.note_1", "recipe.improved.note_2"),
    ),
)
BY_NAME = {recipe.name: recipe for recipe in RECIPES}


def list_recipes() -> list[str]:
    """The recipe names, in the order the page and the command line show them."""
    return list(BY_NAME)


def get_recipe(name: str) -> Recipe:
    """Looks up a recipe; an unknown name raises ValueError listing the known ones."""
    if name not in BY_NAME:
        raise ValueError(f"Unknown recipe {name!r}. Known recipes: {', '.join(BY_NAME)}.")
    return BY_NAME[name]


def recipe_config(name: str, seed: int = 0) -> TrainingConfig:
    """The run that reproduces recipe ``name`` with ``seed``; its config names the recipe."""
    settings = dict(get_recipe(name).settings)
    model = settings.pop("model")
    return TrainingConfig.for_model(model, **settings, seed=seed, recipe=name)


def matches_recipe(config: dict[str, Any], name: str) -> bool:
    """Whether a stored run config is a full-data run of recipe ``name`` as it is defined now
    (a recipe whose settings were retuned does not count its older runs)."""
    recipe = BY_NAME.get(name)
    if recipe is None or config.get("recipe") != name or config.get("train_samples"):
        return False
    return all(config.get(key) == value for key, value in recipe.settings.items())
