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

from fmnist_core import words
from fmnist_core.data import CLASS_NAMES, NUM_CLASSES

MATRIX_SIZE = {"width": 550, "height": 540}  # on a narrow screen Streamlit shrinks the width only
MATRIX_MARGIN = {"l": 10, "r": 10, "t": 40, "b": 10}  # the axes grow it to fit their labels
# Cells are 25 pixels wide on a 400-pixel-wide phone: room for "999" at 11 px, "+999" at 10 px.
CELL_FONT_PX, LONG_CELL_FONT_PX = 11, 10
TRUE_COLOUR, PREDICTED_COLOUR, OTHER_COLOUR = "#2ca02c", "#d62728", "#9aa5b1"
SELECTED_OUTLINE = "#ff7f0e"


def _cell_text(values: np.ndarray, normalized: bool, signed: bool) -> list[str]:
    """Numbers written in the cells: counts, or percentages and differences with zeros left blank."""
    if normalized:
        return [f"{value:.0%}" if value else "" for value in values]
    if signed:
        return [f"{value:+d}" if value else "" for value in values]
    return [f"{value:d}" for value in values]


def _cells(values: np.ndarray, classes: Sequence[int], colour: dict, t: words.Text) -> go.Heatmap:
    """The coloured cells, without numbers (the labels trace writes them)."""
    names = [words.class_names(t)[k] for k in classes]
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
    values: np.ndarray, classes: Sequence[int], text: list[str], colour: dict, hover_value: str, t: words.Text
) -> go.Scatter:
    """One point at the centre of each cell (flattened row-major): its number, hover and click.

    ``hover_value`` is a Plotly template for the cell's value, e.g. ``%{customdata[2]:.0%}``. The
    axes show the class names in ``t``'s language, the hover also the English ones; a click is
    read from ``customdata`` (class indices), never from the names.
    """
    rows, cols = np.divmod(np.arange(len(classes) ** 2), len(classes))
    true_idx, pred_idx = np.asarray(classes)[rows], np.asarray(classes)[cols]
    names, hover_names = words.class_names(t), words.class_hover_names(t)
    return go.Scatter(
        x=[names[j] for j in pred_idx],
        y=[names[i] for i in true_idx],
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
        hovertext=[
            t("plot.evaluate.matrix_hover", true=hover_names[i], predicted=hover_names[j])
            for i, j in zip(true_idx, pred_idx, strict=True)
        ],
        hovertemplate=f"%{{hovertext}}<br>{hover_value}<extra></extra>",
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
    values: np.ndarray,
    classes: Sequence[int],
    text: list[str],
    colour: dict,
    hover_value: str,
    title: str,
    t: words.Text,
) -> go.Figure:
    """Cells, click targets and a layout with categorical axes, T-shirt/top at the top left."""
    names = [words.class_names(t)[k] for k in classes]
    figure = go.Figure(
        [_cells(values, classes, colour, t), _cell_labels(values, classes, text, colour, hover_value, t)]
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
        xaxis={**axis, "title": t("plot.evaluate.predicted_axis"), "categoryarray": names, "tickangle": -45},
        yaxis={**axis, "title": t("plot.evaluate.true_axis"), "categoryarray": names[::-1]},
        plot_bgcolor="white",
    )
    return figure


def plot_confusion_matrix(
    matrix: np.ndarray,
    classes: Sequence[int] = tuple(range(NUM_CLASSES)),
    normalized: bool = False,
    selected: tuple[int, int] | None = None,
    title: str | None = None,
    *,
    t: words.Text = words.english,
) -> go.Figure:
    """Clickable confusion matrix: rows true class, columns predicted.

    Args:
        matrix: square counts (or row fractions when ``normalized``) for ``classes``.
        classes: the class indices of the rows and columns (a sub-matrix keeps its real indices).
        normalized: values are fractions of each row; written as percentages.
        selected: (true, predicted) class indices of the cell to outline.
        title: figure title (default: "Confusion matrix" in ``t``'s language).
        t: the words' language (English by default).
    """
    values = np.asarray(matrix).ravel()
    hover_value = t("plot.evaluate.hover_fraction" if normalized else "plot.evaluate.hover_count")
    # Fractions use a fixed 0-100% scale so that matrices of different epochs or runs compare.
    colour = {"colorscale": "Blues", "zmin": 0, "zmax": 1.0 if normalized else float(values.max()) or 1.0}
    text = _cell_text(values, normalized, signed=False)
    figure = _matrix_figure(
        values, classes, text, colour, hover_value, title or t("plot.evaluate.confusion_title"), t
    )
    if selected is not None and selected[0] in classes and selected[1] in classes:
        figure.add_shape(_outline(selected, classes))
    return figure


def plot_confusion_difference(
    difference: np.ndarray, title: str, *, t: words.Text = words.english
) -> go.Figure:
    """Difference of two count matrices (B - A) on a diverging scale centred on zero."""
    values = np.asarray(difference).ravel().astype(int)
    limit = float(np.abs(values).max()) or 1.0
    colour = {"colorscale": "RdBu", "zmin": -limit, "zmax": limit, "zmid": 0}
    text = _cell_text(values, False, True)
    hover_value = t("plot.evaluate.hover_difference")
    return _matrix_figure(values, tuple(range(NUM_CLASSES)), text, colour, hover_value, title, t)


METRIC_KEYS = {
    "precision": "plot.evaluate.precision",
    "recall": "plot.evaluate.recall",
    "f1": "plot.evaluate.f1",
}


def plot_per_class_metrics(table: pd.DataFrame, *, t: words.Text = words.english) -> go.Figure:
    """Precision, recall and F1 of each class as grouped bars (table from ``per_class_metrics``,
    indexed by the English class names; the bars name them in ``t``'s language)."""
    english_to_index = {name: index for index, name in enumerate(CLASS_NAMES)}
    names, hover_names = words.class_names(t), words.class_hover_names(t)
    shown = [names[english_to_index[name]] if name in english_to_index else name for name in table.index]
    hovers = [
        hover_names[english_to_index[name]] if name in english_to_index else name for name in table.index
    ]
    figure = go.Figure(
        [
            go.Bar(
                name=t(key),
                x=shown,
                y=table[metric],
                hovertext=hovers,
                hovertemplate=f"%{{hovertext}}<br>{t(key)}: %{{y:.1%}}<extra></extra>",
            )
            for metric, key in METRIC_KEYS.items()
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


def cell_from_point(point: dict, names: Sequence[str] = CLASS_NAMES) -> tuple[int, int] | None:
    """(true, predicted) class indices of a clicked confusion-matrix marker, or None.

    Reads the marker's ``customdata`` (the class indices: the same in every language) and falls
    back to its axis labels: the English class names, or ``names`` (those the axes showed).
    """
    custom = point.get("customdata")
    if isinstance(custom, dict):  # Streamlit hands Plotly's array over as {"0": ..., "1": ...}
        custom = [custom.get(str(k), custom.get(k)) for k in range(len(custom))]
    if custom is not None and len(custom) >= 2 and None not in custom[:2]:
        return int(custom[0]), int(custom[1])
    for known in (CLASS_NAMES, names):
        if point.get("y") in known and point.get("x") in known:
            return list(known).index(point["y"]), list(known).index(point["x"])
    return None
