"""The analysis of one 28x28 image on the Draw page: model input, saliency map, probability bars.

Optionally followed by the top 3 of every finished run on the same image.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_core import inference, saliency
from fmnist_core.data import CLASS_NAMES
from fmnist_core.runs import RunRecord
from fmnist_ui import draw_plots, loaders

LOGGER = logging.getLogger(__name__)
RANKS = ("1st", "2nd", "3rd")
SALIENCY_TITLES = {"grad-cam": "Grad-CAM", "gradient-x-input": "Gradient × input", "linear": "|w · x|"}
SALIENCY_NOTES = {
    "grad-cam": "Grad-CAM on the last convolution layer: bright areas raised the score of **{label}** "
    "most. Empty space can light up too: CNNs also look at where the garment is not (the gap between "
    "trouser legs, the empty rows above a sneaker).",
    "gradient-x-input": "Gradient × input: how much each lit pixel added to the score of **{label}**. "
    "(Plain gradients would be noise on the black background, where a dense network's weights never "
    "learn anything.)",
    "linear": "This is a linear scikit-learn model, so instead of gradients the map shows each pixel's "
    "exact contribution |w · x| to the score of **{label}**: the honest equivalent of a saliency map.",
}


def render_analysis(
    run_model: inference.RunModel,
    image: np.ndarray,
    *,
    slot: str,
    true_label: str = "",
    show_input: bool = True,
) -> None:
    """Model input, saliency map and probability bars of one (28, 28) image, side by side.

    Args:
        run_model: The chosen run's model.
        image: The exact model input, float32 in [0, 1].
        slot: Unique per analysis on the page (widget keys).
        true_label: The real class, for test images.
        show_input: Show the enlarged model input (off where the page already shows it).
    """
    try:
        probabilities = inference.predict_probabilities(run_model, image[None])[0]
    except ValueError as error:  # e.g. an imported model producing NaN
        st.error(f"**The model could not judge this image.** {error}", icon=":material/error:")
        return
    top = int(np.argmax(probabilities))
    verdict = f"The model says **{CLASS_NAMES[top]}** ({probabilities[top]:.0%})"
    if true_label:
        verdict += f" · it really is **{true_label}**"
    st.markdown(verdict)
    if show_input:
        input_column, saliency_column, bars_column = st.columns([1, 1, 2])
        input_column.image(draw_plots.enlarge(image), caption="What the model sees (28 × 28)")
    else:
        saliency_column, bars_column = st.columns([1, 2])
    with saliency_column:
        note = render_saliency(run_model, image, top)
    bars_column.plotly_chart(
        draw_plots.plot_probabilities(probabilities),
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
        st.caption(f"No saliency map for this model ({type(error).__name__}).")
        return ""
    label = CLASS_NAMES[class_index]
    st.image(
        draw_plots.saliency_overlay(image, result.values),
        caption=f"{SALIENCY_TITLES[result.method]}: what drove {label}",
    )
    if result.values.max() == 0:
        return f"No pixel raised the score of **{label}**, so the map is empty."
    return SALIENCY_NOTES[result.method].format(label=label)


def render_all_models(image: np.ndarray) -> None:
    """The top 3 classes of every finished run for this image, one row per run."""
    rows = []
    with st.spinner("Asking every model ..."):
        for record in loaders.finished_runs():
            rows.append({"Run": record.label, **_top3_cells(record, image)})
    # A static table wraps its cells to the width there is, so no column ends up scrolled out of
    # view, on a laptop or a phone (an interactive grid kept its columns' widths and cut the last).
    st.table(pd.DataFrame(rows, columns=["Run", *RANKS]).fillna(""), hide_index=True)


def _top3_cells(record: RunRecord, image: np.ndarray) -> dict[str, str]:
    """One cell per rank, such as ``Trouser 74%``."""
    try:
        probabilities = inference.predict_probabilities(loaders.load_run_model(record.id), image[None])[0]
    except ValueError as error:
        return {RANKS[0]: f"unavailable: {error}"}
    top3 = inference.top_classes(probabilities)
    return {rank: f"{name} {probability:.0%}" for rank, (name, probability) in zip(RANKS, top3, strict=True)}
