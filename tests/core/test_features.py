"""Penultimate-layer features: stored by training, computed on request, read back safely."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist, to_model_input
from fmnist_core.evaluation import evaluation
from fmnist_core.inspection import features
from fmnist_core.models import inference
from tests.conftest import train_tiny_run


def run_folder(root: Path, model: str) -> Path:
    return next(folder for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


def first_test_images(count: int = 16) -> np.ndarray:
    return to_model_input(load_fashion_mnist().x_test[:count])


@pytest.mark.parametrize(("model", "width", "layer"), [("mlp", 128, 1), ("cnn", 100, -3)])
def test_training_stores_float16_features_equal_to_a_hand_built_sub_model(
    trained_root: Path, model: str, width: int, layer: int
):
    import keras

    folder = run_folder(trained_root, model)
    with np.load(folder / features.FEATURES_FILE) as stored:
        raw = stored["features"]
    assert raw.dtype == np.float16 and raw.shape == (10_000, width)
    keras_model = keras.saving.load_model(folder / "model.keras")
    # mlp: Dense(128)'s output feeds Dense(10); cnn: Dense(100) -> Dropout (identity) -> Dense(10).
    by_hand = keras.Model(keras_model.inputs[0], keras_model.layers[layer].output)
    x = first_test_images()
    expected = np.asarray(by_hand(x[..., None] if model == "cnn" else x, training=False))
    np.testing.assert_array_equal(raw[:16], expected.astype(np.float16))
    loaded = features.load_features(folder)
    assert loaded.dtype == np.float32 and np.array_equal(loaded, raw.astype(np.float32))


def test_stored_predictions_are_bit_identical_to_model_predict(trained_root: Path):
    """Training computes features and predictions in one pass; the predictions must not change."""
    import keras

    x_test = to_model_input(load_fashion_mnist().x_test)
    for model in ("mlp", "cnn"):
        folder = run_folder(trained_root, model)
        keras_model = keras.saving.load_model(folder / "model.keras")
        x = x_test[..., None] if model == "cnn" else x_test
        expected = keras_model.predict(x, batch_size=1024, verbose=0)
        assert np.array_equal(evaluation.load_predictions(folder).probabilities, expected)


def test_extract_features_of_a_few_images_matches_the_stored_ones(trained_root: Path):
    folder = run_folder(trained_root, "cnn")
    run_model = inference.load_run_model(folder)
    images = first_test_images(5)
    found, probabilities = features.features_and_probabilities(run_model, images)
    assert found.shape == (5, 100) and found.dtype == np.float32
    np.testing.assert_allclose(found, features.load_features(folder)[:5], rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(probabilities, inference.predict_probabilities(run_model, images), atol=1e-6)
    assert features.feature_model(run_model.model) is features.feature_model(run_model.model)  # built once
    np.testing.assert_allclose(
        features.extract_features(run_model, images[:1]), found[:1], rtol=1e-5, atol=1e-5
    )
    with pytest.raises(ValueError, match="shape"):
        features.extract_features(run_model, images[0])


@pytest.mark.parametrize(("model", "overrides"), [("logreg", {"epochs": 5}), ("sgd", {})])
def test_sklearn_features_are_the_input_of_the_final_step(artifacts: Path, model: str, overrides: dict):
    folder = train_tiny_run(artifacts, model, **overrides)
    pipeline = inference.load_run_model(folder).model
    x = to_model_input(load_fashion_mnist().x_test).reshape(10_000, -1)
    expected = x if model == "logreg" else pipeline[:-1].transform(x)  # logreg: the pixels themselves
    stored = features.load_features(folder)
    assert stored.shape == (10_000, 784)
    np.testing.assert_array_equal(stored, expected.astype(np.float16).astype(np.float32))
    assert np.array_equal(evaluation.load_predictions(folder).probabilities, pipeline.predict_proba(x))
    run_model = inference.load_run_model(folder)
    np.testing.assert_allclose(
        features.extract_features(run_model, first_test_images(3)), expected[:3], rtol=1e-6
    )


def test_an_older_run_gets_its_features_on_request(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    original = features.load_features(folder)
    (folder / features.FEATURES_FILE).unlink()
    assert not features.has_features(folder)
    with pytest.raises(features.FeaturesMissing, match="Compute features"):
        features.load_features(folder)
    reports = []
    computed = features.compute_run_features(folder, lambda fraction, key, **values: reports.append(fraction))
    np.testing.assert_allclose(computed, original, rtol=2e-3, atol=2e-3)
    assert features.has_features(folder) and reports[0] == 0.0 and reports[-1] == 1.0
    assert reports == sorted(reports)


def test_a_run_without_a_model_file_says_it_cannot_have_features(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    (folder / "model.keras").unlink()
    with pytest.raises(features.FeaturesUnavailable, match="no saved model .* train it again"):
        features.compute_run_features(folder)


def test_damaged_or_mismatched_features_files_are_refused(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    (folder / features.FEATURES_FILE).write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="damaged"):
        features.load_features(folder)
    features.save_features(folder, np.ones((5, 8), dtype=np.float32))  # not one row per test image
    with pytest.raises(ValueError, match=r"\(10000, D\)"):
        features.load_features(folder)
    np.savez(folder / features.FEATURES_FILE, other=np.ones(3))
    with pytest.raises(ValueError, match="damaged"):
        features.load_features(folder)


def test_save_features_refuses_nan_and_clips_to_float16(tmp_path: Path):
    with pytest.raises(ValueError, match="NaN"):
        features.save_features(tmp_path, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        features.save_features(tmp_path, np.ones(4))
    features.save_features(tmp_path, np.array([[1e6, -1e6, 0.5]], dtype=np.float32))
    with np.load(tmp_path / features.FEATURES_FILE) as stored:
        assert np.isfinite(stored["features"]).all() and stored["features"][0, 0] == features.FLOAT16_MAX


def test_keras_features_come_from_the_last_dense_layer_even_before_an_activation():
    import keras

    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Flatten(),
            layers.Dense(16),
            layers.Dense(10),
            layers.Activation("softmax"),
        ]
    )
    run_model = inference.RunModel("r", "imported", "keras", model, 2)
    assert features.extract_features(run_model, first_test_images(2)).shape == (2, 16)
    no_dense = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Softmax()], name="plain")
    with pytest.raises(features.FeaturesUnavailable, match="no Dense layer"):
        features.feature_layer_input(no_dense)


def test_a_run_whose_model_cannot_load_reports_features_unavailable(seeded_artifacts: Path, tmp_path: Path):
    folder = run_folder(seeded_artifacts, "cnn")
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy)
    (copy / "model.keras").write_bytes(b"damaged")
    with pytest.raises(features.FeaturesUnavailable, match="cannot be computed"):
        features.compute_run_features(copy)


def test_an_imported_model_gets_its_features_on_request(trained_root: Path, artifacts: Path):
    from fmnist_core.models.importing import import_keras_model

    source = run_folder(trained_root, "mlp")
    folder = import_keras_model(source / "model.keras", artifacts, name="mine.keras")
    with pytest.raises(features.FeaturesMissing):
        features.load_features(folder)
    computed = features.compute_run_features(folder)
    np.testing.assert_allclose(computed, features.load_features(source), rtol=2e-3, atol=2e-3)
