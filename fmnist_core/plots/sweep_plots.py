"""A sweep's figures: parallel coordinates, slices, importances, drawn from its trial rows.

Rows (``sweep_rows``) are flat dicts (one per trial) so that the trial table, the filters and the figures read the
same data: ``trial``, ``state``, one key per hyperparameter, ``val accuracy``, ``test accuracy``,
``epochs done``, ``seconds`` and ``run id``.

A choice hyperparameter (an optimizer, an augmentation) has strings for values: its parallel
coordinates axis puts one mark per choice, its slice has a category axis, and its filter is the set
of choices kept instead of a (low, high) range. ``choices`` arguments give each such parameter's
values in order with the name shown for each (core code does not know the app's wording).

The rows' keys (``val accuracy``, ``run id``...) are data, the same in every language; the builders
write their texts through ``t`` (English by default, the app passes its own).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from fmnist_core import words
from fmnist_core.plots.sweep_rows import OBJECTIVE, TEST, Filter, in_ranges  # noqa: F401 (sweep_plots.OBJECTIVE)

PLOTTED_STATES = ("complete", "pruned")  # trials with a score to draw
STATE_COLORS = {"complete": "#1f77b4", "pruned": "#9467bd"}
MISSING_TEST = "not tested"  # pruned trials stop before the test set is scored (plot.sweep.not_tested)
Choices = Mapping[str, Mapping[str, str]]  # param -> {value: shown name}, in the axis's order


def axis_title(param: str, t: words.Text = words.english) -> str:
    """``learning_rate`` -> ``learning rate`` (in ``t``'s language; an unknown name as it is,
    underscores as spaces)."""
    try:
        return t(f"plot.sweep.param.{param}")
    except KeyError:
        return param.replace("_", " ")


def _log_ticks(low: float, high: float) -> list[float]:
    """1, 3 x 10^k marks between two log10 values (each end included when nothing falls between)."""
    marks = [math.log10(m * 10.0**k) for k in range(math.floor(low) - 1, math.ceil(high) + 1) for m in (1, 3)]
    inside = [mark for mark in marks if low - 1e-9 <= mark <= high + 1e-9]
    return inside if len(inside) >= 2 else [low, high]


def _dimension(
    label: str, values: list[float], log: bool, constraint: tuple[float, float] | None
) -> dict[str, Any]:
    """One Parcoords axis; a log axis carries log10 values with tick labels in the original units."""
    scale = math.log10 if log else float
    shown = [scale(value) for value in values]
    low, high = min(shown), max(shown)
    if constraint:
        low, high = min(low, scale(constraint[0])), max(high, scale(constraint[1]))
    if high == low:
        pad = abs(low) * 0.1 or 0.1
        low, high = low - pad, high + pad
    dimension: dict[str, Any] = {"label": label, "values": shown, "range": [low, high]}
    if log:
        ticks = _log_ticks(low, high)
        dimension |= {"tickvals": ticks, "ticktext": [f"{10**tick:.2g}" for tick in ticks]}
    elif len(set(values)) <= 8 and all(float(value).is_integer() for value in values):
        dimension |= {"tickvals": sorted(set(shown)), "ticktext": [f"{v:g}" for v in sorted(set(values))]}
    if constraint:
        dimension["constraintrange"] = [scale(constraint[0]), scale(constraint[1])]
    return dimension


def choice_names(param: str, values: Iterable[Any], choices: Choices | None) -> dict[str, str]:
    """The choices of a string-valued column in order, with their shown names: those ``choices``
    lists, then any other value met (by itself), sorted."""
    listed = dict((choices or {}).get(param, {}))
    return listed | {value: value for value in sorted(set(values) - set(listed))}


def is_choice(values: Iterable[Any]) -> bool:
    return any(isinstance(value, str) for value in values)


def _choice_dimension(label: str, values: list[str], names: dict[str, str], kept: Filter | None) -> dict:
    """A choice's axis: one evenly spaced mark per choice, labelled with its name; the kept
    choices are its brushed ranges."""
    index = {value: position for position, value in enumerate(names)}
    dimension: dict[str, Any] = {
        "label": label,
        "values": [index[value] for value in values],
        "range": [-0.5, len(names) - 0.5],
        "tickvals": list(range(len(names))),
        "ticktext": list(names.values()),
    }
    if kept is not None:
        marks = [[index[v] - 0.25, index[v] + 0.25] for v in names if v in kept]
        dimension["constraintrange"] = marks or [[-0.5, -0.4]]  # none kept: a band without a mark
    return dimension


def _test_dimension(tests: list[float | None], t: words.Text) -> dict[str, Any]:
    """The test-accuracy axis; trials without a test score sit on a ``not tested`` mark below."""
    present = [value for value in tests if value is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    pad = max((high - low) * 0.15, 0.01)
    floor = low - pad
    ticks = [low, (low + high) / 2, high] if high > low else [low]
    dimension = {
        "label": t("plot.sweep.test_accuracy"),
        "values": [floor if value is None else value for value in tests],
        "range": [floor if len(present) < len(tests) else low - pad / 2, high + pad / 2],
        "tickvals": ticks,
        "ticktext": [f"{tick:.1%}" for tick in ticks],
    }
    if len(present) < len(tests):
        dimension["tickvals"] = [floor, *ticks]
        dimension["ticktext"] = [t("plot.sweep.not_tested"), *dimension["ticktext"]]
    return dimension


def plot_parallel_coordinates(
    rows: Sequence[Mapping[str, Any]],
    params: Mapping[str, bool],
    ranges: Mapping[str, Filter] | None = None,
    choices: Choices | None = None,
    *,
    t: words.Text = words.english,
) -> go.Figure:
    """One line per scored trial across one axis per hyperparameter, then validation and test
    accuracy, coloured by validation accuracy.

    Args:
        rows: trial rows (``trial_rows``); only complete and pruned trials are drawn.
        params: hyperparameter -> whether its axis is logarithmic (its values shown as log10 with
            readable tick labels).
        ranges: column -> (low, high) filter in the original units, or the set of choices kept,
            drawn as the axis's brushed range so that the chart highlights the trials the table shows.
        choices: the names shown for a choice's values (``choice_names``).
        t: the words of the axis titles.
    """
    ranges = ranges or {}
    scored = [row for row in rows if row["state"] in PLOTTED_STATES and row.get(OBJECTIVE) is not None]
    if not scored:
        return go.Figure()
    dimensions = []
    for param, log in params.items():
        values = [row[param] for row in scored]
        if is_choice(values):
            names = choice_names(param, values, choices)
            dimensions.append(_choice_dimension(axis_title(param, t), values, names, ranges.get(param)))
        else:
            dimensions.append(_dimension(axis_title(param, t), values, log, ranges.get(param)))
    objective = [row[OBJECTIVE] for row in scored]
    accuracy = _dimension(t("plot.sweep.val_accuracy"), objective, False, ranges.get(OBJECTIVE))
    low, high = accuracy["range"]
    ticks = [low + (high - low) * step / 4 for step in range(5)]
    accuracy |= {"tickvals": ticks, "ticktext": [f"{tick:.1%}" for tick in ticks]}
    dimensions += [accuracy, _test_dimension([row.get(TEST) for row in scored], t)]
    fig = go.Figure(
        go.Parcoords(
            dimensions=dimensions,
            line={
                "color": objective,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": t("plot.sweep.val_accuracy")}, "tickformat": ".0%"},
            },
            labelangle=0,
            labelside="top",
        )
    )
    fig.update_layout(height=420, margin={"l": 60, "r": 40, "t": 70, "b": 30})
    return fig


def plot_slices(
    rows: Sequence[Mapping[str, Any]],
    params: Mapping[str, bool],
    choices: Choices | None = None,
    *,
    t: words.Text = words.english,
) -> go.Figure:
    """Validation accuracy against each hyperparameter: one small scatter per parameter (log x
    where ``params`` says so, a category axis of the choices' names for a choice), complete and
    pruned trials in their own colours."""
    scored = [row for row in rows if row["state"] in PLOTTED_STATES and row.get(OBJECTIVE) is not None]
    names = list(params)
    fig = make_subplots(
        rows=1, cols=max(len(names), 1), shared_yaxes=True, subplot_titles=[axis_title(n, t) for n in names]
    )
    for column, name in enumerate(names, start=1):
        values = [row[name] for row in scored]
        shown = choice_names(name, values, choices) if is_choice(values) else None
        x_format = "%{x}" if shown else "%{x:.3g}"
        hover = t(
            "plot.sweep.slice_hover", trial="%{customdata}", param=axis_title(name, t), x=x_format,
            objective=t("plot.sweep.val_accuracy"), y="%{y:.2%}",
        )  # fmt: skip
        for state, color in STATE_COLORS.items():
            chosen = [row for row in scored if row["state"] == state]
            fig.add_scatter(
                x=[shown[row[name]] if shown else row[name] for row in chosen],
                y=[row[OBJECTIVE] for row in chosen],
                mode="markers",
                marker={"color": color, "size": 9, "opacity": 0.8},
                name=t(f"plot.sweep.state.{state}"),
                legendgroup=f"state-{state}",  # an id: the legend shows the name
                showlegend=column == 1 and bool(chosen),
                customdata=[row["trial"] for row in chosen],
                hovertemplate=f"{hover}<extra></extra>",
                row=1,
                col=column,
            )
        if shown:
            axis = {"type": "category", "categoryorder": "array", "categoryarray": list(shown.values())}
            fig.update_xaxes(**axis, row=1, col=column)
        else:
            fig.update_xaxes(type="log" if params[name] else "linear", row=1, col=column)
    fig.update_yaxes(tickformat=".0%", row=1, col=1, title_text=t("plot.sweep.val_accuracy"))
    fig.update_layout(
        height=300, margin={"l": 0, "r": 0, "t": 40, "b": 0}, legend={"orientation": "h", "y": -0.2}
    )
    return fig


def plot_importances(importances: Mapping[str, float], *, t: words.Text = words.english) -> go.Figure:
    """Horizontal bars of each hyperparameter's share of the validation accuracy's variance,
    the most important on top."""
    ordered = sorted(importances.items(), key=lambda item: item[1])
    fig = go.Figure(
        go.Bar(
            x=[value for _, value in ordered],
            y=[axis_title(name, t) for name, _ in ordered],
            orientation="h",
            marker_color="#1f77b4",
            text=[f"{value:.0%}" for _, value in ordered],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        height=80 + 40 * len(ordered),
        margin={"l": 10, "r": 0, "t": 10, "b": 0},
        yaxis={"automargin": True},
        xaxis={"tickformat": ".0%", "title": {"text": t("plot.sweep.importance")}, "rangemode": "tozero"},
    )
    return fig
