"""2-D maps of the features: PCA, UMAP, placing new images and finding their neighbours."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.evaluation import evaluation
from fmnist_core.inspection import features, projection, umap_layout
from fmnist_core.words import english


def run_folder(root: Path, model: str) -> Path:
    return next(folder for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


def clusters(count: int = 300, width: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 3
    centres = rng.normal(0, 10, size=(3, width))
    return (centres[labels] + rng.normal(0, 1, size=(count, width))).astype(np.float32), labels


def test_pca_of_real_features_matches_scikit_learn_and_places_points_exactly(trained_root: Path):
    from sklearn.decomposition import PCA

    features_all = features.load_features(run_folder(trained_root, "mlp"))
    result = projection.pca_projection(features_all)
    reference = PCA(n_components=2, svd_solver="full").fit(features_all.astype(np.float64))
    assert result.method == "pca" and result.coordinates.shape == (10_000, 2)
    assert result.coordinates.dtype == np.float32
    np.testing.assert_allclose(result.explained_variance, reference.explained_variance_ratio_, rtol=1e-3)
    assert sum(result.explained_variance) > 0.2  # two axes of a trained network's features carry much
    np.testing.assert_allclose(
        projection.place(result, features_all, features_all), result.coordinates, atol=1e-3
    )
    with pytest.raises(ValueError, match="at least two"):
        projection.pca_projection(features_all[:1])


def test_nearest_test_images_agrees_with_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(1)
    features_all, new = rng.normal(size=(500, 16)), rng.normal(size=(4, 16))
    found = projection.nearest_test_images(features_all, new, 7)
    expected = NearestNeighbors(n_neighbors=7).fit(features_all).kneighbors(new)[1]
    assert found.shape == (4, 7) and np.array_equal(found, expected)
    assert projection.nearest_test_images(features_all, new[0], 1000).shape == (1, 500)
    with pytest.raises(ValueError, match="values each"):
        projection.nearest_test_images(features_all, rng.normal(size=(2, 3)), 5)


def test_place_on_a_umap_map_is_the_mean_of_the_ten_nearest_test_images():
    features_all, _ = clusters()
    coordinates = np.random.default_rng(2).normal(size=(300, 2)).astype(np.float32)
    umap_map = projection.Projection("umap", coordinates)
    new = features_all[:2] + 0.01
    nearest = projection.nearest_test_images(features_all, new, 10)
    np.testing.assert_allclose(
        projection.place(umap_map, features_all, new), coordinates[nearest].mean(axis=1), rtol=1e-6
    )


def test_majority_class_and_neighbour_agreement():
    assert projection.majority_class(np.array([2, 5, 5, 1, 5, 2])) == (5, 3)
    assert projection.majority_class(np.array([3, 1])) == (1, 1)  # a tie goes to the lower class
    points = np.array([[0, 0], [0, 1], [10, 10], [10, 11], [20, 0], [20, 1]], dtype=float)
    assert projection.neighbour_agreement(points, np.array([0, 0, 1, 1, 2, 2])) == 1.0
    assert projection.neighbour_agreement(points, np.array([0, 1, 1, 1, 2, 2])) == pytest.approx(2 / 3)


def test_umap_separates_clusters_reproducibly_and_reports_its_epochs():
    points, labels = clusters()
    reports: list[tuple[float, str]] = []
    first = umap_layout.umap_coordinates(
        points, lambda fraction, key, **values: reports.append((fraction, english(key, **values)))
    )
    assert first.shape == (300, 2) and first.dtype == np.float32
    assert projection.neighbour_agreement(first, labels) > 0.95
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [message for _, message in reports]
    assert any("nearest neighbours" in message for message in messages)
    assert messages[-1].startswith("Optimising the layout: epoch") and messages[-1].endswith("of 500")
    assert np.array_equal(umap_layout.umap_coordinates(points), first)  # fixed seed
    with pytest.raises(ValueError, match="more than 15"):
        umap_layout.umap_coordinates(points[:10])


def test_stored_umap_is_read_back_and_damage_is_reported(seeded_artifacts: Path, monkeypatch):
    folder = run_folder(seeded_artifacts, "mlp")
    assert projection.load_umap(folder) is None
    # The layout itself is tested above; here only how compute_umap stores what it gets.
    monkeypatch.setattr(umap_layout, "umap_coordinates", lambda f, report: f[:, :2].copy())
    computed = projection.compute_umap(folder)
    loaded = projection.load_umap(folder)
    assert loaded.method == "umap" and loaded.explained_variance is None
    assert np.array_equal(loaded.coordinates, computed.coordinates)
    np.savez(folder / projection.UMAP_FILE, coordinates=np.zeros((5, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected \(10000, 2\)"):
        projection.load_umap(folder)
    (folder / projection.UMAP_FILE).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="damaged.*Compute UMAP"):
        projection.load_umap(folder)


def test_compute_umap_computes_missing_features_first(seeded_artifacts: Path, monkeypatch):
    folder = run_folder(seeded_artifacts, "mlp")
    (folder / features.FEATURES_FILE).unlink()
    monkeypatch.setattr(umap_layout, "umap_coordinates", lambda f, report: f[:, :2].copy())
    reports = []
    projection.compute_umap(folder, lambda fraction, key, **values: reports.append(key))
    assert features.has_features(folder) and reports[0] == "plot.map.progress_loading_model"


def test_cli_map_prints_the_pca_summary(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    env = {**os.environ, "FMNIST_ARTIFACTS": str(seeded_artifacts)}
    result = subprocess.run(
        [sys.executable, "-m", "fmnist_core", "map", folder.name, "--json"],
        capture_output=True, text=True, timeout=120, env=env, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["method"] == "pca" and summary["points"] == 10_000 and summary["dimensions"] == 128
    assert len(summary["explained_variance"]) == 2 and 0 < summary["neighbour_agreement"] <= 1
    labels = evaluation.load_predictions(folder).labels
    expected = projection.neighbour_agreement(
        projection.pca_projection(features.load_features(folder)).coordinates, labels
    )
    assert summary["neighbour_agreement"] == pytest.approx(expected)
    missing = subprocess.run(
        [sys.executable, "-m", "fmnist_core", "map", "20990101-000000-mlp-abcdef"],
        capture_output=True, text=True, timeout=120, env=env, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert missing.returncode == 2 and "error:" in missing.stderr and "Traceback" not in missing.stderr
