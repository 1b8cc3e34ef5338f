"""Tests for fmnist_core.models.inference: loading a run's model and predicting probabilities."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist
from fmnist_core.evaluation import evaluation
from fmnist_core.models.inference import (
    ModelLoadError,
    check_images,
    load_run_model,
    predict_probabilities,
    top_classes,
)
from fmnist_core.runs import runs
from tests.conftest import train_tiny_run

NUM_IMAGES = 16


def run_folder(root: Path, model: str) -> Path:
    record = next(r for r in runs.list_runs(root) if r.model == model)
    return runs.run_path(record.id, root)


def load_images(count: int = NUM_IMAGES) -> np.ndarray:
    return load_fashion_mnist().x_test[:count].astype(np.float32) / 255.0


@pytest.mark.parametrize(("model", "rank"), [("mlp", 2), ("cnn", 3)])
def test_keras_run_predicts_what_training_stored(trained_root: Path, model: str, rank: int) -> None:
    folder = run_folder(trained_root, model)
    run_model = load_run_model(folder)
    assert (run_model.family, run_model.model_name, run_model.input_rank) == ("keras", model, rank)
    assert_predicts_what_training_stored(run_model, folder)


def test_sklearn_run_predicts_what_training_stored(artifacts: Path) -> None:
    folder = train_tiny_run(artifacts, "sgd")
    run_model = load_run_model(folder)
    assert (run_model.family, run_model.model_name) == ("sklearn", "sgd")
    assert_predicts_what_training_stored(run_model, folder)


def assert_predicts_what_training_stored(run_model, folder: Path) -> None:
    probabilities = predict_probabilities(run_model, load_images())
    assert probabilities.shape == (NUM_IMAGES, 10) and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    # Reference: the worker's predictions on the same test images, stored in predictions.npz.
    stored = evaluation.load_predictions(folder).probabilities[:NUM_IMAGES]
    np.testing.assert_allclose(probabilities, stored, atol=1e-5)


def test_imported_logits_model_gives_probabilities(artifacts: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    folder = runs.create_run("imported", {}, artifacts)
    model.save(folder / "model.keras")
    images = load_images(4)
    logits = np.asarray(model(images))
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probabilities = predict_probabilities(load_run_model(folder), images)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)


def test_imported_file_must_be_the_one_checked_on_import(artifacts: Path) -> None:
    import keras

    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    folder = runs.create_run("imported", {}, artifacts, source={"sha256": "0" * 64})
    model.save(folder / "model.keras")
    with pytest.raises(ModelLoadError, match="changed after it was imported"):
        load_run_model(folder)


def test_run_without_model_is_a_clear_error(artifacts: Path) -> None:
    folder = runs.create_run("cnn", {}, artifacts)
    with pytest.raises(ModelLoadError, match="has no saved model"):
        load_run_model(folder)


def test_damaged_keras_file_is_a_clear_error(artifacts: Path) -> None:
    folder = runs.create_run("cnn", {}, artifacts)
    (folder / "model.keras").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ModelLoadError, match="was refused"):
        load_run_model(folder)


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((28, 28)), "shape"),
        (np.zeros((2, 28, 27)), "shape"),
        (np.zeros((0, 28, 28)), "shape"),
        (np.full((1, 28, 28), 255.0), r"\[0, 1\]"),
        (np.full((1, 28, 28), np.nan), r"\[0, 1\]"),
    ],
)
def test_bad_inputs_are_refused(images: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_images(images)


def test_top_classes_in_order() -> None:
    probabilities = np.array([0.05, 0.5, 0.0, 0.3, 0.0, 0.0, 0.15, 0.0, 0.0, 0.0])
    assert top_classes(probabilities) == [("Trouser", 0.5), ("Dress", 0.3), ("Shirt", 0.15)]


def test_sklearn_inference_never_imports_tensorflow(artifacts: Path) -> None:
    folder = train_tiny_run(artifacts, "sgd")
    code = (
        "import sys\nfrom pathlib import Path\nimport numpy as np\n"
        "from fmnist_core.models.inference import load_run_model, predict_probabilities\n"
        f"model = load_run_model(Path({str(folder)!r}))\n"
        "predict_probabilities(model, np.zeros((1, 28, 28), np.float32))\n"
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# ---------------------------------------------------------------- a trained CNN on drawn garments

CANVAS = 336  # the Draw page's canvas size
BRUSH = 26  # the Draw page's default brush width


def draw_on_canvas(shapes: list[tuple[str, list[int], dict]]) -> np.ndarray:
    """Renders (method, coordinates, options) with PIL's ImageDraw: black ink on a white canvas."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (CANVAS, CANVAS), "white")
    pen = ImageDraw.Draw(image)
    for method, xy, options in shapes:
        getattr(pen, method)(xy, **options)
    return np.asarray(image)


TROUSER = [  # two long vertical strokes joined at the top
    ("line", [141, 51, 197, 51], {"fill": "black", "width": BRUSH}),
    ("line", [141, 51, 137, 291], {"fill": "black", "width": BRUSH}),
    ("line", [197, 51, 206, 291], {"fill": "black", "width": BRUSH}),
]
BAG = [  # a filled rectangle with a handle
    ("rectangle", [69, 137, 266, 283], {"fill": "black"}),
    ("arc", [120, 69, 214, 206], {"start": 180, "end": 360, "fill": "black", "width": BRUSH}),
]


@pytest.fixture(scope="module")
def trained_cnn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CNN trained for 2 epochs on 20,000 images (about 40 s on 2 cores)."""
    root = tmp_path_factory.mktemp("drawcheck")
    return train_tiny_run(root, "cnn", epochs=2, batch_size=128, train_samples=20_000)


@pytest.mark.slow
@pytest.mark.parametrize(("shapes", "expected"), [(TROUSER, "Trouser"), (BAG, "Bag")], ids=["trouser", "bag"])
def test_trained_cnn_recognises_drawn_garments(shapes: list, expected: str, trained_cnn: Path) -> None:
    from fmnist_core.drawing.drawing import preprocess_drawing

    image = preprocess_drawing(draw_on_canvas(shapes), fill_holes=True)
    probabilities = predict_probabilities(load_run_model(trained_cnn), image[None])[0]
    assert top_classes(probabilities, 1)[0][0] == expected, top_classes(probabilities)
