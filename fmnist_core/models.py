"""Registry of model variants: name -> builder, defaults and accepted hyperparameters.

Keras builders return uncompiled models whose last layer outputs probabilities (the tutorial's
logits MLP gets an explicit Softmax layer), so every Keras model is trained with
``SparseCategoricalCrossentropy(from_logits=False)`` and predicts probabilities by construction.
Keras is imported inside the builders: pages that only read the registry stay TensorFlow-free.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fmnist_core.data import NUM_CLASSES

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


# ---------------------------------------------------------------- Keras, as in the tutorials

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
# Dense networks train faster on one TensorFlow thread: splitting their small matmuls across cores
# costs more than it saves (measured: about 1.3x faster for mlp at batch 32).
DENSE_THREADS = 1


def _input(keras: Any, channels: bool = False) -> Any:
    return keras.Input(shape=(28, 28, 1) if channels else (28, 28))


@register_model(
    "softmax",
    "keras",
    "Multinomial logistic regression: Flatten -> Dense(10, softmax).",
    7_850,
    threads=DENSE_THREADS,
    **KERAS_DEFAULTS,
)
def build_softmax() -> Any:
    import keras

    layers = keras.layers
    return keras.Sequential(
        [_input(keras), layers.Flatten(), layers.Dense(NUM_CLASSES, activation="softmax")], name="softmax"
    )


@register_model(
    "dnn",
    "keras",
    "One hidden layer of 100 sigmoid units.",
    79_510,
    threads=DENSE_THREADS,
    **{**KERAS_DEFAULTS, "validation_split": 0.2},
)
def build_dnn() -> Any:
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            _input(keras),
            layers.Flatten(),
            layers.Dense(100, activation="sigmoid"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="dnn",
    )


@register_model(
    "mlp",
    "keras",
    "The TensorFlow tutorial MLP: Dense(128, relu) -> 10 logits -> Softmax.",
    101_770,
    threads=DENSE_THREADS,
    **KERAS_DEFAULTS,
)
def build_mlp() -> Any:
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            _input(keras),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES),
            layers.Softmax(),
        ],
        name="mlp",
    )


@register_model(
    "mlp_softmax",
    "keras",
    "The tutorial MLP with a softmax output layer: Dense(128, relu) -> Dense(10, softmax). Trained "
    "only by the recipe that reproduces a common mistake (this output fed to a from-logits loss).",
    101_770,
    threads=DENSE_THREADS,
    listed=False,
    **KERAS_DEFAULTS,
)
def build_mlp_softmax() -> Any:
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            _input(keras),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mlp_softmax",
    )


@register_model(
    "mlp_dropout",
    "keras",
    "Two hidden layers (256, 128) with dropout between them.",
    235_146,
    threads=DENSE_THREADS,
    **{**KERAS_DEFAULTS, "batch_size": 128, "validation_split": 0.2, "dropout": 0.3},
)
def build_mlp_dropout(dropout: float) -> Any:
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            _input(keras),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(128, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="mlp_dropout",
    )


def _cnn_layers(keras: Any, dropout: float, batch_norm: bool) -> list[Any]:
    layers = keras.layers
    stack: list[Any] = [_input(keras, channels=True)]
    for filters in (32, 64):
        if batch_norm:  # BN replaces the conv bias, so the conv has none
            stack += [
                layers.Conv2D(filters, 3, padding="same", use_bias=False),
                layers.BatchNormalization(),
                layers.ReLU(),
            ]
        else:
            stack.append(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        stack.append(layers.MaxPooling2D(2))
    return stack + [
        layers.Flatten(),
        layers.Dense(100, activation="relu"),
        layers.Dropout(dropout),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ]


CNN_DEFAULTS = {**KERAS_DEFAULTS, "epochs": 20, "validation_split": 0.2, "dropout": 0.4}
# A one-cycle schedule sets the learning rate of every step, so reducing it on a plateau does not apply.
ONE_CYCLE_DEFAULTS = {key: value for key, value in KERAS_DEFAULTS.items() if key != "plateau_patience"}


@register_model(
    "cnn",
    "keras",
    "Two conv blocks (32, 64) -> Dense(100) -> dropout: the tutorial CNN.",
    333_526,
    **CNN_DEFAULTS,
)
def build_cnn(dropout: float) -> Any:
    import keras

    return keras.Sequential(_cnn_layers(keras, dropout, batch_norm=False), name="cnn")


@register_model(
    "cnn_bn",
    "keras",
    "The tutorial CNN with batch normalisation after each convolution.",
    333_814,
    **CNN_DEFAULTS,
)
def build_cnn_bn(dropout: float) -> Any:
    import keras

    return keras.Sequential(_cnn_layers(keras, dropout, batch_norm=True), name="cnn_bn")


@register_model(
    "cnn_fast",
    "keras",
    "A CNN designed for fast CPU training: Conv(16) -> Pool -> Conv(32) + batch norm -> Pool -> "
    "Dense(100), trained in large batches with a one-cycle learning rate.",
    162_806,
    schedule="one_cycle",
    **{**ONE_CYCLE_DEFAULTS, "epochs": 8, "batch_size": 256, "learning_rate": 5e-3, "dropout": 0.1},
)
def build_cnn_fast(dropout: float) -> Any:
    """Cheap where CPUs are slow (see the README's Benchmark section).

    Keras 3's batch normalisation is not fused on TensorFlow's CPU path (about ten passes over the
    activations): after both convolutions it made a training step 2-2.5x as slow as none. After the
    second convolution only (14x14x32 values instead of 28x28x16) it costs much less and converged
    as fast as after both. Momentum 0.9 lets the moving statistics settle within a few hundred steps.
    """
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            _input(keras, channels=True),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, padding="same", use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(100, activation="relu"),
            layers.Dropout(dropout),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn_fast",
    )


# ---------------------------------------------------------------- scikit-learn baselines


@register_model(
    "logreg",
    "sklearn",
    "scikit-learn LogisticRegression on the 784 raw pixels.",
    7_850,
    epochs=100,
    validation_split=0.1,
)
def build_logreg(epochs: int, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=epochs, random_state=seed)


@register_model(
    "sgd",
    "sklearn",
    "StandardScaler + SGDClassifier(log_loss), trained one epoch at a time with partial_fit.",
    7_850,
    epochs=20,
    batch_size=1000,
    learning_rate=1e-3,
    validation_split=0.1,
)
def build_sgd(learning_rate: float, seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(
        loss="log_loss", learning_rate="constant", eta0=learning_rate, alpha=1e-4, random_state=seed
    )


@register_model(
    "sgd_tutorial",
    "sklearn",
    "StandardScaler + SGDClassifier(loss='log_loss') with scikit-learn's defaults, partial_fit on the "
    "whole training set once per epoch, as in the tutorial. Trained only by its recipe.",
    7_850,
    listed=False,
    epochs=300,
    validation_split=0.0,
)
def build_sgd_tutorial(seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", random_state=seed)
