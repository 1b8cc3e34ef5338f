"""The Train options the tutorials suggest and the recipe settings: each reaches Keras or
scikit-learn as the tutorial code would write it, and only the training batches are augmented."""

from pathlib import Path

import keras
import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist, to_model_input
from fmnist_core.evaluation import evaluation
from fmnist_core.models.inference import load_run_model
from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig, keras_callbacks, split_data
from fmnist_core.training import keras_backend as keras_trainer
from tests.conftest import train_tiny_run

TINY = {"epochs": 1, "train_samples": 300, "seed": 1}


def compiled(model: str, **settings) -> tuple[keras.Model, keras.Model]:
    config = TrainingConfig.for_model(model, **{**TINY, **settings})
    return keras_trainer.compile_model(config, split_data(load_fashion_mnist(), config))


@pytest.mark.parametrize(
    ("name", "optimizer_class"),
    [
        ("adam", keras.optimizers.Adam),
        ("sgd_momentum", keras.optimizers.SGD),
        ("rmsprop", keras.optimizers.RMSprop),
    ],
)
def test_each_optimizer_is_the_keras_one_at_the_chosen_rate(name: str, optimizer_class: type) -> None:
    _, fitted = compiled("mlp", optimizer=name, learning_rate=0.003)
    assert type(fitted.optimizer) is optimizer_class
    assert float(fitted.optimizer.learning_rate) == pytest.approx(0.003)
    if name == "sgd_momentum":
        assert fitted.optimizer.momentum == 0.9


def test_label_smoothing_trains_on_one_hot_labels_with_the_smoothing() -> None:
    _, fitted = compiled("mlp", label_smoothing=0.1)
    assert isinstance(fitted.loss, keras.losses.CategoricalCrossentropy)
    assert fitted.loss.label_smoothing == pytest.approx(0.1) and not fitted.loss.from_logits
    config = TrainingConfig.for_model("mlp", **TINY, label_smoothing=0.1)
    assert keras_trainer.one_hot_labels(config)
    _, plain = compiled("mlp")
    assert isinstance(plain.loss, keras.losses.SparseCategoricalCrossentropy) and not plain.loss.from_logits


def test_plateau_patience_adds_keras_reduce_lr_on_plateau(tmp_path: Path) -> None:
    config = TrainingConfig.for_model("mlp", **TINY, plateau_patience=3)
    split = split_data(load_fashion_mnist(), config)
    model, _ = keras_trainer.compile_model(config, split)
    callbacks = keras_callbacks.build_callbacks(tmp_path, config, split, split.x_val, model)
    plateau = [callback for callback in callbacks if isinstance(callback, keras.callbacks.ReduceLROnPlateau)]
    assert len(plateau) == 1 and plateau[0].patience == 3 and plateau[0].factor == 0.5
    assert plateau[0].monitor == "val_loss"
    assert isinstance(callbacks[0], keras_callbacks.RunReporter)  # it adds val_loss before the others read it
    off = TrainingConfig.for_model("mlp", **TINY)
    assert not any(
        isinstance(callback, keras.callbacks.ReduceLROnPlateau)
        for callback in keras_callbacks.build_callbacks(tmp_path, off, split, split.x_val, model)
    )


def test_plateau_patience_halves_the_rate_when_the_validation_loss_stalls(artifacts: Path) -> None:
    # A rate this high overshoots on 300 images, so the validation loss stalls. Each history
    # line records the rate its epoch trained with; ReduceLROnPlateau acts after the line is written.
    folder = train_tiny_run(artifacts, "softmax", epochs=5, learning_rate=0.5, plateau_patience=1)
    history = runs.read_history(folder)
    expected, best, rate = [], float("inf"), 0.5
    for line in history:  # Keras's rule: halve after `patience` epochs not below best - 1e-4
        expected.append(rate)
        if line["val_loss"] < best - 1e-4:
            best = line["val_loss"]
        else:
            rate /= 2
    assert [line["learning_rate"] for line in history] == pytest.approx(expected)
    assert expected[-1] < 0.5  # at least one plateau happened


def test_one_cycle_models_do_not_take_plateau_patience() -> None:
    with pytest.raises(ValueError, match="cnn_fast does not take plateau_patience"):
        TrainingConfig.for_model("cnn_fast", plateau_patience=2)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"model": "mlp", "optimizer": "adagrad"}, "optimizer must be one of adam, sgd_momentum, rmsprop"),
        ({"model": "mlp", "augmentation": "mixup"}, "augmentation must be one of"),
        ({"model": "mlp", "label_smoothing": 0.7}, "label_smoothing must be between 0.0 and 0.5"),
        ({"model": "logreg", "optimizer": "adam"}, "logreg does not take optimizer"),
        ({"model": "logreg", "loss": "logits"}, "loss applies to Keras models only"),
        ({"model": "mlp", "loss": "hinge"}, "loss must be one of sparse, logits"),
        ({"model": "mlp", "input_scaling": "raw"}, "input_scaling 'raw' does not apply to mlp"),
        ({"model": "sgd", "input_scaling": "raw"}, "input_scaling 'raw' does not apply to sgd"),
        ({"model": "mlp", "input_scaling": "log"}, "input_scaling must be one of unit, standardized, raw"),
    ],
)
def test_bad_option_values_are_refused_with_the_allowed_ones(settings: dict, message: str) -> None:
    model = settings.pop("model")
    with pytest.raises(ValueError, match=message):
        TrainingConfig.for_model(model, **settings)


