"""Plotly figures of the Evaluate page (pure: arrays in, figure out).

The confusion matrix is a scatter of square markers on two categorical axes, not a heatmap:
Streamlit returns click selections for scatter traces only (REFERENCE.md sec. 5). Each marker
carries ``customdata = [true index, predicted index, value]`` so a click maps back to its cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_core.data import CLASS_NAMES, NUM_CLASSES

MATRIX_PLOT_PX = 440  # side of the square plotting area of a confusion matrix
MATRIX_MARGIN = {"l": 100, "r": 10, "t": 40, "b": 100}
TRUE_COLOUR, PREDICTED_COLOUR, OTHER_COLOUR = "#2ca02c", "#d62728", "#9aa5b1"
SELECTED_OUTLINE = "#ff7f0e"


def _cell_text(values: np.ndarray, normalized: bool, signed: bool) -> list[str]:
    """Numbers written in the cells: counts, or percentages and differences with zeros left blank."""
    if normalized:
        return [f"{value:.0%}" if value else "" for value in values]
    if signed:
        return [f"{value:+d}" if value else "" for value in values]
    return [f"{value:d}" for value in values]


def _matrix_scatter(
    values: np.ndarray,
    classes: Sequence[int],
    text: list[str],
    colour: dict,
    hover_value: str,
) -> go.Scatter:
    """One square marker per cell, coloured by ``values`` (flattened row-major).

    ``hover_value`` is a Plotly template for the cell's value, e.g. ``%{customdata[2]:.0%}``.
    """
    rows, cols = np.divmod(np.arange(len(classes) ** 2), len(classes))
    true_idx, pred_idx = np.asarray(classes)[rows], np.asarray(classes)[cols]
    centre = colour.get("cmid", colour["cmin"])
    strength = np.abs(values - centre) / max(colour["cmax"] - centre, 1e-9)  # dark cell: white text
    return go.Scatter(
        x=[CLASS_NAMES[j] for j in pred_idx],
        y=[CLASS_NAMES[i] for i in true_idx],
        mode="markers+text",
        text=text,
        textfont={"color": ["white" if s > 0.55 else "#262730" for s in strength], "size": 12},
        customdata=np.column_stack([true_idx, pred_idx, values]),
        marker={
            "symbol": "square",
            "size": int(0.94 * MATRIX_PLOT_PX / len(classes)),
            "color": values,
            "showscale": False,  # the numbers are written in the cells
            **colour,
        },
        # A clicked point must not dim the other cells (Plotly's default selection style).
        selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 1}},
        hovertemplate=f"true %{{y}}<br>predicted %{{x}}<br>{hover_value}<extra></extra>",
        showlegend=False,
    )


def _outline(cell: tuple[int, int], num_classes: int) -> go.Scatter:
    """An open square drawn over the selected cell (a separate trace so no neighbour covers it)."""
    return go.Scatter(
        x=[CLASS_NAMES[cell[1]]],
        y=[CLASS_NAMES[cell[0]]],
        mode="markers",
        marker={
            "symbol": "square-open",
            "size": int(0.94 * MATRIX_PLOT_PX / num_classes),
            "color": SELECTED_OUTLINE,
            "line": {"width": 4},
        },
        hoverinfo="skip",  # clicks fall through to the cell underneath
        showlegend=False,
    )


def _matrix_layout(figure: go.Figure, classes: Sequence[int], title: str) -> go.Figure:
    names = [CLASS_NAMES[k] for k in classes]
    axis = {"type": "category", "fixedrange": True, "showgrid": False, "zeroline": False}
    figure.update_layout(
        title=title,
        width=MATRIX_PLOT_PX + MATRIX_MARGIN["l"] + MATRIX_MARGIN["r"],
        height=MATRIX_PLOT_PX + MATRIX_MARGIN["t"] + MATRIX_MARGIN["b"],
        margin=MATRIX_MARGIN,
        xaxis={
            **axis,
            "title": "predicted",
            "categoryorder": "array",
            "categoryarray": names,
            "tickangle": -45,
        },
        yaxis={**axis, "title": "true", "categoryorder": "array", "categoryarray": names[::-1]},
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
    """Clickable confusion matrix: rows true class, columns predicted, one square marker per cell.

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
    colour = {"colorscale": "Blues", "cmin": 0, "cmax": 1.0 if normalized else float(values.max()) or 1.0}
    text = _cell_text(values, normalized, signed=False)
    figure = go.Figure(_matrix_scatter(values, classes, text, colour, hover_value))
    if selected is not None and selected[0] in classes and selected[1] in classes:
        figure.add_trace(_outline(selected, len(classes)))
    return _matrix_layout(figure, classes, title)


