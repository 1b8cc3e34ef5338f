"""Cached, run-id keyed data of the Evaluate page (finished runs never change, so caching is safe)."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from fmnist_core import words
from fmnist_core.evaluation import error_analysis, label_marks, label_review
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import t


def say(value: Any) -> str:
    """A core error (or a run's reason to be left out) in the session's language, with the errors
    and reasons inside it translated too; anything else as its own text."""
    if not isinstance(value, words.CodedError | label_review.Reason):
        return str(value)
    values = {
        name: say(item) if isinstance(item, words.CodedError | label_review.Reason) else item
        for name, item in value.values.items()
    }
    if value.code == "error.evaluate.no_readable_run":
        values["reasons"] = "; ".join(f"{run_id}: {say(why)}" for run_id, why in value.values["unreadable"])
    return t(value.code, **values)


def marks_problem(problem: str | None) -> str | None:
    """``loaders.load_label_marks``'s English problem with the marks file, in the session's
    language (the file is read again only when there is a problem)."""
    if not problem:
        return None
    try:
        label_marks.read_marks()
    except (label_marks.MarksFileError, OSError) as exc:
        return say(exc)
    return problem


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
