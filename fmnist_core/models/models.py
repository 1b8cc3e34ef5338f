"""The model variants: name -> builder, defaults and accepted hyperparameters (the registry's
machinery, re-exported here, is in ``fmnist_core.models.registry``).

Keras builders return uncompiled models whose last layer outputs probabilities (the tutorial's
logits MLP gets an explicit Softmax layer), so every Keras model is trained with
``SparseCategoricalCrossentropy(from_logits=False)`` and predicts probabilities by construction.
Keras is imported inside the builders: pages that only read the registry stay TensorFlow-free.
"""

from __future__ import annotations

from typing import Any

from fmnist_core.data import NUM_CLASSES
from fmnist_core.models.registry import (
    CHOICE_HYPERPARAMETERS,
    COMMON_HYPERPARAMETERS,
    HYPERPARAMETERS,
    KERAS_DEFAULTS,
    LEARNING_RATE_SCHEDULES,
    REGISTRY,
    ModelSpec,
    check_hyperparameter,
    create_model,
    get_model_spec,
    list_models,
    register_model,
)

__all__ = [
    "CHOICE_HYPERPARAMETERS",
    "COMMON_HYPERPARAMETERS",
    "HYPERPARAMETERS",
    "KERAS_DEFAULTS",
    "LEARNING_RATE_SCHEDULES",
    "REGISTRY",
    "ModelSpec",
    "check_hyperparameter",
    "create_model",
    "get_model_spec",
    "list_models",
    "register_model",
]

# ---------------------------------------------------------------- Keras, as in the tutorials

# Dense networks train faster on one TensorFlow thread: splitting their small matmuls across cores
# costs more than it saves (measured: about 1.3x faster for mlp at batch 32).
DENSE_THREADS = 1


def _input(keras: Any, channels: bool = False) -> Any:
    return keras.Input(shape=(28, 28, 1) if channels else (28, 28))


@register_model(
    "softmax",
    "keras",
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
                # momentum 0.9 (Keras: 0.99): the moving statistics that validation and test use
                # settle within a few hundred steps instead of lagging for epochs
                layers.BatchNormalization(momentum=0.9),
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


@register_model(
    "cnn",
    "keras",
    333_526,
    **CNN_DEFAULTS,
)
def build_cnn(dropout: float) -> Any:
    import keras

    return keras.Sequential(_cnn_layers(keras, dropout, batch_norm=False), name="cnn")


@register_model(
    "cnn_bn",
    "keras",
    333_814,
    **CNN_DEFAULTS,
)
def build_cnn_bn(dropout: float) -> Any:
    import keras

    return keras.Sequential(_cnn_layers(keras, dropout, batch_norm=True), name="cnn_bn")


# ---------------------------------------------------------------- scikit-learn baselines

# Registered after the tutorial models, in the order the lists show them.
from fmnist_core.models import fast_cnns, sklearn_models  # noqa: E402, F401
