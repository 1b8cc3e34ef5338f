"""2-D maps of a run's test-set features: PCA (instant) and UMAP (a background job), and where a
new image (a drawing) lands on them.

PCA is linear, so a new image is placed exactly where the map would have put it. UMAP has no
exact placement here (``UMAP.transform`` would need the fitted model, tens of MB and seconds per
call), so a new image is put at the mean position of its 10 nearest test images in feature space.

umap-learn is imported by `umap_coordinates` only: importing it takes seconds and its code is
compiled (numba) on first use, which is why UMAP runs as the "umap" job (see ``jobs``).
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fmnist_core import atomic_files, evaluation, features

UMAP_FILE = "umap.npz"
UMAP_SEED = 42  # fixed, so the same run always gets the same map
UMAP_NEIGHBOURS = 15  # umap-learn's default: local enough to keep the classes' inner structure
PLACE_NEIGHBOURS = 10
Progress = Callable[[float, str], None]


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
        raise ValueError(f"PCA needs at least two (N, D) feature rows, got shape {features_all.shape}.")
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
        raise ValueError(
            f"new features have {new_features.shape[1:]} values each, the test set's {features_all.shape[1:]}."
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


class _EpochProgress(io.StringIO):
    """A file for umap-learn's tqdm bar (format "{n}/{total}") that reports each epoch count."""

    def __init__(self, on_epoch: Callable[[int, int], None]) -> None:
        super().__init__()
        self.on_epoch = on_epoch

    def write(self, text: str) -> int:
        match = re.search(r"(\d+)/(\d+)", text)
        if match:
            self.on_epoch(int(match[1]), int(match[2]))
        return len(text)


def _import_umap():
    """umap-learn without its optional TensorFlow part (ParametricUMAP), which would add seconds.

    TensorFlow is hidden only while umap imports, and only when this process has not loaded it.
    """
    hide = "tensorflow" not in sys.modules
    if hide:
        sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail
    try:
        import umap
    finally:
        if hide and sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]
    return umap


def exact_neighbours(features_all: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each point's ``k`` nearest points (itself first, as umap-learn expects) and their distances.

    Exact brute force with scikit-learn: about a second for 10,000 x 128, where umap-learn's
    approximate search spent about 30 s compiling its code in every new process.
    """
    from sklearn.neighbors import NearestNeighbors

    search = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(features_all)
    distances, indices = search.kneighbors(features_all)
    return indices.astype(np.int32), distances.astype(np.float32)


def umap_coordinates(features_all: np.ndarray, report: Progress | None = None) -> np.ndarray:
    """UMAP of (N, D) features to (N, 2) float32 coordinates, reproducibly (fixed seed).

    The nearest neighbours are exact (`exact_neighbours`); with a fixed seed umap-learn lays out
    single-threaded, which still takes only seconds for 10,000 points once its code is compiled.
    Progress goes 0..1 through: loading umap-learn, the nearest neighbours, the neighbour graph and
    initial layout (compiled on first use), then the layout's epochs (umap-learn's tqdm bar, read
    through its ``tqdm_kwds`` hook).
    """
    report = report or (lambda fraction, message: None)
    features_all = np.asarray(features_all, dtype=np.float32)
    if features_all.ndim != 2 or len(features_all) <= UMAP_NEIGHBOURS:
        raise ValueError(
            f"UMAP needs more than {UMAP_NEIGHBOURS} (N, D) feature rows, got shape {features_all.shape}."
        )
    report(0.0, "Loading UMAP (its code is compiled on first use: this takes a while)")
    umap = _import_umap()
    report(0.1, f"Finding the {UMAP_NEIGHBOURS} nearest neighbours of each image")
    knn = exact_neighbours(features_all, UMAP_NEIGHBOURS)
    report(0.2, "Building the neighbour graph and the initial layout")

    def on_epoch(epoch: int, total: int) -> None:
        report(0.35 + 0.65 * epoch / max(total, 1), f"Optimising the layout: epoch {epoch} of {total}")

    reducer = umap.UMAP(
        n_neighbors=UMAP_NEIGHBOURS,
        random_state=UMAP_SEED,
        n_jobs=1,  # a fixed random_state forces one thread anyway; saying so avoids its warning
        precomputed_knn=knn,
        tqdm_kwds={"disable": False, "file": _EpochProgress(on_epoch), "bar_format": "{n}/{total}"},
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"precomputed_knn\[2\]")  # no transform needed
        coordinates = reducer.fit_transform(features_all).astype(np.float32)
    if not np.isfinite(coordinates).all():
        raise ValueError("UMAP produced NaN coordinates; compute the features again and retry.")
    return coordinates


def compute_umap(folder: Path, report: Progress | None = None) -> Projection:
    """The "umap" job: UMAP of the run's test-set features, saved to ``umap.npz`` atomically.

    Computes the features first if the run has none yet (older runs, imported models).
    """
    folder = Path(folder)
    report = report or (lambda fraction, message: None)
    start = 0.0
    try:
        features_all = features.load_features(folder)
    except features.FeaturesMissing:
        features_all = features.compute_run_features(
            folder, lambda fraction, message: report(0.2 * fraction, message)
        )
        start = 0.2  # the first fifth of the bar went to the features
    coordinates = umap_coordinates(
        features_all, lambda fraction, message: report(start + (1 - start) * fraction, message)
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
    hint = 'press "Compute UMAP" to compute it again'
    try:
        with np.load(path, allow_pickle=False) as stored:
            coordinates = stored["coordinates"]
    except (OSError, KeyError, ValueError, EOFError) as error:
        raise ValueError(f"The UMAP map of run {path.parent.name} is damaged ({error}); {hint}.") from error
    expected = len(evaluation.load_predictions(path.parent).labels)
    if coordinates.shape != (expected, 2) or not np.isfinite(coordinates).all():
        raise ValueError(
            f"The UMAP map of run {path.parent.name} holds {coordinates.shape} values, expected "
            f"({expected}, 2) finite coordinates; {hint}."
        )
    return Projection("umap", coordinates.astype(np.float32))
