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

from fmnist_core.calibration import Calibration

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


def _range_text(row: pd.Series) -> str:
    return f"confidence {row['lower']:.1%} – {row['upper']:.1%}"


def bin_hover(row: pd.Series) -> str:
    """The tooltip of one bin: its range, images, mean confidence, accuracy and gap."""
    count, gap = int(row["count"]), row["gap"]  # iterrows hands every cell over as a float
    images = "image" if count == 1 else "images"
    verdict = "over-confident" if gap > 0 else "under-confident" if gap < 0 else "calibrated"
    return (
        f"{_range_text(row)}<br>{count:,} {images}<br>mean confidence {row['confidence']:.1%}"
        f"<br>accuracy {row['accuracy']:.1%}<br>{verdict} by {abs(gap) * 100:.1f} points"
    )


def _gap_bars(filled: pd.DataFrame, over: bool, width: float) -> go.Bar:
    """The part between accuracy and mean confidence, over- or under-confident bins only."""
    rows = filled[filled["gap"] > 0] if over else filled[filled["gap"] < 0]
    colour = OVER_COLOUR if over else UNDER_COLOUR
    return go.Bar(
        name="Over-confident gap" if over else "Under-confident gap",
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
        hovertext=[bin_hover(row) for _, row in rows.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _diagonal() -> go.Scatter:
    return go.Scatter(
        name="Perfect calibration", x=[0, 1], y=[0, 1], mode="lines", line=DIAGONAL, hoverinfo="skip"
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


def plot_reliability_diagram(calibration: Calibration, title: str | None = None) -> go.Figure:
    """Accuracy per confidence bin as bars, their gap to the mean confidence, and the diagonal."""
    filled = _filled(calibration)
    width = float((calibration.bins["upper"] - calibration.bins["lower"]).iloc[0])
    accuracy = go.Bar(
        name="Accuracy",
        x=(filled["lower"] + filled["upper"]) / 2,
        y=filled["accuracy"],
        width=width,
        marker={"color": ACCURACY_COLOUR, "line": {"color": "white", "width": 1}},
        hovertext=[bin_hover(row) for _, row in filled.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>",
    )
    figure = go.Figure([accuracy, _gap_bars(filled, True, width), _gap_bars(filled, False, width)])
    figure.add_trace(_diagonal())
    figure.update_layout(barmode="overlay", bargap=0)
    heading = title or "Reliability diagram"
    return _layout(
        figure,
        f"{heading} · ECE {calibration.ece:.1%}",
        "Confidence (top probability)",
        {**PERCENT_AXIS, "title": {"text": "Accuracy"}},
    )


def plot_confidence_histogram(calibration: Calibration, log_y: bool = False) -> go.Figure:
    """How many right and wrong predictions fall in each confidence bin (bars side by side)."""
    bins = calibration.bins
    centres = (bins["lower"] + bins["upper"]) / 2
    wrong = bins["count"] - bins["correct"]
    traces = []
    for name, counts, colour in (("Right", bins["correct"], RIGHT_COLOUR), ("Wrong", wrong, WRONG_COLOUR)):
        hover = [
            f"{_range_text(row)}<br>{name.lower()}: {count:,} of {int(row['count']):,}"
            for (_, row), count in zip(bins.iterrows(), counts, strict=True)
        ]
        traces.append(
            go.Bar(
                name=f"{name} ({int(counts.sum()):,})",
                x=centres,
                y=counts,
                marker={"color": colour, "opacity": 0.85},
                hovertext=hover,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(barmode="group", bargap=0.15)  # side by side: overlaid colours would blend
    y_axis = {"title": {"text": "Images (log scale)" if log_y else "Images"}, "fixedrange": True}
    if log_y:
        y_axis |= {"type": "log", "dtick": 1}  # ticks at 1, 10, 100, ...
    else:
        y_axis["tickformat"] = ","
    return _layout(
        figure, "Confidence of right and wrong predictions", "Confidence (top probability)", y_axis
    )


def plot_reliability_comparison(runs: Sequence[tuple[str, Calibration]]) -> go.Figure:
    """Several runs' reliability curves (accuracy against mean confidence per filled bin) on one chart.

    Args:
        runs: (name, calibration) per run, drawn in this order; each legend entry quotes its ECE.
    """
    figure = go.Figure([_diagonal()])
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
                hovertext=[f"<b>{name}</b><br>{bin_hover(row)}" for _, row in filled.iterrows()],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    return _layout(
        figure,
        "Reliability of both runs",
        "Mean confidence in the bin",
        {**PERCENT_AXIS, "title": {"text": "Accuracy"}},
    )
