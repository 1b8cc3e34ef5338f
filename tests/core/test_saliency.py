"""Tests for fmnist_core.inspection.saliency: Grad-CAM, gradient x input and linear contributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist
from fmnist_core.inspection.saliency import saliency_map
from fmnist_core.models.inference import RunModel, load_run_model, predict_probabilities
from fmnist_core.runs import runs
from tests.conftest import train_tiny_run

TROUSER_INDEX = 2  # test image 2 is a trouser


def run_folder(root: Path, model: str) -> Path:
    record = next(r for r in runs.list_runs(root) if r.model == model)
    return runs.run_path(record.id, root)


def dataset_image(index: int = TROUSER_INDEX) -> np.ndarray:
    return load_fashion_mnist().x_test[index].astype(np.float32) / 255.0


def assert_valid_map(values: np.ndarray) -> None:
    assert values.shape == (28, 28) and values.dtype == np.float32
    assert values.min() >= 0.0 and values.max() == 1.0


def two_bars() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An image with a horizontal bar (top left) and a vertical bar (bottom right), and their masks."""
    image = np.zeros((28, 28), dtype=np.float32)
    horizontal, vertical = np.zeros_like(image, dtype=bool), np.zeros_like(image, dtype=bool)
    horizontal[5:7, 2:14] = True
    vertical[14:26, 20:22] = True
    image[horizontal | vertical] = 1.0
    return image, horizontal, vertical


# ---------------------------------------------------------------- real (tiny) trained runs


def test_cnn_gets_grad_cam(trained_root: Path) -> None:
    run_model = load_run_model(run_folder(trained_root, "cnn"))
    images = load_fashion_mnist().x_test[:20].astype(np.float32) / 255.0
    predicted = predict_probabilities(run_model, images).argmax(axis=1)
    maps = [saliency_map(run_model, image) for image in images]
    assert {result.method for result in maps} == {"grad-cam"}
    assert [result.class_index for result in maps] == predicted.tolist()
    for result in maps:
        assert result.values.shape == (28, 28) and result.values.dtype == np.float32
        # Normalised by its peak: exactly 1 at the peak, unless nothing raised the score.
        assert result.values.min() >= 0.0 and result.values.max() == (1.0 if result.values.any() else 0.0)
    # Grad-CAM is empty when no region raises the score (ReLU), but not for every image.
    assert sum(result.values.max() > 0 for result in maps) >= 5


def mlp_gradient_x_input(model, image: np.ndarray, class_index: int) -> np.ndarray:
    """Reference |d logit / d pixel x pixel| of Flatten -> Dense(relu) -> Dense -> Softmax, by hand
    from the weights: d logit / d x = W1 (relu'(x W1 + b1) * W2[:, class]), normalised by its peak."""
    (w1, b1), (w2, _) = [layer.get_weights() for layer in model.layers if layer.get_weights()]
    x = image.reshape(-1).astype(np.float64)
    active = (x @ w1 + b1) > 0
    values = np.abs((w1 @ (active * w2[:, class_index])) * x).reshape(28, 28)
    return values / values.max()


def test_mlp_gets_gradient_x_input_on_the_item(trained_root: Path) -> None:
    run_model = load_run_model(run_folder(trained_root, "mlp"))
    image = dataset_image()
    saliency = saliency_map(run_model, image, class_index=1)
    assert (saliency.method, saliency.class_index) == ("gradient-x-input", 1)
    assert_valid_map(saliency.values)
    expected = mlp_gradient_x_input(run_model.model, image, class_index=1)
    np.testing.assert_allclose(saliency.values, expected, rtol=0, atol=1e-5)


