"""The cached loaders of features and maps: a file written later is seen, nothing stale is served."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.inspection import features, projection
from fmnist_ui.shared import loaders


def run_id(root: Path, model: str) -> str:
    return next(folder.name for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


def test_features_and_maps_are_loaded_and_follow_their_files(seeded_artifacts: Path):
    rid = run_id(seeded_artifacts, "mlp")
    folder = seeded_artifacts / "runs" / rid
    assert loaders.load_features(rid).shape == (10_000, 128)
    pca = loaders.load_projection(rid, "pca")
    assert pca.method == "pca" and pca.coordinates.shape == (10_000, 2)
    assert loaders.load_projection(rid, "umap") is None  # not computed yet
    coordinates = np.random.default_rng(0).normal(size=(10_000, 2)).astype(np.float32)
    np.savez(folder / projection.UMAP_FILE, coordinates=coordinates)
    assert np.array_equal(loaders.load_projection(rid, "umap").coordinates, coordinates)  # not a cached None
    (folder / features.FEATURES_FILE).unlink()
    with pytest.raises(features.FeaturesMissing):
        loaders.load_features(rid)
    assert loaders.features_job_status(rid).state == "absent"
    with pytest.raises(ValueError, match="unknown projection"):
        loaders.load_projection(rid, "tsne")


def test_the_loaders_do_not_import_tensorflow():
    code = (
        "import fmnist_ui.shared.loaders, sys; print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
