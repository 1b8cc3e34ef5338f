"""The Keras back end of the worker: compile, fit with progress/stop callbacks, save atomically.

Where the speed comes from (measured side by side with the tutorials' ``model.fit(numpy)`` by
``make bench``, see the README): the training images stay uint8 in an in-memory ``tf.data``
pipeline that shuffles them each epoch, scales each batch and prefetches the next one; several
training steps run per call into TensorFlow (``steps_per_execution``), so Python, the callbacks and
the host-device sync are paid once per group of batches instead of once per batch; and the dense
networks run TensorFlow single-threaded (the registry's ``threads`` hint), because splitting a
32-image matmul across cores costs more than it saves. XLA is not used: Keras switches
``jit_compile`` off while op determinism (needed for reproducible runs) is on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from fmnist_core import atomic_files, data
from fmnist_core.inspection import features
from fmnist_core.models.models import create_model, get_model_spec
from fmnist_core.runs import runs
from fmnist_core.training import augmentation
from fmnist_core.training.config import TrainingConfig, TrainingData
from fmnist_core.training.keras_callbacks import build_callbacks, steps_per_epoch

# One call into TensorFlow runs about this many floating-point operations (about 0.2-0.4 s on
# two busy CPU cores), so a stop request is honoured within a second even for the CNNs.
EXECUTION_FLOPS = 1.6e10
MAX_STEPS_PER_EXECUTION = 100
ONE_CYCLE_WARMUP = 0.3  # fraction of the steps spent warming up (see models.LEARNING_RATE_SCHEDULES)
ONE_CYCLE_START = 1 / 25  # warm-up starts at this fraction of the peak learning rate


# ---------------------------------------------------------------- speed


def training_flops_per_image(model: keras.Model) -> float:
    """Floating-point operations to train on one image, from the Dense and convolution shapes.

    A multiply-add is 2 operations; backpropagation costs about twice the forward pass (gradients
    with respect to the inputs and to the weights), hence 6 per multiply-add. Pooling, batch
    normalisation and activations are memory-bound and left out, as is customary.
    """
    multiply_adds = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            multiply_adds += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, (keras.layers.Conv2D, keras.layers.DepthwiseConv2D)):
            height, width = layer.output.shape[1:3]
            multiply_adds += height * width * int(np.prod(layer.kernel.shape))
    return 6.0 * multiply_adds


def choose_steps_per_execution(model: keras.Model, batch_size: int, num_steps: int) -> int:
    """Batches per call into TensorFlow: about EXECUTION_FLOPS of work, at most one epoch."""
    step_flops = max(training_flops_per_image(model) * batch_size, 1.0)
    return int(max(1, min(EXECUTION_FLOPS // step_flops, MAX_STEPS_PER_EXECUTION, num_steps)))


def configure_threads(threads: int) -> None:
    """Sets TensorFlow's thread pools to the registry's hint (0 = all cores).

    Must run before TensorFlow runs its first op (building a model does): TensorFlow fixes its
    pools then, so in a process that already trained (a queue of runs, the test suite) the first
    run's setting stays.
    """
    with contextlib.suppress(RuntimeError):  # already initialised with another value
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)


def learning_rate(
    schedule: str, peak: float, total_steps: int
) -> float | keras.optimizers.schedules.LearningRateSchedule:
    """The optimizer's learning rate for the registry's ``schedule`` (a built-in Keras schedule,
    so the saved model loads without custom objects)."""
    if schedule == "constant":
        return peak
    if schedule == "one_cycle":
        warmup = int(ONE_CYCLE_WARMUP * total_steps)
        return keras.optimizers.schedules.CosineDecay(
            peak * ONE_CYCLE_START,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=peak,
            warmup_steps=warmup,
        )
    raise ValueError(f"Unknown learning-rate schedule {schedule!r}.")


OPTIMIZERS = {
    "adam": lambda rate: keras.optimizers.Adam(rate),
    "sgd_momentum": lambda rate: keras.optimizers.SGD(rate, momentum=0.9),
    "rmsprop": lambda rate: keras.optimizers.RMSprop(rate),
}


def one_hot_labels(config: TrainingConfig) -> bool:
    """Whether the loss takes one-hot labels: asked for, or needed by label smoothing (Keras's
    sparse cross-entropy has no smoothing)."""
    return config.loss == "one_hot" or bool(config.label_smoothing)


def make_loss(config: TrainingConfig) -> keras.losses.Loss:
    """The loss of ``config.loss`` (see ``config.LOSSES``) with its label smoothing."""
    from_logits = config.loss in ("logits", "softmax_as_logits")
    if one_hot_labels(config):
        smoothing = config.label_smoothing or 0.0
        return keras.losses.CategoricalCrossentropy(from_logits=from_logits, label_smoothing=smoothing)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)


def build_model(config: TrainingConfig, x_train: np.ndarray) -> keras.Model:
    """The model of ``config`` as it is saved: with a Normalization layer adapted on the training
    images first when ``input_scaling`` is "standardized"."""
    model = create_model(config.model, dropout=config.dropout)
    if config.input_scaling != "standardized":
        return model
    shape = model.input_shape[1:]
    normalize = keras.layers.Normalization(axis=tuple(range(1, len(shape) + 1)), name="standardize")
    normalize.adapt(to_model_input(x_train, model))
    # fresh layers from the registry's: a layer called in two models has no single output to read
    fresh = [type(layer).from_config(layer.get_config()) for layer in model.layers]
    return keras.Sequential([keras.Input(shape=shape), normalize, *fresh], name=model.name)


def trained_part(model: keras.Model, config: TrainingConfig) -> keras.Model:
    """What the optimiser fits: the model, or for the "logits" loss the model without its final
    Softmax layer (sharing its weights), as the tutorial trains its logits model."""
    if config.loss != "logits":
        return model
    if not isinstance(model.layers[-1], keras.layers.Softmax):
        raise ValueError(f"the logits loss needs a model ending in a Softmax layer; {config.model} does not.")
    return keras.Model(model.inputs, model.layers[-2].output, name=f"{model.name}_logits")


def compile_model(config: TrainingConfig, split: TrainingData) -> tuple[keras.Model, keras.Model]:
    """Builds and compiles the model of ``config``; returns (the model to save, the part to fit)."""
    spec = get_model_spec(config.model)
    configure_threads(spec.threads)
    # A clean Keras state for every run: its layers are named conv2d, dense, ... as in a fresh
    # process, whatever this process built before (a queue of runs, the tests' shared processes).
    keras.utils.clear_session()
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()
    model = build_model(config, split.x_train)
    fitted = trained_part(model, config)
    num_steps = steps_per_epoch(split, config)
    rate = learning_rate(spec.schedule, config.learning_rate, num_steps * config.epochs)
    fitted.compile(
        optimizer=OPTIMIZERS[config.optimizer or "adam"](rate),
        loss=make_loss(config),
        metrics=["accuracy"],
        steps_per_execution=choose_steps_per_execution(model, config.batch_size, num_steps),
    )
    return model, fitted


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    seed: int,
    channels: bool,
    *,
    augment: Callable[[tf.Tensor], tf.Tensor] | None = None,
    one_hot: bool = False,
) -> tf.data.Dataset:
    """Shuffled training batches from in-memory uint8 images, scaled to [0, 1] per batch,
    augmented when ``augment`` is given, prefetched.

    Shuffling uint8 moves a quarter of the bytes of float32. The scaling must stay the float32
    division of ``data.to_model_input`` (written in TensorFlow here, as it runs in the pipeline),
    so that training and prediction see bit-identical inputs. Only this training pipeline is
    augmented: validation, test and prediction inputs never go through it.
    """

    def prepare(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        x = tf.cast(x, tf.float32)[..., None] / 255.0
        if augment is not None:
            x = augment(x)
        return (x if channels else x[..., 0]), (tf.one_hot(y, data.NUM_CLASSES) if one_hot else y)

    dataset = tf.data.Dataset.from_tensor_slices((images, labels.astype(np.int32)))
    dataset = dataset.shuffle(len(labels), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).map(prepare).prefetch(tf.data.AUTOTUNE)


def fit_model(model: keras.Model, config: TrainingConfig, split: TrainingData, callbacks: list[Any]) -> None:
    """Fits ``model`` on the training split; validation is the callbacks' job."""
    channels = len(model.input_shape) == 4
    augment = augmentation.training_augmentation(config.augmentation or "none", config.seed)
    dataset = make_dataset(
        split.x_train, split.y_train, config.batch_size, config.seed, channels,
        augment=augment, one_hot=one_hot_labels(config),
    )  # fmt: skip
    model.fit(dataset, epochs=config.epochs, shuffle=False, verbose=0, callbacks=callbacks)