def test_linear_contributions_match_decision_function(artifacts: Path) -> None:
    run_model = load_run_model(train_tiny_run(artifacts, "sgd"))
    pipeline, image = run_model.model, dataset_image()
    saliency = saliency_map(run_model, image, class_index=1)
    assert saliency.method == "linear"
    assert_valid_map(saliency.values)
    # Reference: each lit pixel's effect on the class score, measured through the pipeline itself.
    blank = pipeline.decision_function(np.zeros((1, 784), np.float32))[0, 1]
    pixels = np.flatnonzero(image.reshape(-1) > 0.5)[::40]
    singles = np.zeros((len(pixels), 784), np.float32)
    singles[np.arange(len(pixels)), pixels] = image.reshape(-1)[pixels]
    effects = np.abs(pipeline.decision_function(singles)[:, 1] - blank)
    expected = effects / effects.max()
    measured = saliency.values.reshape(-1)[pixels] / saliency.values.reshape(-1)[pixels].max()
    np.testing.assert_allclose(measured, expected, rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------- hand-built models with known answers


def bar_detector_cnn() -> RunModel:
    """Conv channel 0 fires on horizontal bars, channel 1 on vertical ones; class k sums channel k."""
    import keras

    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(2, 5, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])  # fmt: skip
    kernel = np.zeros((5, 5, 1, 2), np.float32)
    kernel[2, :, 0, 0] = 1.0  # five lit pixels in a row
    kernel[:, 2, 0, 1] = 1.0  # five lit pixels in a column
    model.layers[0].set_weights([kernel, np.full(2, -4.5, np.float32)])
    dense = np.zeros((28 * 28 * 2, 10), np.float32)
    dense[0::2, 0], dense[1::2, 1] = 1.0, 1.0  # Flatten orders (row, column, channel)
    model.layers[2].set_weights([dense, np.zeros(10, np.float32)])
    return RunModel("test", "cnn", "keras", model, 3)


def left_right_dense() -> RunModel:
    """A softmax regression: class 0 counts ink in the top half, class 1 in the bottom half."""
    import keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.add(keras.layers.Softmax())
    kernel = np.zeros((784, 10), np.float32)
    kernel[: 14 * 28, 0], kernel[14 * 28 :, 1] = 1.0, 1.0
    model.layers[1].set_weights([kernel, np.zeros(10, np.float32)])
    return RunModel("test", "mlp", "keras", model, 2)


# The bars' inner pixels, where the whole 5-pixel kernel lies on the bar (see `two_bars`).
HORIZONTAL_INNER = (slice(5, 7), slice(4, 12))
VERTICAL_INNER = (slice(16, 24), slice(20, 22))


@pytest.mark.parametrize(("class_index", "inner"), [(0, HORIZONTAL_INNER), (1, VERTICAL_INNER)])
def test_grad_cam_points_at_the_evidence(class_index: int, inner: tuple[slice, slice]) -> None:
    """Class k's score sums conv channel k, so its gradient weights are 1 for channel k and 0 for the
    other, and Grad-CAM is channel k's activation: 0.5 on the inner pixels of its bar, 0 elsewhere."""
    image, _, _ = two_bars()
    saliency = saliency_map(bar_detector_cnn(), image, class_index=class_index)
    assert saliency.method == "grad-cam"
    expected = np.zeros((28, 28), np.float32)
    expected[inner] = 1.0
    np.testing.assert_allclose(saliency.values, expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("class_index", "rows"), [(0, slice(0, 14)), (1, slice(14, 28))])
def test_gradient_x_input_points_at_the_evidence(class_index: int, rows: slice) -> None:
    image, _, _ = two_bars()
    saliency = saliency_map(left_right_dense(), image, class_index=class_index)
    assert saliency.method == "gradient-x-input"
    evidence = np.zeros_like(image)
    evidence[rows] = image[rows]
    np.testing.assert_allclose(saliency.values, evidence, atol=1e-6)


def test_confident_prediction_still_has_a_map() -> None:
    """A saturated softmax (p = 1.0) must not blank the map: gradients use the pre-softmax score."""
    _, horizontal, _ = two_bars()
    image = horizontal.astype(np.float32)  # only class 0's evidence
    run_model = bar_detector_cnn()
    run_model.model.layers[2].set_weights([w * 1000 for w in run_model.model.layers[2].get_weights()])
    assert predict_probabilities(run_model, image[None])[0].max() == 1.0
    assert saliency_map(run_model, image, class_index=0).values.max() == pytest.approx(1.0)


def test_empty_image_gives_an_all_zero_map() -> None:
    saliency = saliency_map(left_right_dense(), np.zeros((28, 28), np.float32))
    assert saliency.values.shape == (28, 28) and saliency.values.max() == 0.0
