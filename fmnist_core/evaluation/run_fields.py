"""The blocks of ``run.json`` that trained and imported runs both write: library versions, test scores."""

from __future__ import annotations

import contextlib
import platform
from importlib import metadata

import numpy as np

from fmnist_core.evaluation import evaluation

FAMILY_PACKAGES = {"keras": ("keras", "tensorflow"), "sklearn": ("scikit-learn",)}


def library_versions(family: str) -> dict[str, str]:
    """Python, NumPy and the libraries of a model ``family`` (``keras`` or ``sklearn``).

    Read from package metadata, so that recording them imports none of those libraries.
    """
    versions = {"python": platform.python_version(), "numpy": np.__version__}
    for package in FAMILY_PACKAGES[family]:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return versions


def scores_on_test_set(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """The ``test`` block: accuracy and mean cross-entropy of (N, 10) probabilities against labels."""
    return {
        "accuracy": evaluation.accuracy(probabilities, labels),
        "loss": evaluation.cross_entropy(probabilities, labels),
    }