def test_augmentation_changes_the_training_batches_only() -> None:
    images = load_fashion_mnist().x_train[:64]
    labels = np.arange(64)  # label = row index, to find each image's source
    augment = keras_trainer.augmentation.training_augmentation("shift_flip_zoom", seed=1)
    plain = next(keras_trainer.make_dataset(images, labels, 64, 1, channels=True).as_numpy_iterator())
    changed = next(
        keras_trainer.make_dataset(images, labels, 64, 1, channels=True, augment=augment).as_numpy_iterator()
    )
    assert np.array_equal(plain[1], changed[1])  # same images in the same order, same labels
    assert changed[0].shape == plain[0].shape and changed[0].dtype == np.float32
    differs = [not np.array_equal(a, b) for a, b in zip(plain[0], changed[0], strict=True)]
    assert sum(differs) > 48  # nearly every image moved, flipped or zoomed
    assert changed[0].min() >= 0.0 and changed[0].max() <= 1.0


def test_an_augmented_run_saves_a_model_without_augmentation_and_predicts_clean_inputs(
    artifacts: Path,
) -> None:
    folder = train_tiny_run(artifacts, "cnn", augmentation="shift_flip_zoom", batch_size=64)
    model = load_run_model(folder).model
    names = {type(layer).__name__ for layer in model.layers}
    assert not names & {"RandomTranslation", "RandomFlip", "RandomZoom", "Sequential"}
    stored = evaluation.load_predictions(folder).probabilities
    x_test = to_model_input(load_fashion_mnist().x_test)[..., None]
    np.testing.assert_allclose(model.predict(x_test, batch_size=1024, verbose=0), stored, atol=1e-6)
    assert runs.read_run(folder).config["augmentation"] == "shift_flip_zoom"


def test_logits_loss_fits_the_network_without_its_softmax_and_saves_it_with() -> None:
    model, fitted = compiled("mlp", loss="logits")
    assert isinstance(model.layers[-1], keras.layers.Softmax)
    assert fitted.output.shape == (None, 10) and not any(
        isinstance(layer, keras.layers.Softmax) for layer in fitted.layers
    )
    assert isinstance(fitted.loss, keras.losses.SparseCategoricalCrossentropy) and fitted.loss.from_logits
    shared = {id(weight) for weight in fitted.weights}
    assert all(id(weight) in shared for weight in model.weights)  # one set of weights


def test_the_softmax_as_logits_mistake_and_one_hot_losses() -> None:
    model, fitted = compiled("mlp_softmax", loss="softmax_as_logits")
    assert fitted is model and model.layers[-1].activation is keras.activations.softmax
    assert fitted.loss.from_logits
    _, one_hot = compiled("mlp_dropout", loss="one_hot")
    assert isinstance(one_hot.loss, keras.losses.CategoricalCrossentropy) and not one_hot.loss.from_logits
    with pytest.raises(ValueError, match="needs a model ending in a Softmax layer"):
        compiled("dnn", loss="logits")


def test_standardized_inputs_come_from_a_normalization_layer_adapted_on_the_training_images() -> None:
    model, _ = compiled("softmax", input_scaling="standardized")
    normalize = model.layers[0]
    assert isinstance(normalize, keras.layers.Normalization)
    config = TrainingConfig.for_model("softmax", **TINY)  # 10% of the 300 held out for validation
    train = to_model_input(split_data(load_fashion_mnist(), config).x_train)
    np.testing.assert_allclose(np.asarray(normalize.mean).reshape(28, 28), train.mean(axis=0), atol=1e-5)
    assert [type(layer).__name__ for layer in model.layers[1:]] == ["Flatten", "Dense"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_logreg_on_raw_pixels_keeps_its_decisions_on_the_apps_inputs(artifacts: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    folder = train_tiny_run(
        artifacts, "logreg", epochs=30, input_scaling="raw", train_samples=300, validation_split=0.0
    )
    saved = load_run_model(folder).model
    data = load_fashion_mnist()
    x_raw = data.x_train[:300].reshape(300, -1).astype(np.float64)  # what scikit-learn makes of uint8
    reference = LogisticRegression(max_iter=30, random_state=1).fit(x_raw, data.y_train[:300])
    test_raw = data.x_test[:500].reshape(500, -1).astype(np.float64)
    test_unit = to_model_input(data.x_test[:500]).reshape(500, -1)
    np.testing.assert_allclose(saved.predict_proba(test_unit), reference.predict_proba(test_raw), atol=1e-5)


def test_sgd_tutorial_partial_fits_the_whole_training_set_once_per_epoch(artifacts: Path) -> None:
    from sklearn.linear_model import SGDClassifier
    from sklearn.preprocessing import StandardScaler

    folder = train_tiny_run(artifacts, "sgd_tutorial", epochs=3, train_samples=300)
    saved = load_run_model(folder).model
    data = load_fashion_mnist()
    x = to_model_input(data.x_train[:300]).reshape(300, -1)
    scaled = StandardScaler().fit_transform(x)
    reference = SGDClassifier(loss="log_loss", random_state=1)
    for _ in range(3):
        reference.partial_fit(scaled, data.y_train[:300], classes=np.arange(10))
    np.testing.assert_allclose(saved[-1].coef_, reference.coef_, rtol=1e-6)
    assert len(runs.read_history(folder)) == 3


def test_the_train_command_takes_the_improvements_and_refuses_unknown_choices(capsys) -> None:
    from fmnist_core.__main__ import build_parser

    args = build_parser().parse_args(
        ["train", "--model", "cnn", "--optimizer", "rmsprop", "--augmentation", "shift_flip_zoom",
         "--label-smoothing", "0.1", "--plateau-patience", "2"]
    )  # fmt: skip
    assert (args.optimizer, args.augmentation, args.label_smoothing, args.plateau_patience) == (
        "rmsprop", "shift_flip_zoom", 0.1, 2,
    )  # fmt: skip
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--model", "cnn", "--optimizer", "adagrad"])
    assert "invalid choice: 'adagrad'" in capsys.readouterr().err
