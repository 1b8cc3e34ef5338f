"""The Tutorials card's curve: a run's validation accuracy against its training time so far, with
the recipe's target (an accuracy within a time) drawn as two dashed lines.

The time is the sum of the history's per-epoch ``seconds`` (training and that epoch's validation),
so it leaves out TensorFlow's start and the final test evaluation that the run's own duration holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import plotly.graph_objects as go

from fmnist_core import words
from fmnist_core.plots.plots import VALIDATION_COLOR

TARGET_LINE = {"dash": "dash", "color": "#2ca02c"}


def accuracy_against_time(history: Sequence[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """(seconds of training after each epoch, validation accuracy then), for epochs that have one."""
    elapsed = list(accumulate(float(line.get("seconds", 0.0)) for line in history))
    pairs = [
        (s, line["val_accuracy"]) for s, line in zip(elapsed, history, strict=True) if "val_accuracy" in line
    ]
    return [s for s, _ in pairs], [a for _, a in pairs]


def plot_accuracy_against_time(
    history: Sequence[dict[str, Any]],
    *,
    target: float | None = None,
    within_seconds: float | None = None,
    t: words.Text = words.english,
) -> go.Figure:
    """The validation accuracy after each epoch against the seconds of training so far."""
    seconds, accuracies = accuracy_against_time(history)
    figure = go.Figure(
        go.Scatter(
            x=seconds,
            y=accuracies,
            mode="lines+markers",
            name=t("plot.recipe.validation"),
            line={"color": VALIDATION_COLOR},
            hovertemplate=t("plot.recipe.hover") + "<extra></extra>",
            customdata=list(range(1, len(seconds) + 1)),
        )
    )
    if target is not None:
        figure.add_hline(
            y=target,
            line=TARGET_LINE,
            annotation_text=t("plot.recipe.target", value=target),
            annotation_position="bottom right",
        )
    if within_seconds is not None:
        figure.add_vline(
            x=within_seconds,
            line=TARGET_LINE,
            annotation_text=t("plot.recipe.limit", seconds=within_seconds),
            annotation_position="top left",
        )
    shown = [*accuracies, *([target] if target is not None else [])]
    low, high = (min(shown) - 0.01, min(1.0, max(shown) + 0.01)) if shown else (0.0, 1.0)
    figure.update_layout(
        title=t("plot.recipe.title"),
        xaxis={"title": t("plot.recipe.seconds"), "rangemode": "tozero"},
        yaxis={"title": t("plot.recipe.accuracy"), "tickformat": ".1%", "range": [low, high]},
        height=300,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        showlegend=False,
    )
    return figure
