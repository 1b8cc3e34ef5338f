"""Plotly figures of one gallery image: the 28x28 picture beside its probability bars, with a
title naming its true (or given) class, its prediction and a mark a user set on its label."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_core import words
from fmnist_core.data import NUM_CLASSES
from fmnist_core.evaluation.label_marks import FINE, LOOKS_WRONG, MARK_BADGES
from fmnist_core.plots.evaluation_plots import OTHER_COLOUR, PREDICTED_COLOUR, TRUE_COLOUR

GALLERY_ITEM_SIZE = {"width": 300, "height": 200}
MARK_COLOURS = {LOOKS_WRONG: PREDICTED_COLOUR, FINE: TRUE_COLOUR}


TITLE_KEYS = {"true": "plot.evaluate.gallery_title_true", "given": "plot.evaluate.gallery_title_given"}
BADGE_KEYS = {LOOKS_WRONG: "plot.evaluate.badge_looks_wrong", FINE: "plot.evaluate.badge_fine"}


def gallery_title(
    index: int,
    label: int,
    probabilities: np.ndarray,
    mark: str | None = None,
    label_word: str = "true",
    *,
    t: words.Text = words.english,
) -> str:
    """Title of a gallery item: true and predicted class, confidence, and the test index under it,
    followed by the user's mark of its label, if any (``label_marks.LOOKS_WRONG`` or ``FINE``).
    ``label_word`` is ``"true"`` or ``"given"`` (where the label itself is in doubt)."""
    predicted = int(np.argmax(probabilities))
    badge = (
        f" · <span style='color:{MARK_COLOURS[mark]}'>{t(BADGE_KEYS[mark])}</span>"
        if mark in MARK_BADGES
        else ""
    )
    names = words.class_names(t)
    return t(
        TITLE_KEYS[label_word],
        label=names[label],
        predicted=names[predicted],
        p=probabilities[predicted],
        index=index,
        badge=badge,
    )


def _bar_colours(label: int, predicted: int) -> list[str]:
    colours = [OTHER_COLOUR] * NUM_CLASSES
    colours[predicted] = PREDICTED_COLOUR
    colours[label] = TRUE_COLOUR  # a correct prediction is green
    return colours


def plot_gallery_item(
    image: np.ndarray,
    probabilities: np.ndarray,
    label: int,
    index: int,
    mark: str | None = None,
    label_word: str = "true",
    *,
    t: words.Text = words.english,
) -> go.Figure:
    """One test image beside its probability bars, titled with its classes, test index and mark.

    A gallery is a row of these that wraps, so a phone shows one per line.

    Args:
        image: the (28, 28) uint8 image.
        probabilities: its 10 class probabilities from the model being examined.
        label: its true class.
        index: its test-set index, written under the title.
        mark: the user's mark of its label (``label_marks.LOOKS_WRONG`` or ``FINE``), or None.
        label_word: how the title names the label ("given" where the label itself is in doubt).
        t: the words' language (English by default).
    """
    figure = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.2)
    figure.add_trace(
        go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"), 1, 1
    )
    figure.add_trace(_probability_bars(probabilities, label, t), 1, 2)
    figure.update_xaxes(visible=False, constrain="domain", row=1, col=1)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", row=1, col=1)
    figure.update_xaxes(range=[0, 1], tickformat=".0%", nticks=3, tickfont={"size": 9}, row=1, col=2)
    figure.update_yaxes(autorange="reversed", tickfont={"size": 9}, row=1, col=2)
    # Left-aligned over the image and its bars, so a long title stays inside the figure.
    figure.add_annotation(
        text=gallery_title(index, label, probabilities, mark, label_word, t=t),
        x=0,
        y=1,
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": 11},
    )
    figure.update_layout(
        **GALLERY_ITEM_SIZE,
        margin={"l": 5, "r": 20, "t": 40, "b": 5},
        showlegend=False,
        plot_bgcolor="white",
    )
    return figure


def _probability_bars(probabilities: np.ndarray, label: int, t: words.Text) -> go.Bar:
    """Horizontal bars, the true class green and a wrong prediction red."""
    return go.Bar(
        x=probabilities,
        y=words.class_names(t),
        orientation="h",
        marker_color=_bar_colours(label, int(np.argmax(probabilities))),
        hovertext=words.class_hover_names(t),
        hovertemplate="%{hovertext}: %{x:.1%}<extra></extra>",
    )
