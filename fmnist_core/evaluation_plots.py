"""Plotly figures of the Evaluate page (pure: arrays in, figure out).

A confusion matrix is a heatmap (its cells stretch with the plot, so a phone narrows them instead of
overlapping them) under one scatter point per cell that writes the cell's number and takes its
clicks: Streamlit reports clicks on scatter points only. Each point carries ``customdata = [true
index, predicted index, value]`` so a click maps back to its cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_core.data import CLASS_NAMES, NUM_CLASSES
from fmnist_core.label_marks import FINE, LOOKS_WRONG, MARK_BADGES

MATRIX_SIZE = {"width": 550, "height": 540}  # on a narrow screen Streamlit shrinks the width only
MATRIX_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}  # the axes grow it to fit their labels
# Cells are 25 pixels wide on a 400-pixel-wide phone: room for "999" at 11 px, "+999" at 10 px.
CELL_FONT_PX, LONG_CELL_FONT_PX = 11, 10
GALLERY_ITEM_SIZE = {"width": 300, "height": 200}
TRUE_COLOUR, PREDICTED_COLOUR, OTHER_COLOUR = "#2ca02c", "#d62728", "#9aa5b1"
SELECTED_OUTLINE = "#ff7f0e"
MARK_COLOURS = {LOOKS_WRONG: PREDICTED_COLOUR, FINE: TRUE_COLOUR}


def _cell_text(values: np.ndarray, normalized: bool, signed: bool) -> list[str]:
    """Numbers written in the cells: counts, or percentages and differences with zeros left blank."""
    if normalized:
        return [f"{value:.0%}" if value else "" for value in values]
    if signed:
        return [f"{value:+d}" if value else "" for value in values]
    return [f"{value:d}" for value in values]


def _cells(values: np.ndarray, classes: Sequence[int], colour: dict) -> go.Heatmap:
    """The coloured cells, without numbers (the labels trace writes them)."""
    names = [CLASS_NAMES[k] for k in classes]
    return go.Heatmap(
        z=values.reshape(len(classes), len(classes)),
        x=names,
        y=names,
        showscale=False,  # the numbers are written in the cells
        hoverinfo="skip",  # the labels above answer the hover
        xgap=1,
        ygap=1,
        **colour,
    )


def _text_colours(values: np.ndarray, colour: dict) -> list[str]:
    """White on dark cells, dark grey on light ones."""
    centre = colour.get("zmid", colour["zmin"])
    strength = np.abs(values - centre) / max(colour["zmax"] - centre, 1e-9)
    return ["white" if s > 0.55 else "#262730" for s in strength]


def _cell_labels(
    values: np.ndarray, classes: Sequence[int], text: list[str], colour: dict, hover_value: str
) -> go.Scatter:
    """One point at the centre of each cell (flattened row-major): its number, hover and click.

    ``hover_value`` is a Plotly template for the cell's value, e.g. ``%{customdata[2]:.0%}``.
    """
    rows, cols = np.divmod(np.arange(len(classes) ** 2), len(classes))
    true_idx, pred_idx = np.asarray(classes)[rows], np.asarray(classes)[cols]
    return go.Scatter(
        x=[CLASS_NAMES[j] for j in pred_idx],
        y=[CLASS_NAMES[i] for i in true_idx],
        mode="markers+text",
        text=text,
        textfont={
            "size": CELL_FONT_PX if max(map(len, text)) <= 3 else LONG_CELL_FONT_PX,
            "color": _text_colours(values, colour),
        },
        customdata=np.column_stack([true_idx, pred_idx, values]),
        marker={"size": 8, "color": "rgba(0, 0, 0, 0)"},  # a target for hover and click, unseen
        # A selected text would dim all the others (Plotly's default); only the clicked one changes.
        selected={"textfont": {"color": SELECTED_OUTLINE}},
        hovertemplate=f"true %{{y}}<br>predicted %{{x}}<br>{hover_value}<extra></extra>",
        showlegend=False,
    )


def _outline(cell: tuple[int, int], classes: Sequence[int]) -> dict:
    """A rectangle around the selected cell, in category positions (rows run bottom-up)."""
    column, row = list(classes).index(cell[1]), len(classes) - 1 - list(classes).index(cell[0])
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": column - 0.5,
        "x1": column + 0.5,
        "y0": row - 0.5,
        "y1": row + 0.5,
        "line": {"color": SELECTED_OUTLINE, "width": 3},
        "layer": "above",
    }


def _matrix_figure(
    values: np.ndarray, classes: Sequence[int], text: list[str], colour: dict, hover_value: str, title: str
) -> go.Figure:
    """Cells, click targets and a layout with categorical axes, T-shirt/top at the top left."""
    names = [CLASS_NAMES[k] for k in classes]
    figure = go.Figure(
        [_cells(values, classes, colour), _cell_labels(values, classes, text, colour, hover_value)]
    )
    axis = {
        "type": "category",
        "fixedrange": True,
        "showgrid": False,
        "zeroline": False,
        "automargin": True,
        "categoryorder": "array",
    }
    figure.update_layout(
        title=title,
        **MATRIX_SIZE,
        margin=MATRIX_MARGIN,
        hoverdistance=-1,  # anywhere in a cell picks its centre point: a click never misses
        xaxis={**axis, "title": "predicted", "categoryarray": names, "tickangle": -45},
        yaxis={**axis, "title": "true", "categoryarray": names[::-1]},
        plot_bgcolor="white",
    )
    return figure


def plot_confusion_matrix(
    matrix: np.ndarray,
    classes: Sequence[int] = tuple(range(NUM_CLASSES)),
    normalized: bool = False,
    selected: tuple[int, int] | None = None,
    title: str = "Confusion matrix",
) -> go.Figure:
    """Clickable confusion matrix: rows true class, columns predicted.

    Args:
        matrix: square counts (or row fractions when ``normalized``) for ``classes``.
        classes: the class indices of the rows and columns (a sub-matrix keeps its real indices).
        normalized: values are fractions of each row; written as percentages.
        selected: (true, predicted) class indices of the cell to outline.
        title: figure title.
    """
    values = np.asarray(matrix).ravel()
    hover_value = "%{customdata[2]:.1%} of the true class" if normalized else "%{customdata[2]:,.0f} images"
    # Fractions use a fixed 0-100% scale so that matrices of different epochs or runs compare.
    colour = {"colorscale": "Blues", "zmin": 0, "zmax": 1.0 if normalized else float(values.max()) or 1.0}
    text = _cell_text(values, normalized, signed=False)
    figure = _matrix_figure(values, classes, text, colour, hover_value, title)
    if selected is not None and selected[0] in classes and selected[1] in classes:
        figure.add_shape(_outline(selected, classes))
    return figure


def plot_confusion_difference(difference: np.ndarray, title: str) -> go.Figure:
    """Difference of two count matrices (B - A) on a diverging scale centred on zero."""
    values = np.asarray(difference).ravel().astype(int)
    limit = float(np.abs(values).max()) or 1.0
    colour = {"colorscale": "RdBu", "zmin": -limit, "zmax": limit, "zmid": 0}
    text = _cell_text(values, False, True)
    return _matrix_figure(
        values, tuple(range(NUM_CLASSES)), text, colour, "%{customdata[2]:+,.0f} images", title
    )


def gallery_title(
    index: int, label: int, probabilities: np.ndarray, mark: str | None = None, label_word: str = "true"
) -> str:
    """Title of a gallery item: true and predicted class, confidence, and the test index under it,
    followed by the user's mark of its label, if any (``label_marks.LOOKS_WRONG`` or ``FINE``)."""
    predicted = int(np.argmax(probabilities))
    badge = (
        f" · <span style='color:{MARK_COLOURS[mark]}'>{MARK_BADGES[mark]}</span>"
        if mark in MARK_BADGES
        else ""
    )
    return (
        f"{label_word} {CLASS_NAMES[label]} / pred {CLASS_NAMES[predicted]} "
        f"(p={probabilities[predicted]:.2f})<br>test #{index}{badge}"
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
    """
    figure = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.2)
    figure.add_trace(
        go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"), 1, 1
    )
    figure.add_trace(_probability_bars(probabilities, label), 1, 2)
    figure.update_xaxes(visible=False, constrain="domain", row=1, col=1)
    figure.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", row=1, col=1)
    figure.update_xaxes(range=[0, 1], tickformat=".0%", nticks=3, tickfont={"size": 9}, row=1, col=2)
    figure.update_yaxes(autorange="reversed", tickfont={"size": 9}, row=1, col=2)
    # Left-aligned over the image and its bars, so a long title stays inside the figure.
    figure.add_annotation(
        text=gallery_title(index, label, probabilities, mark, label_word),
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


def _probability_bars(probabilities: np.ndarray, label: int) -> go.Bar:
    """Horizontal bars, the true class green and a wrong prediction red."""
    return go.Bar(
        x=probabilities,
        y=list(CLASS_NAMES),
        orientation="h",
        marker_color=_bar_colours(label, int(np.argmax(probabilities))),
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    )


def plot_per_class_metrics(table: pd.DataFrame) -> go.Figure:
    """Precision, recall and F1 of each class as grouped bars (table from ``per_class_metrics``)."""
    figure = go.Figure(
        [
            go.Bar(name=metric, x=list(table.index), y=table[metric])
            for metric in ("precision", "recall", "f1")
        ]
    )
    figure.update_layout(
        barmode="group",
        yaxis={"range": [0, 1], "tickformat": ".0%"},
        height=360,
        margin={"t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.1},
    )
    return figure


def cell_from_point(point: dict) -> tuple[int, int] | None:
    """(true, predicted) class indices of a clicked confusion-matrix marker, or None.

    Reads the marker's ``customdata`` and falls back to its axis labels (the class names).
    """
    custom = point.get("customdata")
    if isinstance(custom, dict):  # Streamlit hands Plotly's array over as {"0": ..., "1": ...}
        custom = [custom.get(str(k), custom.get(k)) for k in range(len(custom))]
    if custom is not None and len(custom) >= 2 and None not in custom[:2]:
        return int(custom[0]), int(custom[1])
    if point.get("y") in CLASS_NAMES and point.get("x") in CLASS_NAMES:
        return CLASS_NAMES.index(point["y"]), CLASS_NAMES.index(point["x"])
    return None