# ---------------------------------------------------------------- the run


def to_model_input(images: np.ndarray, model: keras.Model) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 in [0, 1] with the rank the model expects."""
    x = data.to_model_input(images)
    return x[..., None] if len(model.input_shape) == 4 else x


def predict_with_features(model: keras.Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (as `predict`) and penultimate-layer features from one forward pass."""
    features_out, probabilities = features.feature_model(model).predict(x, batch_size=1024, verbose=0)
    return probabilities, features_out.reshape(len(x), -1)


def save_model(model: keras.Model, path: Path) -> None:
    """Saves atomically: no reader ever sees half a model."""
    with atomic_files.atomic_write_path(path) as tmp:
        model.save(tmp)


def train(folder: Path, config: TrainingConfig, split: TrainingData) -> tuple[np.ndarray, int]:
    """Fits the model of ``config``; returns test probabilities and the parameter count."""
    model, fitted = compile_model(config, split)
    x_val = to_model_input(split.x_val, model)
    callbacks = build_callbacks(folder, config, split, x_val, model)
    if not runs.stop_requested(folder):
        fit_model(fitted, config, split, callbacks)
    save_model(model, folder / "model.keras")
    probabilities, test_features = predict_with_features(model, to_model_input(split.x_test, model))
    if np.isfinite(test_features).all():  # else the worker fails the run (NaN predictions)
        features.save_features(folder, test_features)
    return probabilities, model.count_params()
