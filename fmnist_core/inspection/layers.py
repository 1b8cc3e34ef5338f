"""Inside a Keras model: its layers as a table, feature maps, first-layer filters and dense units.

Every view reads the layers through one multi-output sub-model (`LayerProbe`): one call per image
gives all the layers it watches, instead of one model call per layer. TensorFlow is imported inside
functions only; a scikit-learn run has no layers and is refused with a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_core.models.inference import RunModel, check_images, to_model_input
from fmnist_core.words import CodedError

MAP_KINDS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "MaxPooling2D", "AveragePooling2D")
CONV_KINDS = MAP_KINDS[:3]
PIXELS = 28 * 28
PROBE_BATCH = 256  # images per model call when probing many images: bounded memory


class LayersUnavailable(CodedError, ValueError):
    """The model has no layers of the kind asked for; the message says why and what to pick."""


@dataclass(frozen=True)
class SummaryRow:
    """One line of ``model.summary()``: name, class, output shape with the batch axis, parameters."""

    name: str
    kind: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class LayerProbe:
    """A sub-model returning the outputs of some layers of a model, in one call.

    Attributes:
        run_model: The run's model the layers belong to.
        names: The watched layers, in model order.
        shapes: Each layer's output shape for one image (without the batch axis).
        extractor: The multi-output ``keras.Model``.
    """

    run_model: RunModel
    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    extractor: Any

    def outputs(self, images: np.ndarray) -> list[np.ndarray]:
        """Every watched layer's output for a batch of (N, 28, 28) images in [0, 1]: one array per
        layer, (N, *shape), computed with one model call per `PROBE_BATCH` images."""
        x = to_model_input(self.run_model, check_images(images))
        chunks = [self._call(x[start : start + PROBE_BATCH]) for start in range(0, len(x), PROBE_BATCH)]
        return [np.concatenate([chunk[i] for chunk in chunks]) for i in range(len(self.names))]

    def _call(self, x: np.ndarray) -> list[np.ndarray]:
        result = self.extractor(x, training=False)
        result = result if isinstance(result, (list, tuple)) else [result]
        return [np.asarray(value) for value in result]


def require_keras(run_model: RunModel) -> None:
    """Refuses scikit-learn runs, which have no layers."""
    if run_model.family != "keras":
        raise LayersUnavailable("error.layers.sklearn", run=run_model.run_id, model=run_model.model_name)


def model_layers(run_model: RunModel) -> list[Any]:
    """The model's top-level layers in order, without input layers."""
    require_keras(run_model)
    return [layer for layer in run_model.model.layers if type(layer).__name__ != "InputLayer"]


def summary_rows(run_model: RunModel) -> list[SummaryRow]:
    """The rows of ``model.summary()``: the same names, output shapes and parameter counts."""
    return [
        SummaryRow(
            layer.name,
            type(layer).__name__,
            str(_output_shape(layer)),
            int(layer.count_params()),
        )
        for layer in model_layers(run_model)
    ]


def _output_shape(layer: Any) -> tuple:
    """The layer's output shape with the batch axis (a layer called several times in an imported
    graph: its first call's, as Keras's ``layer.output``)."""
    return tuple(layer.output.shape)


def map_layer_names(run_model: RunModel) -> list[str]:
    """Convolution and pooling layers whose output is a stack of 2-D maps (height, width, channels)."""
    return [
        layer.name
        for layer in model_layers(run_model)
        if type(layer).__name__ in MAP_KINDS and len(_output_shape(layer)) == 4
    ]


def make_probe(run_model: RunModel, names: list[str] | None = None) -> LayerProbe:
    """A `LayerProbe` of the named layers (all top-level layers when None).

    Raises:
        LayersUnavailable: For scikit-learn runs, when no layer is named, or when the model's graph
            cannot be cut at its layers (a subclassed imported model).
    """
    import keras

    layers = model_layers(run_model)
    chosen = [layer for layer in layers if names is None or layer.name in names]
    if not chosen:
        raise LayersUnavailable("error.layers.no_such_layers", run=run_model.run_id, names=str(names))
    try:
        inputs = run_model.model.inputs
        # One input given as itself, not a list: Keras warns when a call's structure differs.
        extractor = keras.Model(inputs[0] if len(inputs) == 1 else inputs, [layer.output for layer in chosen])
    except (ValueError, AttributeError, TypeError) as error:
        raise LayersUnavailable(
            "error.layers.not_cuttable", run=run_model.run_id, error=str(error)
        ) from error
    shapes = tuple(tuple(int(d) for d in _output_shape(layer)[1:]) for layer in chosen)
    return LayerProbe(run_model, tuple(layer.name for layer in chosen), shapes, extractor)


def map_probe(run_model: RunModel) -> LayerProbe:
    """The probe of every convolution and pooling layer (the feature maps).

    Raises:
        LayersUnavailable: When the model has no such layer.
    """
    names = map_layer_names(run_model)
    if not names:
        raise LayersUnavailable("error.layers.no_maps", run=run_model.run_id, model=run_model.model_name)
    return make_probe(run_model, names)


def first_filters(run_model: RunModel) -> tuple[str, np.ndarray]:
    """The first convolution layer's name and kernels as (filters, height, width) images.

    Kernels over several input channels are summed over them (the models here see one channel).
    """
    for layer in model_layers(run_model):
        if type(layer).__name__ in CONV_KINDS:
            kernel = np.asarray(layer.get_weights()[0], dtype=np.float32)  # (h, w, in, out)
            return layer.name, np.moveaxis(kernel.sum(axis=2), -1, 0)
    raise LayersUnavailable("error.layers.no_filters", run=run_model.run_id)


def first_dense(run_model: RunModel) -> Any:
    """The first Dense layer if it reads the 784 pixels directly (one weight per pixel).

    Raises:
        LayersUnavailable: When there is no such layer (a CNN's Dense layers read feature maps).
    """
    for layer in model_layers(run_model):
        kind = type(layer).__name__
        if kind in CONV_KINDS:
            break
        if kind == "Dense":
            if int(layer.kernel.shape[0]) == PIXELS:
                return layer
            break
    raise LayersUnavailable("error.layers.no_pixel_dense", run=run_model.run_id, model=run_model.model_name)


def dense_weight_images(run_model: RunModel) -> tuple[str, np.ndarray]:
    """The first Dense layer's name and each unit's kernel column as a (units, 28, 28) image."""
    layer = first_dense(run_model)
    kernel = np.asarray(layer.get_weights()[0], dtype=np.float32)  # (784, units), pixels row by row
    return layer.name, kernel.T.reshape(-1, 28, 28)


def dense_probe(run_model: RunModel) -> LayerProbe:
    """The probe of the first Dense layer (its units' activations, after its activation function)."""
    return make_probe(run_model, [first_dense(run_model).name])


def layer_means(run_model: RunModel, image: np.ndarray) -> list[dict[str, Any]]:
    """For one (28, 28) image: every layer's name, output shape (one image, no batch axis) and mean
    output value, in model order (what ``python -m fmnist_core layers --json`` prints)."""
    probe = make_probe(run_model)
    outputs = probe.outputs(np.asarray(image)[None])
    return [
        {"name": name, "output_shape": list(shape), "mean_activation": float(np.mean(value))}
        for name, shape, value in zip(probe.names, probe.shapes, outputs, strict=True)
    ]
