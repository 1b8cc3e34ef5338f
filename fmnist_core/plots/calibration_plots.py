"""Plotly figures of calibration (pure: a ``Calibration`` in, a figure out).

The reliability diagram follows Guo et al. (2017): one bar per confidence bin at the bin's accuracy,
the diagonal where accuracy equals confidence, and the gap between the bar and the bin's mean
confidence drawn on top of it (red when the model claims more than it achieves). Empty bins draw
nothing. Every figure sizes itself to its container, so it also fits a 400-pixel-wide phone.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from fmnist_core import words
from fmnist_core.evaluation.calibration import Calibration

ACCURACY_COLOUR, OVER_COLOUR, UNDER_COLOUR = "#1f77b4", "#d62728", "#ff7f0e"
RIGHT_COLOUR, WRONG_COLOUR = "#2ca02c", "#d62728"
DIAGONAL = {"color": "#7f7f7f", "dash": "dash", "width": 1.5}
RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
HEIGHT = 400
# Room at the top for the title and, under it, the legend (which wraps on a phone); the axes grow
# the other sides to fit their titles.
MARGIN = {"l": 10, "r": 10, "t": 80, "b": 10}
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "font": {"size": 11}}
# A little room beyond 0 and 100% so that markers on the edges are drawn whole.
PERCENT_AXIS = {"range": [-0.02, 1.02], "tickformat": ".0%", "dtick": 0.2, "fixedrange": True}


def _filled(calibration: Calibration) -> pd.DataFrame:
    return calibration.bins[calibration.bins["count"] > 0]


def _range_text(row: pd.Series, t: words.Text) -> str:
    return t("plot.evaluate.bin_range", lower=row["lower"], upper=row["upper"])


def bin_hover(row: pd.Series, t: words.Text = words.english) -> str:
    """The tooltip of one bin: its range, images, mean confidence, accuracy and gap."""
    count, gap = int(row["count"]), row["gap"]  # iterrows hands every cell over as a float
    images = "plot.evaluate.bin_image" if count == 1 else "plot.evaluate.bin_images"
    verdict = (
        "plot.evaluate.bin_over"
        if gap > 0
        else "plot.evaluate.bin_under"
        if gap < 0
        else "plot.evaluate.bin_calibrated"
    )
    return "<br>".join(
        [
            _range_text(row, t),
            t(images, count=count),
            t("plot.evaluate.bin_confidence", confidence=row["confidence"]),
            t("plot.evaluate.bin_accuracy", accuracy=row["accuracy"]),
            t(verdict, points=abs(gap) * 100),
        ]
    )


def _gap_bars(filled: pd.DataFrame, over: bool, width: float, t: words.Text) -> go.Bar:
    """The part between accuracy and mean confidence, over- or under-confident bins only."""
    rows = filled[filled["gap"] > 0] if over else filled[filled["gap"] < 0]
    colour = OVER_COLOUR if over else UNDER_COLOUR
    return go.Bar(
        name=t("plot.evaluate.over_gap" if over else "plot.evaluate.under_gap"),
        x=(rows["lower"] + rows["upper"]) / 2,
        y=rows["gap"].abs(),
        base=rows[["accuracy", "confidence"]].min(axis=1),
        width=width,
        # Hatched and see-through: an under-confident gap lies over the top of the accuracy bar,
        # which must still read as reaching up to the accuracy.
        marker={
            "color": "rgba(0, 0, 0, 0)",
            "pattern": {"shape": "/", "fgcolor": colour, "size": 6, "solidity": 0.35},
            "line": {"color": colour, "width": 1.5},
        },
        hovertext=[bin_hover(row, t) for _, row in rows.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _diagonal(t: words.Text) -> go.Scatter:
    return go.Scatter(
        name=t("plot.evaluate.perfect"), x=[0, 1], y=[0, 1], mode="lines", line=DIAGONAL, hoverinfo="skip"
    )


def _layout(figure: go.Figure, title: str, x_title: str, y_axis: dict) -> go.Figure:
    figure.update_layout(
        title={"text": title, "font": {"size": 15}, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        height=HEIGHT,
        margin=MARGIN,
        legend=LEGEND,
        xaxis={**PERCENT_AXIS, "title": {"text": x_title}},
        yaxis=y_axis,
        hoverlabel={"align": "left"},
    )
    return figure


def plot_reliability_diagram(
    calibration: Calibration, title: str | None = None, *, t: words.Text = words.english
) -> go.Figure:
    """Accuracy per confidence bin as bars, their gap to the mean confidence, and the diagonal."""
    filled = _filled(calibration)
    width = float((calibration.bins["upper"] - calibration.bins["lower"]).iloc[0])
    accuracy = go.Bar(
        name=t("plot.evaluate.accuracy"),
        x=(filled["lower"] + filled["upper"]) / 2,
        y=filled["accuracy"],
        width=width,
        marker={"color": ACCURACY_COLOUR, "line": {"color": "white", "width": 1}},
        hovertext=[bin_hover(row, t) for _, row in filled.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    figure = go.Figure([accuracy, _gap_bars(filled, True, width, t), _gap_bars(filled, False, width, t)])
    figure.add_trace(_diagonal(t))
    figure.update_layout(barmode="overlay", bargap=0)
    heading = title or t("plot.evaluate.reliability_title")
    return _layout(
        figure,
        f"{heading} · ECE {calibration.ece:.1%}",
        t("plot.evaluate.confidence_axis"),
        {**PERCENT_AXIS, "title": {"text": t("plot.evaluate.accuracy")}},
    )


def plot_confidence_histogram(
    calibration: Calibration, log_y: bool = False, *, t: words.Text = words.english
) -> go.Figure:
    """How many right and wrong predictions fall in each confidence bin (bars side by side)."""
    bins = calibration.bins
    centres = (bins["lower"] + bins["upper"]) / 2
    wrong = bins["count"] - bins["correct"]
    traces = []
    sides = (
        ("plot.evaluate.legend_right", "plot.evaluate.hover_right", bins["correct"], RIGHT_COLOUR),
        ("plot.evaluate.legend_wrong", "plot.evaluate.hover_wrong", wrong, WRONG_COLOUR),
    )
    for legend_key, hover_key, counts, colour in sides:
        hover = [
            f"{_range_text(row, t)}<br>" + t(hover_key, count=int(count), total=int(row["count"]))
            for (_, row), count in zip(bins.iterrows(), counts, strict=True)
        ]
        traces.append(
            go.Bar(
                name=t(legend_key, count=int(counts.sum())),
                x=centres,
                y=counts,
                marker={"color": colour, "opacity": 0.85},
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(barmode="group", bargap=0.15)  # side by side: overlaid colours would blend
    y_axis = {
        "title": {"text": t("plot.evaluate.images_log" if log_y else "plot.evaluate.images")},
        "fixedrange": True,
    }
    if log_y:
        y_axis |= {"type": "log", "dtick": 1}  # ticks at 1, 10, 100, ...
    else:
        y_axis["tickformat"] = ","
    return _layout(figure, t("plot.evaluate.histogram_title"), t("plot.evaluate.confidence_axis"), y_axis)


def plot_reliability_comparison(
    runs: Sequence[tuple[str, Calibration]], *, t: words.Text = words.english
) -> go.Figure:
    """Several runs' reliability curves (accuracy against mean confidence per filled bin) on one chart.

    Args:
        runs: (name, calibration) per run, drawn in this order; each legend entry quotes its ECE.
    """
    figure = go.Figure([_diagonal(t)])
    for (name, calibration), colour in zip(runs, RUN_COLOURS, strict=False):
        filled = _filled(calibration)
        figure.add_trace(
            go.Scatter(
                name=f"{name} · ECE {calibration.ece:.1%}",
                x=filled["confidence"],
                y=filled["accuracy"],
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={"size": 7},
                hovertext=[f"<b>{name}</b><br>{bin_hover(row, t)}" for _, row in filled.iterrows()],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return _layout(
        figure,
        t("plot.evaluate.comparison_title"),
        t("plot.evaluate.mean_confidence_axis"),
        {**PERCENT_AXIS, "title": {"text": t("plot.evaluate.accuracy")}},
    )
