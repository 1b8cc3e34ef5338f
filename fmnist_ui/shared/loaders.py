"""Cached loaders shared by all pages: the app caches here and nowhere else.

``st.cache_resource`` holds large read-only objects once for all sessions (the uint8 dataset,
Keras models); ``st.cache_data`` holds derived values keyed by run id. Runs whose status can still
change are never cached. None of these import TensorFlow except ``load_run_model``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from fmnist_core import data
from fmnist_core.evaluation import evaluation, label_marks, label_review
from fmnist_core.inspection import features, projection
from fmnist_core.models import inference
from fmnist_core.runs import jobs, runs
from fmnist_ui.shared.i18n import error_text, t


def _spinning(key: str) -> Callable[[Callable], Callable]:
    """Shows ``t(key)`` while a cached loader runs: the cache decorators' own spinner text is fixed
    at import, in one language. The wrapper keeps the cached function's ``clear``."""

    def decorate(cached: Callable) -> Callable:
        @functools.wraps(cached)
        def call(*args: Any, **kwargs: Any) -> Any:
            with st.spinner(t(key)):
                return cached(*args, **kwargs)

        call.clear = cached.clear
        return call

    return decorate


@_spinning("common.loading_dataset")
@st.cache_resource(show_spinner=False)
def _load_dataset() -> data.FashionMNIST:
    return data.load_fashion_mnist()


def load_dataset() -> data.FashionMNIST:
    """The dataset, verified, held once per server process (read-only uint8 arrays).

    A missing or corrupt dataset stops the page with the loader's message (every place it looked
    and how to fix it) instead of a traceback. Failures are not cached, so a fix is picked up on
    the next rerun.
    """
    try:
        return _load_dataset()
    except data.DatasetError as error:
        st.error(t("common.dataset_unavailable", error=error_text(error)), icon=":material/error:")
        st.stop()


def test_images_or_none() -> Any:
    """The (10000, 28, 28) test images held for all sessions, or None when the dataset cannot be
    read (no message here: a report built without them reads the dataset and says why it cannot)."""
    try:
        return _load_dataset().x_test
    except data.DatasetError:
        return None


def list_runs() -> list[runs.RunRecord]:
    """All runs, newest first (never cached: statuses change)."""
    return runs.list_runs()


def scan_runs() -> tuple[list[runs.RunRecord], list[runs.DamagedRun]]:
    """All runs, newest first, and the folders whose run.json cannot be read (never cached)."""
    return runs.scan_runs()


@st.cache_resource(show_spinner=False)
def _ended_histories() -> dict[str, list[dict[str, Any]]]:
    """run id -> epochs of runs that ended: their history.jsonl never changes again."""
    return {}


def load_histories(records: list[runs.RunRecord]) -> dict[str, list[dict[str, Any]]]:
    """run id -> its epochs, read once for runs that ended (10,000 reads took 0.6 s per rerun)
    and on every call for runs still training. Treat the lists as read-only."""
    ended, folder = _ended_histories(), runs.runs_dir()
    histories = {}
    for record in records:
        history = ended.get(record.id)
        if history is None:
            history = runs.read_history(folder / record.id)
            if record.status in runs.FINAL_STATUSES:
                ended[record.id] = history
        histories[record.id] = history
    return histories


def finished_runs() -> list[runs.RunRecord]:
    """Runs that have test predictions (finished or stopped)."""
    return [record for record in list_runs() if record.has_predictions]


def run_folder(run_id: str) -> Path:
    """The folder of a run; raises ValueError for malformed or unknown ids."""
    return runs.run_path(run_id)


@st.cache_data(show_spinner=False, max_entries=16)
def load_predictions(run_id: str) -> evaluation.Predictions:
    """Test-set predictions of a finished run (immutable once written, so cached by id)."""
    return evaluation.load_predictions(run_folder(run_id))


@st.cache_data(show_spinner=False, max_entries=16)
def load_evaluation(run_id: str) -> evaluation.RunEvaluation:
    """Matrix, metrics, confusions and ranked mistakes of a finished run, computed once per run id
    (its predictions never change). Raises ValueError when its predictions cannot be read."""
    return evaluation.RunEvaluation.from_predictions(evaluation.load_predictions(run_folder(run_id)))


@_spinning("common.loading_model")
@st.cache_resource(show_spinner=False, max_entries=32)
def load_run_model(run_id: str) -> inference.RunModel:
    """The model of a finished run, loaded once per server process and shared by all sessions.

    Treat it as read-only. A finished run's model file never changes, so the run id is the key.
    TensorFlow is imported on the first Keras model only. Failures (ModelLoadError) are not cached.
    """
    return inference.load_run_model(run_folder(run_id))


