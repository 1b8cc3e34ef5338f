"""Plotly figure builders: data in, figure out (no Streamlit, no file I/O).

Used by the Overview (sample grid, class balance), the Train page (live curves) and the Runs page
(curves of several runs overlaid with the accuracies of people and of the best scikit-learn model).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_core import words
from fmnist_core.data import NUM_CLASSES

# Test accuracies to beat: the dataset's README (people) and paper (table 3, best scikit-learn model),
# named by the words' plot.train.<key>.
REFERENCE_ACCURACIES: dict[str, float] = {"human": 0.835, "sklearn": 0.897}
TRAIN_COLOR, VALIDATION_COLOR = "#1f77b4", "#ff7f0e"
METRICS = ("accuracy", "loss")  # titled by the words' plot.train.<metric>


def sample_indices(labels: np.ndarray, count: int = 25, seed: int = 0) -> np.ndarray:
    """Indices of ``count`` images that cover every class as evenly as possible, in class order.

    Args:
        labels: class labels (N,).
        count: how many images to pick.
        seed: picks the same images every time for the same seed.
    """
    rng = np.random.default_rng(seed)
    per_class = [rng.permutation(np.flatnonzero(labels == c)) for c in range(NUM_CLASSES)]
    picked = [per_class[i % NUM_CLASSES][i // NUM_CLASSES] for i in range(count)]
    return np.array(sorted(picked, key=lambda index: (labels[index], index)), dtype=np.int64)


def sample_mosaic(
    images: np.ndarray, columns: int = 5, gap: int = 2, band: int = 9
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Tiles (N, 28, 28) images into one uint8 image on white, leaving a ``band`` of rows above
    each tile for its label; returns the mosaic and each tile's label position (x centre, top)."""
    count, side = len(images), images.shape[1]
    rows = -(-count // columns)
    width, height = side + gap, side + band
    mosaic = np.full((rows * height, columns * width - gap), 255, dtype=np.uint8)
    anchors = []
    for item, image in enumerate(images):
        row, column = divmod(item, columns)
        top, left = row * height + band, column * width
        mosaic[top : top + side, left : left + side] = image
        anchors.append((left + (side - 1) / 2, top - 0.5))
    return mosaic, anchors


def plot_sample_grid(
    images: np.ndarray, labels: np.ndarray, columns: int = 5, *, t: words.Text = words.english
) -> go.Figure:
    """A grid of labelled images, bright garment on black as in the data.

    Drawn as one image with a label over each tile: a tenth of the time of one facet per image,
    which matters because it is on the first page a user opens.

    Args:
        images: uint8 images (N, 28, 28).
        labels: their class labels (N,).
        columns: images per row.
        t: the words of the labels' language.
    """
    names = words.class_names(t)
    mosaic, anchors = sample_mosaic(np.asarray(images), columns)
    fig = px.imshow(mosaic, binary_string=True)  # one PNG: light in the browser, exact grey levels
    fig.update_traces(hoverinfo="skip", hovertemplate=None)
    for (x, y), label in zip(anchors, labels, strict=True):
        fig.add_annotation(
            x=x, y=y, text=names[int(label)], showarrow=False, yanchor="bottom", font={"size": 12}
        )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    rows = -(-len(anchors) // columns)
    fig.update_layout(height=130 * rows + 30, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return fig


def plot_class_balance(
    train_labels: np.ndarray, test_labels: np.ndarray, *, t: words.Text = words.english
) -> go.Figure:
    """Grouped bars: images per class in the training and the test set."""
    fig = go.Figure()
    for key, labels in (("plot.train.training_set", train_labels), ("plot.train.test_set", test_labels)):
        counts = np.bincount(np.asarray(labels), minlength=NUM_CLASSES)
        fig.add_bar(x=words.class_names(t), y=counts, name=t(key))
    fig.update_layout(
        barmode="group",
        yaxis_title=t("plot.train.images"),
        legend={"orientation": "h", "y": 1.12},
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        height=360,
    )
    return fig


def _series(history: Sequence[dict[str, Any]], key: str) -> tuple[list[int], list[float]]:
    """(epochs, values) of one metric, skipping epochs that lack it (e.g. no validation split)."""
    points = [(line["epoch"], line[key]) for line in history if line.get(key) is not None]
    return [epoch for epoch, _ in points], [value for _, value in points]


def plot_training_curves(history: Sequence[dict[str, Any]], *, t: words.Text = words.english) -> go.Figure:
    """Accuracy and loss per epoch, training and validation, side by side.

    Both x axes span the epochs that exist, never the planned ones: a long run stopped early would
    otherwise be a sliver at the left edge.

    Args:
        history: the run's ``history.jsonl`` lines.
        t: the words of the titles' language.
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t(f"plot.train.{metric}") for metric in METRICS])
    for column, metric in enumerate(METRICS, start=1):
        for prefix, kind, color in (("", "training", TRAIN_COLOR), ("val_", "validation", VALIDATION_COLOR)):
            x, y = _series(history, prefix + metric)
            name = t(f"plot.train.{kind}")
            fig.add_scatter(
                x=x,
                y=y,
                name=name,
                mode="lines+markers",
                line={"color": color, "dash": "dash" if prefix else "solid"},
                legendgroup=name,
                showlegend=column == 1,
                row=1,
                col=column,
            )
    last = max((line["epoch"] for line in history), default=1)
    fig.update_xaxes(
        title_text=t("plot.train.epoch"), range=[0.5, last + 0.5], dtick=1 if last <= 20 else None
    )
    fig.update_yaxes(tickformat=".1%", range=accuracy_range(history), row=1, col=1)
    fig.update_layout(
        height=380, margin={"l": 0, "r": 0, "t": 40, "b": 0}, legend={"orientation": "h", "y": -0.2}
    )
    return fig


def accuracy_range(history: Sequence[dict[str, Any]]) -> list[float] | None:
    """A y range around the accuracies, within [0, 1]: Plotly's own pads a flat line to 150%."""
    values = [
        line[key] for line in history for key in ("accuracy", "val_accuracy") if line.get(key) is not None
    ]
    if not values:
        return None
    low, high = min(values), max(values)
    pad = max(0.02, (high - low) * 0.1)
    return [max(0.0, low - pad), min(1.0, high + pad)]


def plot_runs_overlay(
    histories: dict[str, Sequence[dict[str, Any]]],
    metric: str = "accuracy",
    show_training: bool = True,
    *,
    t: words.Text = words.english,
) -> go.Figure:
    """Curves of several runs on one chart, with the reference accuracies as horizontal lines.

    Args:
        histories: run label -> its ``history.jsonl`` lines.
        metric: ``"accuracy"`` or ``"loss"``.
        show_training: also draw the training curve (dotted) next to the validation curve (solid).
        t: the words of the titles' language.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}.")
    fig = go.Figure()
    palette = px.colors.qualitative.Plotly
    for index, (label, history) in enumerate(histories.items()):
        color = palette[index % len(palette)]
        curves = [("val_", "validation", "solid")] + ([("", "training", "dot")] if show_training else [])
        for prefix, kind, dash in curves:
            x, y = _series(history, prefix + metric)
            if x:
                fig.add_scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=t("plot.train.run_curve", label=label, kind=words.Word(f"plot.train.{kind}")),
                    line={"color": color, "dash": dash},
                )
    if metric == "accuracy":
        add_reference_lines(fig, t=t)
        fig.update_yaxes(tickformat=".0%")
    last = max((line["epoch"] for history in histories.values() for line in history), default=1)
    fig.update_xaxes(dtick=1 if last <= 20 else None)
    fig.update_layout(
        xaxis_title=t("plot.train.epoch"),
        yaxis_title=t(f"plot.train.{metric}"),
        height=460,
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        legend={"orientation": "h", "y": -0.18},
    )
    return fig


def add_reference_lines(
    fig: go.Figure, references: dict[str, float] | None = None, *, t: words.Text = words.english
) -> go.Figure:
    """Dotted horizontal lines for the accuracy anchors, labelled with their value.

    Args:
        references: words key under ``plot.train`` (``human``, ``sklearn``) -> accuracy.
    """
    for name, value in (references or REFERENCE_ACCURACIES).items():
        fig.add_hline(
            y=value,
            line={"dash": "dot", "color": "grey", "width": 1},
            annotation_text=t(
                "plot.train.reference_line", name=words.Word(f"plot.train.{name}"), value=value
            ),
            annotation_position="top left",
        )
    return fig
