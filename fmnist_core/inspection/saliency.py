"""Which pixels drove a model's decision: Grad-CAM, gradient x input and linear contributions.

- Convolutional Keras models: Grad-CAM (Selvaraju et al., 2017) on the last convolution layer.
  Grad-CAM often lights up empty space too: the gap between trouser legs, or the empty rows
  above a sneaker, are evidence the model uses (measured on the tutorial CNN: most of the map's
  mass lies outside the item on test images).
- Dense Keras models: |gradient x input| (Shrikumar et al., 2016), each pixel's first-order share of
  the class score. Plain gradients |d score / d pixel| are noise on the background: pixels that are
  always 0 in training never update their first-layer weights, which keep their random values.
- scikit-learn linear models: each pixel's exact contribution |w * x| to the class score, the
  linear-model case of gradient x input.

Gradients are taken of the class score before the softmax: a confident prediction saturates the
softmax (p = 1.0 in float32) and would leave a blank map. TensorFlow is imported inside functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from fmnist_core.models.inference import RunModel, check_images, predict_probabilities, to_model_input

IMAGE_SIZE = 28
CONV_LAYERS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


@dataclass(frozen=True)
class Saliency:
    """A saliency map for one image.

    Attributes:
        values: (28, 28) float32 in [0, 1]; 1 marks the pixels that mattered most.
        method: ``grad-cam``, ``gradient-x-input`` or ``linear``.
        class_index: The class whose score was explained.
    """

    values: np.ndarray
    method: str
    class_index: int


def saliency_map(run_model: RunModel, image: np.ndarray, class_index: int | None = None) -> Saliency:
    """Explains the model's score for one class on one image.

    Args:
        run_model: From `fmnist_core.models.inference.load_run_model`.
        image: (28, 28) float32 in [0, 1], laid out like the dataset.
        class_index: The class to explain; the predicted class when None.

    Returns:
        A `Saliency` whose values are all 0 when no pixel raised the score.
    """
    batch = check_images(np.asarray(image)[None])
    if class_index is None:
        class_index = int(np.argmax(predict_probabilities(run_model, batch)[0]))
    if run_model.family == "sklearn":
        values, method = _linear_contribution(run_model.model, batch[0], class_index), "linear"
    else:
        values, method = _keras_saliency(run_model, batch, class_index)
    return Saliency(_normalise(values), method, class_index)


def _keras_saliency(run_model: RunModel, batch: np.ndarray, class_index: int) -> tuple[np.ndarray, str]:
    import tensorflow as tf

    x = tf.constant(to_model_input(run_model, batch))
    layers = _layer_chain(run_model.model)
    conv_index = _last_conv_index(layers)
    if conv_index is not None:
        return _grad_cam(layers, conv_index, x, class_index), "grad-cam"
    gradient = _input_gradient(run_model.model, layers, x, class_index)
    return np.abs(gradient * batch[0]), "gradient-x-input"


def _layer_chain(model: Any) -> list[Any] | None:
    """The layers of a Sequential model in call order; None for a graph we cannot walk in order."""
    import keras

    return list(model.layers) if isinstance(model, keras.Sequential) else None


def _last_conv_index(layers: list[Any] | None) -> int | None:
    indices = [i for i, layer in enumerate(layers or []) if type(layer).__name__ in CONV_LAYERS]
    return indices[-1] if indices else None


def _class_scores(last_layer: Any, hidden: Any) -> Any:
    """Pre-softmax scores from the input of the last layer (its output when it has no softmax)."""
    from keras import ops

    kind, activation = type(last_layer).__name__, _activation_name(last_layer)
    if kind == "Softmax" or (kind == "Activation" and activation == "softmax"):
        return hidden  # a separate softmax layer: its input are the logits
    if kind == "Dense" and activation == "softmax":
        logits = ops.matmul(hidden, last_layer.kernel)  # the Dense layer without its softmax
        return logits + last_layer.bias if last_layer.bias is not None else logits
    return last_layer(hidden, training=False)


def _activation_name(layer: Any) -> str:
    return getattr(getattr(layer, "activation", None), "__name__", "")


def _grad_cam(layers: list[Any], conv_index: int, x: Any, class_index: int) -> np.ndarray:
    """Grad-CAM: the conv maps weighted by their mean gradient, ReLU, upsampled to 28x28."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        hidden = x
        for layer in layers[: conv_index + 1]:
            hidden = layer(hidden, training=False)
        feature_maps = hidden
        tape.watch(feature_maps)
        for layer in layers[conv_index + 1 : -1]:
            hidden = layer(hidden, training=False)
        score = _class_scores(layers[-1], hidden)[:, class_index]
    gradients = tape.gradient(score, feature_maps)[0].numpy()
    weights = gradients.mean(axis=(0, 1))
    cam = np.maximum(feature_maps[0].numpy() @ weights, 0.0).astype(np.float32)
    return np.asarray(
        Image.fromarray(cam, mode="F").resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BILINEAR)
    )


def _input_gradient(model: Any, layers: list[Any] | None, x: Any, class_index: int) -> np.ndarray:
    """d score / d pixel for each input pixel, as a (28, 28) array."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        tape.watch(x)
        if layers is None:  # a graph we cannot unroll: explain its output directly
            score = model(x, training=False)[:, class_index]
        else:
            hidden = x
            for layer in layers[:-1]:
                hidden = layer(hidden, training=False)
            score = _class_scores(layers[-1], hidden)[:, class_index]
    gradient = tape.gradient(score, x)[0].numpy()
    return gradient.reshape(IMAGE_SIZE, IMAGE_SIZE)


def _linear_contribution(pipeline: Any, image: np.ndarray, class_index: int) -> np.ndarray:
    """|w * x|: each pixel's share of a linear model's class score, in raw pixel units.

    A StandardScaler in front divides by each pixel's spread, so the effective weight is w / scale;
    the mean it subtracts only shifts the bias, which is the same for every image.
    """
    classifier = pipeline[-1]
    if not hasattr(classifier, "coef_"):
        raise ValueError(
            f"{type(classifier).__name__} has no coefficients to explain; only linear models do."
        )
    rows = np.flatnonzero(np.asarray(classifier.classes_) == class_index)
    if len(rows) == 0:
        return np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    weights = classifier.coef_[rows[0]].astype(np.float64)
    for _, step in pipeline.steps[:-1]:
        scale = getattr(step, "scale_", None)
        if scale is not None:
            weights = weights / scale
    return np.abs(weights * image.reshape(-1)).reshape(IMAGE_SIZE, IMAGE_SIZE)


def _normalise(values: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] by the maximum; an all-zero map stays zero."""
    values = np.nan_to_num(np.maximum(np.asarray(values, dtype=np.float64), 0.0))
    peak = values.max()
    return (values / peak if peak > 0 else values).astype(np.float32)