@_spinning("common.preparing_layers")
@st.cache_resource(show_spinner=False, max_entries=32)
def load_layer_probe(run_id: str, kind: str) -> Any:
    """A run's ``layers.LayerProbe``, built once per run and kind and shared by all sessions: one
    multi-output Keras sub-model, so a new image costs one model call for every layer.

    Args:
        run_id: A finished Keras run.
        kind: ``maps`` (every convolution and pooling layer) or ``dense`` (the first Dense layer).

    Raises:
        ValueError: The run's model cannot be loaded, or has no such layers (not cached).
    """
    from fmnist_core.inspection import layers  # imports TensorFlow: only the Layers page calls this

    run_model = load_run_model.__wrapped__(run_id)  # the cached loader itself: no spinner inside a cache
    return layers.map_probe(run_model) if kind == "maps" else layers.dense_probe(run_model)


@_spinning("common.computing_importances")
@st.cache_data(show_spinner=False, max_entries=16)
def sweep_importances(name: str, num_complete: int) -> tuple[dict[str, float], Exception | None]:
    """A sweep's parameter importances, computed once per number of complete trials (they change
    only when a trial completes); and why they cannot be computed, if so."""
    from fmnist_core import sweeps  # Optuna is imported by the Sweep page only

    try:
        return sweeps.param_importances(name), None
    except (ValueError, RuntimeError) as exc:
        return {}, exc  # the page says it in the user's language


@_spinning("common.combining_runs")
@st.cache_data(show_spinner=False, max_entries=4)
def load_ensemble(run_ids: tuple[str, ...]) -> label_review.Ensemble:
    """The mean prediction of these finished runs, computed once per tuple of run ids (their
    predictions never change). Raises ValueError when none of them can be read."""
    return label_review.load_ensemble(run_ids)


@st.cache_data(show_spinner=False, max_entries=4)
def _marks_of(path: str, version: tuple[int, int, int]) -> dict[int, label_marks.Mark]:
    """The marks file as of ``version`` (inode, size, mtime): rewritten files have a new key."""
    return label_marks.read_marks(Path(path).parent)


def load_label_marks() -> tuple[dict[int, label_marks.Mark], str | None]:
    """Test index -> the user's mark of its label, and, when the marks file is corrupt, why (the
    marks are then empty). Read again whenever the file changes (another tab marked an image)."""
    path = label_marks.marks_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}, None
    try:
        return _marks_of(str(path), (stat.st_ino, stat.st_size, stat.st_mtime_ns)), None
    except (label_marks.MarksFileError, OSError) as exc:
        return {}, str(exc)


def _file_version(path: Path) -> tuple[int, int, int] | None:
    """(inode, size, mtime) of a file, or None when it does not exist: a rewritten file gets a new key."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


@st.cache_data(show_spinner=False, max_entries=4)
def _features_of(run_id: str, version: tuple[int, int, int] | None) -> Any:
    return features.load_features(run_folder(run_id))


def load_features(run_id: str) -> Any:
    """The run's (10000, D) float32 test-set features, read once per version of features.npz.

    Raises:
        FeaturesMissing: The run has none yet (start the "features" job). Not cached.
        ValueError: features.npz is damaged. Not cached.
    """
    return _features_of(run_id, _file_version(run_folder(run_id) / features.FEATURES_FILE))


@_spinning("common.projecting_features")
@st.cache_data(show_spinner=False, max_entries=4)
def _projection_of(
    run_id: str, method: str, version: tuple[int, int, int] | None
) -> projection.Projection | None:
    if method == "pca":
        return projection.pca_projection(features.load_features(run_folder(run_id)))
    return projection.load_umap(run_folder(run_id))


def load_projection(run_id: str, method: str) -> projection.Projection | None:
    """The run's 2-D map: "pca" (computed here, about 10 ms) or "umap" (read from umap.npz;
    None until the "umap" job has written it). Cached per version of the file it comes from.

    Raises:
        FeaturesMissing, ValueError: as `load_features`, or umap.npz is damaged.
    """
    if method not in ("pca", "umap"):
        raise ValueError(f"unknown projection {method!r}; use 'pca' or 'umap'.")
    source = features.FEATURES_FILE if method == "pca" else projection.UMAP_FILE
    version = _file_version(run_folder(run_id) / source)
    if version is None and method == "umap":
        return None  # never cached: the job may write it any moment
    return _projection_of(run_id, method, version)


def job_status(run_id: str, name: str) -> jobs.JobStatus:
    """A background job's status ("features", "umap"); never cached: read on every poll."""
    return jobs.job_status(run_folder(run_id), name)


def features_job_status(run_id: str) -> jobs.JobStatus:
    """The status of the run's "features" job (never cached)."""
    return job_status(run_id, "features")


@st.cache_data(show_spinner=False, max_entries=64)
def keras_input_rank(run_id: str) -> int | None:
    """The input rank of a run's ``model.keras`` (its config, no TensorFlow), for the snippets; a
    finished run's model never changes. Raises ModelFileError for a damaged file (not cached)."""
    from fmnist_core.exporting import snippets

    return snippets.keras_input_rank(run_folder(run_id) / "model.keras")
