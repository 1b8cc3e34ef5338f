"""A sweep's trials and HParams view: range filters, parallel coordinates, the filtered trial table,
slices, parameter importances and the best trials' curves.

Streamlit does not send a Parcoords brush back to the script, so each searched hyperparameter gets
a range filter (a choice, such as the optimizer, gets the set of its choices to keep); the chart
draws the same filters as its brushed ranges, so chart and table agree.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from fmnist_core import plots, runs, sweep_plots, sweeps
from fmnist_ui import loaders, widgets

MIN_IMPORTANCE_TRIALS = 3
TOP_CURVES = 5
TABLE_COLUMNS = ("best val accuracy", "test accuracy", "epochs done", "time", "evaluate")


def label(param: str) -> str:
    return widgets.LABELS.get(param, param)


def log_grid(low: float, high: float) -> list[float]:
    """1, 2, 5 x 10^k between ``low`` and ``high``, ends included."""
    marks = {
        float(f"{m * 10.0**k:.3g}") for k in range(math.floor(math.log10(low)) - 1, 2) for m in (1, 2, 5)
    }
    return sorted({low, high} | {mark for mark in marks if low < mark < high})


def is_choice(space: sweeps.Param) -> bool:
    """A searched choice (an optimizer, an augmentation), as opposed to numbers."""
    return space.kind == "categorical" and sweep_plots.is_choice(space.choices)


def choices_shown(space: dict[str, sweeps.Param]) -> dict[str, dict[str, str]]:
    """Each searched choice's values, in the sweep's order, with the names the app shows."""
    return {
        param: {value: widgets.choice_name(value) for value in searched.choices}
        for param, searched in space.items()
        if is_choice(searched)
    }


def value_text(value: Any) -> str:
    """A sampled value in a sentence: a choice by its name, a number in 3 significant digits."""
    return widgets.choice_name(value) if isinstance(value, str) else f"{value:.3g}"


def filter_widget(sweep: str, param: str, space: sweeps.Param) -> tuple[Any, Any] | frozenset | None:
    """A range filter over the searched range; returns (low, high), the set of choices kept, or
    None for a single value."""
    key = f"sweep_filter_{sweep}_{param}"
    if is_choice(space):
        kept = st.multiselect(
            label(param), space.choices, default=list(space.choices), format_func=widgets.choice_name, key=key
        )  # fmt: skip
        return frozenset(kept)
    if space.kind == "categorical":
        options = sorted(space.choices)
    elif space.log:
        options = log_grid(space.low, space.high)
    elif space.low == space.high:
        return None
    elif space.kind == "int":
        return st.slider(
            label(param), int(space.low), int(space.high), (int(space.low), int(space.high)), key=key
        )
    else:
        step = round((space.high - space.low) / 20, 4) or 0.01
        return st.slider(
            label(param), float(space.low), float(space.high), (space.low, space.high), step, key=key
        )
    if len(options) < 2:
        return None
    return st.select_slider(
        label(param), options, value=(options[0], options[-1]), format_func="{:g}".format, key=key
    )


def filter_ranges(sweep: str, space: dict[str, sweeps.Param]) -> dict[str, sweep_plots.Filter]:
    """The ranges narrower than the searched ones (the sets of choices smaller than all), from
    the Filter trials expander."""
    ranges: dict[str, sweep_plots.Filter] = {}
    numbers = [param for param, searched in space.items() if not is_choice(searched)]
    choices = [param for param in space if param not in numbers]
    with st.expander("Filter trials", icon=":material/filter_alt:"):
        st.caption("The table below shows only the trials inside every range; the chart highlights them.")
        # sliders three to a row; the choices' multiselects two to a row, wide enough for their names
        for group, width in ((numbers, 3), (choices, 2)):
            columns = st.columns(width) if group else []
            for index, param in enumerate(group):
                with columns[index % width]:
                    chosen = filter_widget(sweep, param, space[param])
                if chosen is not None and narrower(chosen, space[param]):
                    ranges[param] = chosen if isinstance(chosen, frozenset) else tuple(chosen)
    return ranges


def narrower(chosen: tuple[Any, Any] | frozenset, searched: sweeps.Param) -> bool:
    """Whether a filter leaves out part of what was searched."""
    if isinstance(chosen, frozenset):
        return chosen != frozenset(searched.choices)
    if searched.kind == "categorical":
        return tuple(chosen) != (min(searched.choices), max(searched.choices))
    return tuple(chosen) != (searched.low, searched.high)


def opens_on_evaluate(row: dict[str, Any]) -> bool:
    """Evaluate opens runs with test predictions: complete trials, and pruned ones (scored on the
    test set with the weights they had when stopped)."""
    return (
        row["state"] in sweep_plots.PLOTTED_STATES
        and row[sweep_plots.TEST] is not None
        and bool(row["run id"])
    )


def shown_value(value: Any) -> Any:
    return widgets.choice_name(value) if isinstance(value, str) else value


def trials_frame(rows: list[dict[str, Any]], params: list[str]) -> pd.DataFrame:
    """The trial table: state, values, accuracies, epochs, time and a link to Evaluate (its
    columns even when no trial passes the filters)."""
    columns = ["trial", "state", *(label(param).lower() for param in params), *TABLE_COLUMNS]
    return pd.DataFrame([
        {
            "trial": row["trial"],
            "state": row["state"],
            **{label(param).lower(): shown_value(row.get(param)) for param in params},
            "best val accuracy": widgets.percent_cell(row[sweep_plots.OBJECTIVE]),
            "test accuracy": widgets.percent_cell(row[sweep_plots.TEST]),
            "epochs done": row["epochs done"],
            "time": widgets.duration_text(row["seconds"]) if row["seconds"] is not None else "",
            "evaluate": f"/evaluate?run={row['run id']}" if opens_on_evaluate(row) else None,
        }
        for row in rows
    ], columns=columns)  # fmt: skip


def show_trials_table(rows: list[dict[str, Any]], params: list[str], key: str, numbers: list[str]) -> None:
    """The trial table; the columns of ``numbers`` (the searched numbers) in 3 significant digits."""
    frame = trials_frame(rows, params)
    st.dataframe(
        frame.style.format("{:.3g}", subset=[label(p).lower() for p in numbers], na_rep=""),
        hide_index=True,
        key=key,
        column_config={
            "evaluate": st.column_config.LinkColumn(
                display_text="Evaluate", help="Study this trial's run: its confusion matrix and mistakes."
            ),
            "epochs done": st.column_config.NumberColumn(help="Epochs trained (a pruned trial stops early)."),
            "best val accuracy": widgets.NUMBER_TEXT_COLUMN(),
            "test accuracy": widgets.NUMBER_TEXT_COLUMN(),
        },
    )


def show_hparams(status: sweeps.SweepStatus) -> None:
    """Filters, parallel coordinates, the filtered table, slices, importances and top curves."""
    spec, rows = status.spec, sweep_plots.trial_rows(status.trials)
    if not rows:
        st.info(
            "No trial has started yet: the table fills as the worker runs them.",
            icon=":material/hourglass_top:",
        )
        return
    params = {param: bool(searched.log) for param, searched in spec.space.items()}
    choices = choices_shown(spec.space)
    ranges = filter_ranges(spec.name, spec.space)
    shown = sweep_plots.filter_rows(rows, ranges)
    st.markdown("**Trials**")
    if any(row["state"] in sweep_plots.PLOTTED_STATES for row in rows):
        figure = sweep_plots.plot_parallel_coordinates(rows, params, ranges, choices)
        st.plotly_chart(
            figure, key=f"sweep_parcoords_{spec.name}", on_select="rerun", config=widgets.NO_TOOLBAR
        )
    filtered = f" inside the filters ({describe(ranges)})" if ranges else ""
    st.caption(f"{len(shown)} of {len(rows)} trials{filtered}.")
    numbers = [param for param in params if param not in choices]
    show_trials_table(shown, list(params), key=f"sweep_trials_{spec.name}", numbers=numbers)
    show_slices_and_importances(spec, rows, params, choices)
    show_top_curves(rows)


def describe(ranges: dict[str, sweep_plots.Filter]) -> str:
    """``dropout 0 to 0.3, optimizer Adam or RMSprop``."""
    parts = []
    for param, kept in ranges.items():
        if isinstance(kept, frozenset):
            names = sorted(widgets.choice_name(value) for value in kept)
            parts.append(
                f"{label(param).lower()} {' or '.join(names)}" if names else f"no {label(param).lower()}"
            )
        else:
            parts.append(f"{label(param).lower()} {kept[0]:g} to {kept[1]:g}")
    return ", ".join(parts)


def show_slices_and_importances(
    spec: sweeps.SweepSpec, rows: list[dict[str, Any]], params: dict[str, bool], choices: dict[str, dict]
) -> None:
    scored = [row for row in rows if row["state"] in sweep_plots.PLOTTED_STATES]
    if not scored or not params:
        return
    st.markdown("**Validation accuracy against each hyperparameter**")
    st.plotly_chart(
        sweep_plots.plot_slices(rows, params, choices),
        key=f"sweep_slices_{spec.name}",
        config=widgets.NO_TOOLBAR,
    )
    st.markdown("**Parameter importances**")
    complete = sum(row["state"] == "complete" for row in rows)
    if complete < MIN_IMPORTANCE_TRIALS:
        st.caption(
            f"Importances need at least {MIN_IMPORTANCE_TRIALS} complete trials; this sweep has {complete} so far."
        )
        return
    importances, problem = loaders.sweep_importances(spec.name, complete)
    if problem:
        st.caption(f"Importances cannot be computed: {problem}")
        return
    if not importances:
        st.caption(
            "Importances compare two or more searched hyperparameters: search more than one to see them."
        )
        return
    st.plotly_chart(
        sweep_plots.plot_importances(importances),
        key=f"sweep_importances_{spec.name}",
        config=widgets.NO_TOOLBAR,
    )
    st.caption(
        "Each hyperparameter's share of the variation in validation accuracy across the complete trials (fANOVA)."
    )


def show_top_curves(rows: list[dict[str, Any]]) -> None:
    """Validation curves of the best trials, against the reference accuracies."""
    histories = {}
    for row in sweep_plots.top_rows(rows, TOP_CURVES):
        try:
            history = runs.read_history(runs.run_path(row["run id"]))
        except ValueError:  # its run was deleted
            continue
        if history:
            histories[f"trial {row['trial']} · {row[sweep_plots.OBJECTIVE]:.1%}"] = history
    if histories:
        st.markdown(f"**Validation accuracy of the best {len(histories)} trials**")
        figure = plots.plot_runs_overlay(histories, "accuracy", show_training=False)
        st.plotly_chart(figure, key="sweep_top_curves", config=widgets.NO_TOOLBAR)
