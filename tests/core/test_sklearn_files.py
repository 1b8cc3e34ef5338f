"""Our scikit-learn models load with skops and an explicit trusted-type list; anything else is refused."""

import os
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from fmnist_core.data import load_fashion_mnist
from fmnist_core.models.sklearn_files import TRUSTED_TYPES, load_sklearn_model
from fmnist_core.runs import runs
from tests.conftest import train_tiny_run


def test_our_pipelines_load(tmp_path: Path):
    x, y = np.random.default_rng(0).random((40, 784)), np.arange(40) % 10
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5)).fit(x, y)
    skops.io.dump(pipeline, tmp_path / "model.skops")
    loaded = load_sklearn_model(tmp_path / "model.skops")
    assert np.array_equal(loaded.predict(x), pipeline.predict(x))


def test_a_file_smuggling_a_function_is_refused(tmp_path: Path):
    hostile = make_pipeline(FunctionTransformer(os.system), LogisticRegression())
    skops.io.dump(hostile, tmp_path / "model.skops")
    with pytest.raises(ValueError, match="not allowed: .*system"):
        load_sklearn_model(tmp_path / "model.skops")


@pytest.mark.parametrize("name", ["logreg", "sgd"])
def test_run_test_accuracy_is_what_the_saved_model_scores(artifacts: Path, name: str):
    """Checked without our loader or our input scaling: skops and scikit-learn's own predict."""
    folder = train_tiny_run(artifacts, name, epochs=2)
    pipeline = skops.io.load(folder / "model.skops", trusted=list(TRUSTED_TYPES))
    dataset = load_fashion_mnist()
    pixels = dataset.x_test.reshape(len(dataset.x_test), -1).astype(np.float32) / 255.0
    correct = int(np.sum(pipeline.predict(pixels) == dataset.y_test))
    assert runs.read_run(folder).test["accuracy"] == correct / len(dataset.y_test)
