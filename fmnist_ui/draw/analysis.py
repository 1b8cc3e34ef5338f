"""The analysis of one 28x28 image on the Draw page: model input, saliency map, probability bars.

Optionally followed by the top 3 of every finished run on the same image.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_core.inspection import saliency
from fmnist_core.models import inference
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.draw import plots as draw_plots
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import class_name, error_text, t

LOGGER = logging.getLogger(__name__)
# The top-3 table's columns (language-neutral; their headers are translated at display time).
RUN = "Run"
RANKS = ("1st", "2nd", "3rd")
# Each saliency method (saliency.SaliencyResult.method) has a title and a note under
# draw.analysis.method.<method> and draw.analysis.note.<method>.


def render_analysis(
    run_model: inference.RunModel,
    image: np.ndarray,
    *,
    slot: str,
    true_class: int | None = None,
    show_input: bool = True,
) -> None:
    """Model input, saliency map and probability bars of one (28, 28) image, side by side.

    Args:
        run_model: The chosen run's model.
        image: The exact model input, float32 in [0, 1].
        slot: Unique per analysis on the page (widget keys).
        true_class: The real class index, for test images.
        show_input: Show the enlarged model input (off where the page already shows it).
    """
    try:
        probabilities = inference.predict_probabilities(run_model, image[None])[0]
    except ValueError as error:  # e.g. an imported model producing NaN
        st.error(t("draw.analysis.judge_failed", error=error_text(error)), icon=":material/error:")
        return
    top = int(np.argmax(probabilities))
    verdict = t("draw.analysis.verdict", label=class_name(top), probability=probabilities[top])
    if true_class is not None:
        verdict += t("draw.analysis.verdict_true", label=class_name(true_class))
    st.markdown(verdict)
    if show_input:
        input_column, saliency_column, bars_column = st.columns([1, 1, 2])
        input_column.image(draw_plots.enlarge(image), caption=t("draw.analysis.input_caption"))
    else:
        saliency_column, bars_column = st.columns([1, 2])
    with saliency_column:
        note = render_saliency(run_model, image, top)
    bars_column.plotly_chart(
        draw_plots.plot_probabilities(probabilities, t=t),
        key=f"draw_bars_{slot}",
        config={"displayModeBar": False},
    )
    if note:
        st.caption(note)


def render_saliency(run_model: inference.RunModel, image: np.ndarray, class_index: int) -> str:
    """Shows the saliency overlay; returns the caption explaining it."""
    try:
        result = saliency.saliency_map(run_model, image, class_index)
    except Exception as error:  # optional view: an unusual imported model must not break the page
        LOGGER.exception("saliency map failed for run %s", run_model.run_id)
        st.caption(t("draw.analysis.no_saliency", kind=type(error).__name__))
        return ""
    label = class_name(class_index)
    st.image(
        draw_plots.saliency_overlay(image, result.values),
        caption=t(
            "draw.analysis.saliency_caption", method=t(f"draw.analysis.method.{result.method}"), label=label
        ),
    )
    if result.values.max() == 0:
        return t("draw.analysis.empty_saliency", label=label)
    return t(f"draw.analysis.note.{result.method}", label=label)


def render_all_models(image: np.ndarray) -> None:
    """The top 3 classes of every finished run for this image, one row per run."""
    rows = []
    with st.spinner(t("draw.analysis.asking")):
        for record in loaders.finished_runs():
            rows.append({RUN: widgets.run_label(record), **_top3_cells(record, image)})
    first, second, third = RANKS
    headers = {
        RUN: t("draw.analysis.run"),
        first: t("draw.analysis.rank_1"),
        second: t("draw.analysis.rank_2"),
        third: t("draw.analysis.rank_3"),
    }
    table = pd.DataFrame(rows, columns=[RUN, *RANKS]).fillna("").rename(columns=headers)
    # A static table wraps its cells to the width there is, so no column ends up scrolled out of
    # view, on a laptop or a phone (an interactive grid kept its columns' widths and cut the last).
    st.table(table, hide_index=True)


def _top3_cells(record: RunRecord, image: np.ndarray) -> dict[str, str]:
    """One cell per rank, such as ``Trouser 74%`` (the class in the session's language)."""
    try:
        probabilities = inference.predict_probabilities(loaders.load_run_model(record.id), image[None])[0]
    except ValueError as error:
        return {RANKS[0]: t("draw.analysis.unavailable", error=error_text(error))}
    top3 = np.argsort(probabilities)[::-1][: len(RANKS)]  # as inference.top_classes, by class index
    return {rank: f"{class_name(int(i))} {probabilities[i]:.0%}" for rank, i in zip(RANKS, top3, strict=True)}
