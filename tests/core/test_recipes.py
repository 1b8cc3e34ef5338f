"""The tutorial recipes against issue 15's table: each built model (layer types, units, activations,
parameter count) and its training settings (loss form, optimizer, batch size, epochs, validation)."""

from __future__ import annotations

import pytest

from fmnist_core.models import models
from fmnist_core.recipes import recipes

# The issue's table. Layers: (type, units or filters, activation) after the input.
DENSE_128 = [("Flatten", None, None), ("Dense", 128, "relu")]
EXPECTED_LAYERS = {
    "tf-basic": [*DENSE_128, ("Dense", 10, "linear"), ("Softmax", None, None)],
    "softmax-logits-mistake": [*DENSE_128, ("Dense", 10, "softmax")],
    "no-hidden": [("Flatten", None, None), ("Dense", 10, "softmax")],
    "dropout-256-128": [
        ("Flatten", None, None),
        ("Dense", 256, "relu"),
        ("Dropout", 0.3, None),
        ("Dense", 128, "relu"),
        ("Dense", 10, "softmax"),
    ],
    "ann": [("Flatten", None, None), ("Dense", 10, "softmax")],
    "dnn": [("Flatten", None, None), ("Dense", 100, "sigmoid"), ("Dense", 10, "softmax")],
    "cnn": [
        ("Conv2D", 32, "relu"),
        ("MaxPooling2D", None, None),
        ("Conv2D", 64, "relu"),
        ("MaxPooling2D", None, None),
        ("Flatten", None, None),
        ("Dense", 100, "relu"),
        ("Dropout", 0.4, None),
        ("Dense", 10, "softmax"),
    ],
}
EXPECTED_PARAMS = {
    "tf-basic": 101_770,
    "softmax-logits-mistake": 101_770,
    "no-hidden": 7_850,
    "dropout-256-128": 235_146,
    "ann": 7_850,
    "dnn": 79_510,
    "cnn": 333_526,
    "improved": 247_110,
}
# loss form, optimizer, batch size, epochs, validation split, input scaling, early-stopping patience
KERAS_TRAINING = {
    "tf-basic": ("logits", "adam", 32, 10, 0.0, "unit", 0),
    "softmax-logits-mistake": ("softmax_as_logits", "adam", 32, 10, 0.0, "unit", 0),
    "no-hidden": ("sparse", "adam", 32, 10, 0.0, "unit", 0),
    "dropout-256-128": ("one_hot", "adam", 128, 10, 0.2, "unit", 0),
    "ann": ("sparse", "rmsprop", 32, 10, 0.2, "standardized", 0),
    "dnn": ("sparse", "adam", 32, 10, 0.2, "unit", 0),
    "cnn": ("sparse", "adam", 32, 20, 0.2, "unit", 3),
}


def describe(layer) -> tuple:
    kind = type(layer).__name__
    size = getattr(layer, "units", None) or getattr(layer, "filters", None) or getattr(layer, "rate", None)
    activation = getattr(layer, "activation", None)
    return kind, size, activation.__name__ if activation else None


def test_the_ten_recipes_in_the_issues_order() -> None:
    assert recipes.list_recipes() == [
        "tf-basic",
        "softmax-logits-mistake",
        "no-hidden",
        "dropout-256-128",
        "logreg",
        "sgd",
        "ann",
        "dnn",
        "cnn",
        "improved",
    ]


@pytest.mark.parametrize("name", list(EXPECTED_PARAMS))
def test_keras_recipe_builds_the_tutorials_network(name: str) -> None:
    config = recipes.recipe_config(name)
    model = models.create_model(config.model, dropout=config.dropout or 0.0)
    assert model.count_params() == EXPECTED_PARAMS[name]
    if name in EXPECTED_LAYERS:
        assert [describe(layer) for layer in model.layers] == EXPECTED_LAYERS[name]
    if name == "cnn":
        assert {layer.padding for layer in model.layers if type(layer).__name__ == "Conv2D"} == {"same"}


@pytest.mark.parametrize("name", list(KERAS_TRAINING))
def test_keras_recipe_trains_as_the_tutorial(name: str) -> None:
    config = recipes.recipe_config(name, seed=4)
    loss, optimizer, batch_size, epochs, validation_split, scaling, patience = KERAS_TRAINING[name]
    assert (config.loss or "sparse", config.optimizer) == (loss, optimizer)
    assert (config.batch_size, config.epochs, config.validation_split) == (
        batch_size,
        epochs,
        validation_split,
    )
    assert (config.input_scaling or "unit", config.patience) == (scaling, patience)
    assert (config.learning_rate, config.label_smoothing, config.plateau_patience) == (0.001, 0.0, 0)
    assert config.augmentation == "none" and config.train_samples is None
    assert (config.recipe, config.seed) == (name, 4)


def test_improved_recipe_combines_the_suggestions_on_a_cnn_designed_for_the_cpu() -> None:
    config = recipes.recipe_config("improved")
    model = models.create_model(config.model, dropout=config.dropout)
    assert sum(type(layer).__name__ == "BatchNormalization" for layer in model.layers) == 1
    assert models.get_model_spec(config.model).schedule == "one_cycle" and not config.plateau_patience
    assert config.label_smoothing > 0 and config.optimizer == "adam"
    # without augmentation the same layout overfits (0.928); the card says so
    assert config.augmentation == "shift_flip_zoom"
    assert any("0.928" in note for note in recipes.BY_NAME["improved"].notes)
    assert 0 < config.validation_split < 0.5  # the card's curve is the validation accuracy


