"""What the embedding maps of Evaluate and Draw need from a run: its test features and projection,
and the background jobs (features of an older run, UMAP) with their progress.

A job's progress is polled by a fragment that reruns itself every second, so the rest of the page
stays usable; when the job ends, the whole page reruns once to show its result.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from fmnist_core.inspection import features, projection
from fmnist_core.runs import jobs
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import error_text, t
from fmnist_ui.shared.job_words import job_error, job_message

METHODS = {"pca": "PCA", "umap": "UMAP"}  # the same in every language
MODEL_FILES = ("model.keras", "model.skops")  # what features.compute_run_features loads
JOB_LABELS = {"features": "map.job_features", "umap": "map.job_umap"}  # keys of the progress bar's label


def run_features(run_id: str, key: str) -> np.ndarray | None:
    """The run's (10000, D) test features, or None after saying why there are none and what to do.

    Args:
        run_id: The run.
        key: Prefix of the widget keys (one per page).
    """
    folder = loaders.run_folder(run_id)
    try:
        return loaders.load_features(run_id)
    except features.FeaturesUnavailable as error:  # no model to compute them with: nothing to offer
        st.warning(t("map.no_map", reason=error_text(error)), icon=":material/scatter_plot:")
    except features.FeaturesMissing:
        if not has_model(folder):  # the job would fail: say so instead of offering it
            st.warning(
                t("map.no_map_no_model", run=run_id, files=t("map.or").join(MODEL_FILES)),
                icon=":material/scatter_plot:",
            )
            return None
        st.info(t("map.features_missing"), icon=":material/scatter_plot:")
        job_panel(folder, "features", t("map.compute_features"), f"{key}_features")
    except ValueError as error:  # corrupt or mismatched file
        st.error(t("map.features_damaged", error=error_text(error)), icon=":material/error:")
        job_panel(folder, "features", t("map.compute_features_again"), f"{key}_features")
    return None


def has_model(folder: Path) -> bool:
    """Whether the run has a model file to compute its features from."""
    return any((folder / name).is_file() for name in MODEL_FILES)


def job_panel(folder: Path, name: str, start_label: str, key: str) -> jobs.JobStatus:
    """The job's state: a start button (absent or failed), or a progress bar that polls (running)."""
    status = jobs.job_status(folder, name)
    if status.state == "running":
        _progress(folder, name)
    else:  # absent, failed, or done but its result is gone (the panel is shown only then)
        if status.state == "failed":
            st.error(
                t("map.job_failed", error=job_error(status)),
                icon=":material/error:",
            )
        if st.button(start_label, key=f"{key}_start", icon=":material/play_arrow:"):
            try:
                jobs.start_job(folder, name)
            except (OSError, ValueError) as error:
                st.error(t("map.job_not_started", error=error_text(error)), icon=":material/error:")
            else:
                st.rerun()
    return status


@st.fragment(run_every=1)
def _progress(folder: Path, name: str) -> None:
    """The running job's progress bar, redrawn every second on its own; reruns the page when done."""
    status = jobs.job_status(folder, name)
    if status.state != "running":
        st.rerun(scope="app")
    progress = min(max(float(status.progress), 0.0), 1.0)
    st.progress(
        progress,
        text=t("map.job_progress", job=t(JOB_LABELS[name]), stage=job_message(status),
               progress=progress),
    )  # fmt: skip


def run_projection(run_id: str, method: str, key: str) -> projection.Projection | None:
    """The run's projection by ``method`` ("pca" or "umap"); for UMAP not yet computed, None after
    offering the job (or showing its progress)."""
    try:
        result = loaders.load_projection(run_id, method)
    except ValueError as error:  # a damaged umap.npz: say so, offer to compute it again
        st.error(
            t("map.projection_damaged", method=METHODS[method], error=error_text(error)),
            icon=":material/error:",
        )
        result = None
    if result is None and method == "umap":
        job_panel(loaders.run_folder(run_id), "umap", t("map.compute_umap"), f"{key}_umap")
    return result


def describe_projection(result: projection.Projection) -> str:
    """A caption naming the projection (and what PCA keeps of the features)."""
    if result.method == "pca" and result.explained_variance is not None:
        return t("map.describe_pca", kept=float(np.sum(result.explained_variance)))
    return t("map.describe_umap", method=METHODS.get(result.method, result.method))
