"""2-D maps of a run's test-set features: PCA (instant) and UMAP (a background job), and where a
new image (a drawing) lands on them.

PCA is linear, so a new image is placed exactly where the map would have put it. UMAP has no
exact placement here (``UMAP.transform`` would need the fitted model, tens of MB and seconds per
call), so a new image is put at the mean position of its 10 nearest test images in feature space.

The UMAP layout itself is ``umap_layout.umap_coordinates``: umap-learn is slow to import and
compiles its code on first use, which is why UMAP runs as the "umap" job (see ``jobs``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fmnist_core import atomic_files
from fmnist_core.evaluation import evaluation
from fmnist_core.inspection import features, umap_layout
from fmnist_core.words import CodedError, Word

UMAP_FILE = "umap.npz"
PLACE_NEIGHBOURS = 10
Progress = Callable[..., None]  # (fraction done 0..1, words key, **its values)


class ProjectionError(CodedError, ValueError):
    """A map cannot be made or read (too few features, a damaged ``umap.npz``); says what to do."""


@dataclass(frozen=True, eq=False)
class Projection:
    """A 2-D map of N test images.

    Attributes:
        method: "pca" or "umap".
        coordinates: (N, 2) float32, in test-set order.
        explained_variance: For PCA, the share of the features' variance each axis explains;
            None for UMAP.
        mean: For PCA, the features' mean (D,), subtracted before projecting; else None.
        components: For PCA, the two principal axes (2, D); else None.
    """

    method: str
    coordinates: np.ndarray
    explained_variance: tuple[float, float] | None = None
    mean: np.ndarray | None = None
    components: np.ndarray | None = None


def pca_projection(features_all: np.ndarray) -> Projection:
    """The first two principal components of (N, D) features (scikit-learn's PCA).

    scikit-learn picks its covariance solver for N >> D: about 10 ms for 10,000 x 128.
    """
    from sklearn.decomposition import PCA

    features_all = np.asarray(features_all, dtype=np.float32)
    if features_all.ndim != 2 or len(features_all) < 2:
        raise ProjectionError("error.map.pca_rows", shape=features_all.shape)
    pca = PCA(n_components=2, random_state=0).fit(features_all)
    ratio = tuple(float(value) for value in pca.explained_variance_ratio_)
    return Projection(
        "pca",
        pca.transform(features_all).astype(np.float32),
        (ratio[0], ratio[1]),
        pca.mean_.astype(np.float32),
        pca.components_.astype(np.float32),
    )


def nearest_test_images(features_all: np.ndarray, new_features: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` test images nearest to each new image, nearest first.

    Euclidean distance in feature space, by brute force with numpy (10,000 x 128: a few ms).

    Args:
        features_all: (N, D) features of the test set.
        new_features: (M, D) features of the new images.
        k: How many neighbours (at most N).

    Returns:
        (M, k) int64 indices into the test set.
    """
    features_all = np.asarray(features_all, dtype=np.float32)
    new_features = np.atleast_2d(np.asarray(new_features, dtype=np.float32))
    if new_features.shape[1:] != features_all.shape[1:]:
        raise ProjectionError(
            "error.map.new_features_shape", new=new_features.shape[1:], expected=features_all.shape[1:]
        )
    k = min(int(k), len(features_all))
    squared = (
        (new_features**2).sum(axis=1, keepdims=True)
        - 2 * new_features @ features_all.T
        + (features_all**2).sum(axis=1)
    )
    nearest = np.argpartition(squared, k - 1, axis=1)[:, :k]
    order = np.argsort(np.take_along_axis(squared, nearest, axis=1), axis=1, kind="stable")
    return np.take_along_axis(nearest, order, axis=1).astype(np.int64)


def place(projection: Projection, features_all: np.ndarray, new_features: np.ndarray) -> np.ndarray:
    """Where new images land on a map: (M, 2) float32.

    For PCA, the exact projection ((x - mean) @ components.T, as ``PCA.transform``). For UMAP, the
    mean coordinates of the new image's 10 nearest test images in feature space (an approximation:
    it lands among the images the model finds most similar).
    """
    new_features = np.atleast_2d(np.asarray(new_features, dtype=np.float32))
    if projection.method == "pca":
        return ((new_features - projection.mean) @ projection.components.T).astype(np.float32)
    nearest = nearest_test_images(features_all, new_features, PLACE_NEIGHBOURS)
    return projection.coordinates[nearest].mean(axis=1).astype(np.float32)


def majority_class(labels_of_neighbours: np.ndarray) -> tuple[int, int]:
    """The most common class among neighbours' labels and how many have it (ties: lowest index)."""
    counts = np.bincount(np.asarray(labels_of_neighbours, dtype=np.int64).ravel())
    return int(counts.argmax()), int(counts.max())


def neighbour_agreement(coordinates: np.ndarray, labels: np.ndarray) -> float:
    """The share of points whose nearest other point on the map has the same label: how well the
    map keeps the classes apart (1.0 when no class mixes with another)."""
    from sklearn.neighbors import NearestNeighbors

    coordinates = np.asarray(coordinates, dtype=np.float64)
    nearest = NearestNeighbors(n_neighbors=2).fit(coordinates).kneighbors(coordinates)[1]
    # Column 0 is the point itself, unless a duplicate sits on it: then take the other one.
    own = nearest[:, 0] == np.arange(len(coordinates))
    other = np.where(own, nearest[:, 1], nearest[:, 0])
    labels = np.asarray(labels)
    return float((labels[other] == labels).mean())


# ---------------------------------------------------------------- UMAP


def compute_umap(folder: Path, report: Progress | None = None) -> Projection:
    """The "umap" job: UMAP of the run's test-set features, saved to ``umap.npz`` atomically.

    Computes the features first if the run has none yet (older runs, imported models).
    """
    folder = Path(folder)
    report = report or (lambda fraction, key, **values: None)
    start = 0.0
    try:
        features_all = features.load_features(folder)
    except features.FeaturesMissing:
        features_all = features.compute_run_features(
            folder, lambda fraction, key, **values: report(0.2 * fraction, key, **values)
        )
        start = 0.2  # the first fifth of the bar went to the features
    coordinates = umap_layout.umap_coordinates(
        features_all, lambda fraction, key, **values: report(start + (1 - start) * fraction, key, **values)
    )
    buffer = io.BytesIO()
    np.savez(buffer, coordinates=coordinates)
    atomic_files.atomic_write_bytes(folder / UMAP_FILE, buffer.getvalue())
    return Projection("umap", coordinates)


def load_umap(folder: Path) -> Projection | None:
    """The run's stored UMAP map, or None when it has not been computed.

    Raises:
        ValueError: ``umap.npz`` is damaged or does not match the run's test set.
    """
    path = Path(folder) / UMAP_FILE
    if not path.is_file():
        return None
    hint = Word("error.map.umap_hint")  # 'press "Compute UMAP" to compute it again'
    try:
        with np.load(path, allow_pickle=False) as stored:
            coordinates = stored["coordinates"]
    except (OSError, KeyError, ValueError, EOFError) as error:
        raise ProjectionError(
            "error.map.umap_damaged", run=path.parent.name, error=str(error), hint=hint
        ) from error
    expected = len(evaluation.load_predictions(path.parent).labels)
    if coordinates.shape != (expected, 2) or not np.isfinite(coordinates).all():
        raise ProjectionError(
            "error.map.umap_mismatch",
            run=path.parent.name,
            shape=coordinates.shape,
            expected=expected,
            hint=hint,
        )
    return Projection("umap", coordinates.astype(np.float32))
