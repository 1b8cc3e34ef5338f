"""Our scikit-learn models on disk: saved with skops (never pickle), loaded trusting only the types
our own pipelines contain, so a ``model.skops`` that smuggles in anything else is refused."""

from __future__ import annotations

from pathlib import Path

import skops.io
from sklearn.pipeline import Pipeline

from fmnist_core import atomic_files
from fmnist_core.models.model_files import ModelFileError

TRUSTED_TYPES = (
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._stochastic_gradient.SGDClassifier",
    "sklearn.linear_model._sgd_fast.Hinge",
    "sklearn.linear_model._sgd_fast.Log",
    "sklearn.linear_model._sgd_fast.CyHalfMultinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
)


def save_sklearn_model(pipeline: Pipeline, path: Path) -> None:
    """Writes ``pipeline`` to ``path`` in the skops format, atomically."""
    atomic_files.atomic_write_bytes(path, skops.io.dumps(pipeline))


def load_sklearn_model(path: Path) -> Pipeline:
    """Loads a ``model.skops`` written by ``save_sklearn_model``.

    Raises:
        ModelFileError: the file holds a type outside ``TRUSTED_TYPES``; the message names it (a
            ValueError).
    """
    untrusted = [name for name in skops.io.get_untrusted_types(file=path) if name not in TRUSTED_TYPES]
    if untrusted:
        raise ModelFileError("error.model_file.untrusted_types", path=str(path), types=", ".join(untrusted))
    return skops.io.load(path, trusted=list(TRUSTED_TYPES))