def plot_confusion_difference(difference: np.ndarray, title: str) -> go.Figure:
    """Difference of two count matrices (B - A) on a diverging scale centred on zero."""
    values = np.asarray(difference).ravel().astype(int)
    limit = float(np.abs(values).max()) or 1.0
    colour = {"colorscale": "RdBu", "cmin": -limit, "cmax": limit, "cmid": 0}
    classes = tuple(range(NUM_CLASSES))
    trace = _matrix_scatter(
        values, classes, _cell_text(values, False, True), colour, "%{customdata[2]:+,.0f} images"
    )
    return _matrix_layout(go.Figure(trace), classes, title)


def gallery_title(index: int, label: int, probabilities: np.ndarray) -> str:
    """Title of a gallery item: true and predicted class, confidence, and the test index under it."""
    predicted = int(np.argmax(probabilities))
    return (
        f"true {CLASS_NAMES[label]} / pred {CLASS_NAMES[predicted]} "
        f"(p={probabilities[predicted]:.2f})<br>test #{index}"
    )


def _bar_colours(label: int, predicted: int) -> list[str]:
    colours = [OTHER_COLOUR] * NUM_CLASSES
    colours[predicted] = PREDICTED_COLOUR
    colours[label] = TRUE_COLOUR  # a correct prediction is green
    return colours


def plot_gallery(
    images: np.ndarray,
    probabilities: np.ndarray,
    labels: np.ndarray,
    indices: np.ndarray,
    columns: int = 3,
) -> go.Figure:
    """One figure for a page of test images: each 28x28 image beside its probability bars.

    Args:
        images: (n, 28, 28) uint8 images.
        probabilities: (n, 10) class probabilities of the model being examined.
        labels: (n,) true classes.
        indices: (n,) test-set indices, written under each title.
        columns: images per row.
    """
    count = len(indices)
    rows = max(1, -(-count // columns))
    figure = make_subplots(
        rows=rows,
        cols=2 * columns,
        column_widths=[0.45, 0.55] * columns,
        horizontal_spacing=0.06,
        vertical_spacing=0.3 / rows,
    )
    for item in range(count):
        row, col = item // columns + 1, 2 * (item % columns) + 1
        _add_gallery_item(figure, row, col, images[item], probabilities[item], int(labels[item]))
        _add_gallery_title(
            figure, row, col, gallery_title(int(indices[item]), int(labels[item]), probabilities[item])
        )
    figure.update_layout(
        height=rows * 190 + 30,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        showlegend=False,
        plot_bgcolor="white",
    )
    return figure


def _add_gallery_item(
    figure: go.Figure, row: int, col: int, image: np.ndarray, probabilities: np.ndarray, label: int
) -> None:
    predicted = int(np.argmax(probabilities))
    figure.add_trace(
        go.Heatmap(z=image, colorscale="gray", zmin=0, zmax=255, showscale=False, hoverinfo="skip"), row, col
    )
    figure.add_trace(
        go.Bar(
            x=probabilities,
            y=list(CLASS_NAMES),
            orientation="h",
            marker_color=_bar_colours(label, predicted),
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        ),
        row,
        col + 1,
    )
    image_x = figure.get_subplot(row, col).xaxis.plotly_name
    figure.update_xaxes(visible=False, constrain="domain", row=row, col=col)
    figure.update_yaxes(
        visible=False, autorange="reversed", scaleanchor=image_x.replace("axis", ""), row=row, col=col
    )
    figure.update_xaxes(range=[0, 1], tickformat=".0%", nticks=3, tickfont={"size": 9}, row=row, col=col + 1)
    figure.update_yaxes(autorange="reversed", tickfont={"size": 9}, row=row, col=col + 1)


def _add_gallery_title(figure: go.Figure, row: int, col: int, text: str) -> None:
    """Left-aligned over the image and its bars, so a long title does not cover the neighbours."""
    subplot = figure.get_subplot(row, col)
    figure.add_annotation(
        text=text,
        x=subplot.xaxis.domain[0],
        y=subplot.yaxis.domain[1],
        xref="paper",
        yref="paper",
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": 11},
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
