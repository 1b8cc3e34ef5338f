"""Cached, run-id keyed data of the Evaluate page (finished runs never change, so caching is safe)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_core import error_analysis
from fmnist_ui import loaders


@st.cache_data(show_spinner=False, max_entries=16)
def load_validation_history(run_id: str) -> error_analysis.ValidationHistory | None:
    """Per-epoch validation predictions of a run, or None when it has none."""
    return error_analysis.load_validation_history(loaders.run_folder(run_id))


@st.cache_data(show_spinner=False, max_entries=16)
def compare_runs(run_a: str, run_b: str) -> error_analysis.RunComparison:
    """What run B fixes and breaks relative to run A on the test set."""
    return error_analysis.compare_runs(loaders.load_predictions(run_a), loaders.load_predictions(run_b))


def load_test_images(indices: np.ndarray) -> np.ndarray:
    """The (n, 28, 28) uint8 test images at ``indices`` (the dataset is held once per server)."""
    return loaders.load_dataset().x_test[indices]