def test_logreg_recipe_is_scikit_learns_default_logistic_regression_on_raw_pixels() -> None:
    from sklearn.linear_model import LogisticRegression

    config = recipes.recipe_config("logreg")
    assert (config.input_scaling, config.epochs, config.validation_split) == ("raw", 100, 0.0)
    built = models.create_model("logreg", epochs=config.epochs, seed=config.seed)
    default = LogisticRegression()
    assert built.get_params() == {**default.get_params(), "random_state": config.seed}


def test_sgd_recipe_is_scikit_learns_default_sgd_classifier_for_300_epochs() -> None:
    from sklearn.linear_model import SGDClassifier

    config = recipes.recipe_config("sgd")
    assert (config.model, config.epochs, config.validation_split) == ("sgd_tutorial", 300, 0.0)
    built = models.create_model("sgd_tutorial", seed=config.seed)
    classifier = built[-1] if hasattr(built, "steps") else built
    expected = SGDClassifier(loss="log_loss").get_params()
    assert classifier.get_params() == {**expected, "random_state": config.seed}


def test_recipe_only_models_are_not_offered_on_the_train_page() -> None:
    assert {"mlp_softmax", "sgd_tutorial"}.isdisjoint(models.list_models())
    assert models.get_model_spec("mlp_softmax").num_params == 101_770


def test_every_recipe_states_its_source_code_and_figure() -> None:
    for name in recipes.list_recipes():
        recipe = recipes.get_recipe(name)
        assert recipe.title and recipe.source and recipe.code.strip()
        assert recipe.reported.split in ("test", "validation") and recipe.reported.text
        if recipe.reported.value is not None:
            assert f"{recipe.reported.value:g}" in recipe.reported.text
            assert recipe.differs_because, name  # a gap must be explainable
    validation_by_last_rows = [
        n for n in ("ann", "dnn", "cnn") if recipes.LAST_ROWS in recipes.get_recipe(n).notes
    ]
    assert validation_by_last_rows == ["ann", "dnn", "cnn"]


def test_unknown_recipe_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="Known recipes: tf-basic, softmax-logits-mistake"):
        recipes.recipe_config("vgg")


def test_a_run_counts_for_its_recipe_only_with_the_recipes_current_settings() -> None:
    config = recipes.recipe_config("dnn", seed=2).to_dict()
    assert recipes.matches_recipe(config, "dnn")
    assert not recipes.matches_recipe(config, "cnn")
    assert not recipes.matches_recipe({**config, "epochs": 3}, "dnn")  # an older or edited recipe
    assert not recipes.matches_recipe({**config, "train_samples": 600}, "dnn")  # not the full data
    assert not recipes.matches_recipe({**config, "recipe": None}, "dnn")  # a plain Train run


# What the Keras back end compiles for each recipe: loss class, from_logits, optimizer class.
EXPECTED_COMPILE = {
    "tf-basic": ("SparseCategoricalCrossentropy", True, "Adam"),
    "softmax-logits-mistake": ("SparseCategoricalCrossentropy", True, "Adam"),
    "no-hidden": ("SparseCategoricalCrossentropy", False, "Adam"),
    "dropout-256-128": ("CategoricalCrossentropy", False, "Adam"),
    "ann": ("SparseCategoricalCrossentropy", False, "RMSprop"),
    "dnn": ("SparseCategoricalCrossentropy", False, "Adam"),
    "cnn": ("SparseCategoricalCrossentropy", False, "Adam"),
    "improved": ("CategoricalCrossentropy", False, "Adam"),
}


@pytest.mark.parametrize("name", list(EXPECTED_COMPILE))
def test_keras_back_end_compiles_each_recipe_as_its_tutorial(name: str) -> None:
    from fmnist_core.data import load_fashion_mnist
    from fmnist_core.training import TrainingData
    from fmnist_core.training.keras_backend import ONE_CYCLE_START, compile_model

    dataset = load_fashion_mnist()
    images, labels = dataset.x_train[:200], dataset.y_train[:200]
    config = recipes.recipe_config(name)
    saved, fitted = compile_model(
        config, TrainingData(images, labels, images[:0], labels[:0], images, labels)
    )
    loss, from_logits, optimizer = EXPECTED_COMPILE[name]
    assert (type(fitted.loss).__name__, fitted.loss.get_config()["from_logits"]) == (loss, from_logits)
    assert type(fitted.optimizer).__name__ == optimizer
    one_cycle = models.get_model_spec(config.model).schedule == "one_cycle"  # it starts low: warm-up
    start = config.learning_rate * (ONE_CYCLE_START if one_cycle else 1)
    assert float(fitted.optimizer.learning_rate) == pytest.approx(start)
    assert fitted.loss.get_config().get("label_smoothing", 0.0) == pytest.approx(config.label_smoothing)
    # The tutorial's logits model is fitted; its probability model (with the Softmax) is saved.
    assert describe(fitted.layers[-1]) == (
        ("Dense", 10, "linear") if name == "tf-basic" else describe(saved.layers[-1])
    )
    assert saved.count_params() == EXPECTED_PARAMS[name] + (2 * 784 + 1 if name == "ann" else 0)
    if name == "ann":  # standardized pixels: a Normalization layer (mean, variance) saved first
        assert type(saved.layers[0]).__name__ == "Normalization"
