"""UMAP layout of feature vectors with umap-learn, reporting its progress stage by stage.

umap-learn is imported here only, inside `umap_coordinates`: importing it takes seconds and its
code is compiled (numba) on first use, which is why the app runs it as the "umap" background job
(``projection.compute_umap``).
"""

from __future__ import annotations

import io
import re
import sys
import warnings
from collections.abc import Callable

import numpy as np

from fmnist_core.words import CodedError

UMAP_SEED = 42  # fixed, so the same run always gets the same map
UMAP_NEIGHBOURS = 15  # umap-learn's default: local enough to keep the classes' inner structure
Progress = Callable[..., None]  # (fraction done 0..1, words key, **its values)


class LayoutError(CodedError, ValueError):
    """UMAP cannot lay out these features (too few of them, or it produced NaN); says what to do."""


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
    report = report or (lambda fraction, key, **values: None)
    features_all = np.asarray(features_all, dtype=np.float32)
    if features_all.ndim != 2 or len(features_all) <= UMAP_NEIGHBOURS:
        raise LayoutError("error.map.umap_rows", neighbours=UMAP_NEIGHBOURS, shape=features_all.shape)
    report(0.0, "plot.map.progress_loading_umap")
    umap = _import_umap()
    report(0.1, "plot.map.progress_neighbours", neighbours=UMAP_NEIGHBOURS)
    knn = exact_neighbours(features_all, UMAP_NEIGHBOURS)
    report(0.2, "plot.map.progress_graph")

    def on_epoch(epoch: int, total: int) -> None:
        report(0.35 + 0.65 * epoch / max(total, 1), "plot.map.progress_epoch", epoch=epoch, total=total)

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
        raise LayoutError("error.map.umap_nan")
    return coordinates
