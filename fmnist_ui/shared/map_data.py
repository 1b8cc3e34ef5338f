"""What the embedding maps of Evaluate and Draw need from a run: its test features and projection,
and the background jobs (features of an older run, UMAP) with their progress.

A job's progress is polled by a fragment that reruns itself every second, so the rest of the page
stays usable; when the job ends, the whole page reruns once to show its result.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import streamlit as st

from fmnist_core import words
from fmnist_core.inspection import features, projection
from fmnist_core.runs import jobs
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import error_text, language, t

METHODS = {"pca": "PCA", "umap": "UMAP"}  # the same in every language
MODEL_FILES = ("model.keras", "model.skops")  # what features.compute_run_features loads
JOB_LABELS = {"features": "map.job_features", "umap": "map.job_umap"}  # keys of the progress bar's label
# Where the English texts a job writes to its status file come from: its progress messages and
# its errors are said again in the user's language (`from_english`).
JOB_TEXTS = ("plot.map.progress_", "error.map.")
JOB_WORDS = {"Starting": "map.job_starting", "Done": "map.job_done"}  # what jobs.py itself writes


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
                t("map.job_failed", error=from_english(status.error or status.message)),
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


def from_english(text: str) -> str:
    """A job's message or error in the user's language.

    A job runs in its own process and writes English to its status file (the command line prints
    the same texts); a text made from one of the map's sentences (`JOB_TEXTS`) is recognised and
    said again in the user's language, with the same values. Anything else is shown as written.
    """
    if language() == "en" or not text:
        return text
    if text in JOB_WORDS:
        return t(JOB_WORDS[text])
    for key, template in words.english_words().items():
        if not key.startswith(JOB_TEXTS):
            continue
        values = _match(template, text)
        if values is not None:
            return _refill(t(key), values)
    return text


def _refill(template: str, values: dict[str, str]) -> str:
    """``template`` with each placeholder replaced by its value as written (numbers keep "1,000")."""
    return re.sub(r"\{(\w+)[^{}]*\}", lambda field: values[field[1]], template)


def _match(template: str, text: str) -> dict[str, str] | None:
    """The values of ``template``'s placeholders in ``text`` (as written), or None if it does not fit.

    A placeholder whose value is a translated word (a hint) is matched as that word's English.
    """
    pattern, names = "", set()
    for literal, name, _, _ in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if name is None:
            continue
        pattern += f"(?P={name})" if name in names else f"(?P<{name}>.+?)"
        names.add(name)
    found = re.fullmatch(pattern, text, flags=re.DOTALL)
    if found is None:
        return None
    return {name: _hint(value) for name, value in found.groupdict().items()}


def _hint(value: str) -> str:
    """A value that is the English of one of the map's hints, in the user's language."""
    for key in ("error.map.compute_hint", "error.map.umap_hint"):
        if value == words.english(key):
            return t(key)
    return value


@st.fragment(run_every=1)
def _progress(folder: Path, name: str) -> None:
    """The running job's progress bar, redrawn every second on its own; reruns the page when done."""
    status = jobs.job_status(folder, name)
    if status.state != "running":
        st.rerun(scope="app")
    progress = min(max(float(status.progress), 0.0), 1.0)
    st.progress(
        progress,
        text=t("map.job_progress", job=t(JOB_LABELS[name]), stage=from_english(status.message) or t("map.job_starting"),
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
