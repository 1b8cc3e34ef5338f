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

from fmnist_core import sweeps
from fmnist_core.plots import plots, sweep_plots, sweep_rows
from fmnist_core.runs import runs
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import error_text, t

MIN_IMPORTANCE_TRIALS = 3
TOP_CURVES = 5
# The trial table's columns after the hyperparameters: language-neutral names, shown as the
# catalog's sweep.column.<name> (the hyperparameters' columns are their labels, lower case).
TABLE_COLUMNS = ("best_val_accuracy", "test_accuracy", "epochs_done", "time", "evaluate")


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
            label(param), space.choices, default=list(space.choices), key=key,
            format_func={value: widgets.choice_name(value) for value in space.choices}.get,
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
    with st.expander(t("sweep.filter"), icon=":material/filter_alt:"):
        st.caption(t("sweep.filter_caption"))
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


def state_name(state: str) -> str:
    """A trial's state (``complete``, ``pruned``, ``running``, ``waiting``, ``failed``) in the
    session's language; an unknown one as it is."""
    return t(f"sweep.state.{state}") if state in TRIAL_STATES else state


TRIAL_STATES = ("complete", "pruned", "running", "waiting", "failed")


def column_names(params: list[str]) -> dict[str, str]:
    """The trial table's column names as shown: language-neutral name -> the catalog's."""
    return {
        "trial": t("sweep.column.trial"),
        "state": t("sweep.column.state"),
        **{param: label(param).lower() for param in params},
        **{column: t(f"sweep.column.{column}") for column in TABLE_COLUMNS},
    }


def trials_frame(rows: list[dict[str, Any]], params: list[str]) -> pd.DataFrame:
    """The trial table: state, values, accuracies, epochs, time and a link to Evaluate (its
    columns even when no trial passes the filters), with language-neutral column names
    (``column_names`` gives the shown ones)."""
    columns = ["trial", "state", *params, *TABLE_COLUMNS]
    return pd.DataFrame([
        {
            "trial": row["trial"],
            "state": state_name(row["state"]),
            **{param: shown_value(row.get(param)) for param in params},
            "best_val_accuracy": widgets.percent_cell(row[sweep_plots.OBJECTIVE]),
            "test_accuracy": widgets.percent_cell(row[sweep_plots.TEST]),
            "epochs_done": row["epochs done"],
            "time": widgets.duration_text(row["seconds"]) if row["seconds"] is not None else "",
            "evaluate": f"/evaluate?run={row['run id']}" if opens_on_evaluate(row) else None,
        }
        for row in rows
    ], columns=columns)  # fmt: skip


def show_trials_table(rows: list[dict[str, Any]], params: list[str], key: str, numbers: list[str]) -> None:
    """The trial table; the columns of ``numbers`` (the searched numbers) in 3 significant digits."""
    names = column_names(params)
    frame = trials_frame(rows, params).rename(columns=names)
    st.dataframe(
        frame.style.format("{:.3g}", subset=[names[p] for p in numbers], na_rep=""),
        hide_index=True,
        key=key,
        column_config={
            names["evaluate"]: st.column_config.LinkColumn(
                display_text=t("sweep.evaluate_link"), help=t("sweep.evaluate_help")
            ),
            names["epochs_done"]: st.column_config.NumberColumn(help=t("sweep.epochs_done_help")),
            names["best_val_accuracy"]: widgets.NUMBER_TEXT_COLUMN(),
            names["test_accuracy"]: widgets.NUMBER_TEXT_COLUMN(),
        },
    )


def show_hparams(status: sweeps.SweepStatus) -> None:
    """Filters, parallel coordinates, the filtered table, slices, importances and top curves."""
    spec, rows = status.spec, sweep_rows.trial_rows(status.trials)
    if not rows:
        st.info(t("sweep.no_trials"), icon=":material/hourglass_top:")
        return
    params = {param: bool(searched.log) for param, searched in spec.space.items()}
    choices = choices_shown(spec.space)
    ranges = filter_ranges(spec.name, spec.space)
    shown = sweep_rows.filter_rows(rows, ranges)
    st.markdown(t("sweep.trials_heading"))
    if any(row["state"] in sweep_plots.PLOTTED_STATES for row in rows):
        figure = sweep_plots.plot_parallel_coordinates(rows, params, ranges, choices, t=t)
        st.plotly_chart(
            figure, key=f"sweep_parcoords_{spec.name}", on_select="rerun", config=widgets.NO_TOOLBAR
        )
    if ranges:
        st.caption(t("sweep.shown_filtered", shown=len(shown), total=len(rows), filters=describe(ranges)))
    else:
        st.caption(t("sweep.shown", shown=len(shown), total=len(rows)))
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
                t("sweep.filter_choices", label=label(param).lower(), names=t("sweep.or").join(names))
                if names
                else t("sweep.filter_none", label=label(param).lower())
            )
        else:
            parts.append(t("sweep.filter_range", label=label(param).lower(), low=kept[0], high=kept[1]))
    return t("sweep.list_separator").join(parts)


def show_slices_and_importances(
    spec: sweeps.SweepSpec, rows: list[dict[str, Any]], params: dict[str, bool], choices: dict[str, dict]
) -> None:
    scored = [row for row in rows if row["state"] in sweep_plots.PLOTTED_STATES]
    if not scored or not params:
        return
    st.markdown(t("sweep.slices_heading"))
    st.plotly_chart(
        sweep_plots.plot_slices(rows, params, choices, t=t),
        key=f"sweep_slices_{spec.name}",
        config=widgets.NO_TOOLBAR,
    )
    st.markdown(t("sweep.importances_heading"))
    complete = sum(row["state"] == "complete" for row in rows)
    if complete < MIN_IMPORTANCE_TRIALS:
        st.caption(t("sweep.importances_too_few", needed=MIN_IMPORTANCE_TRIALS, complete=complete))
        return
    importances, problem = loaders.sweep_importances(spec.name, complete)
    if problem:
        st.caption(t("sweep.importances_failed", problem=error_text(problem)))
        return
    if not importances:
        st.caption(t("sweep.importances_one_param"))
        return
    st.plotly_chart(
        sweep_plots.plot_importances(importances, t=t),
        key=f"sweep_importances_{spec.name}",
        config=widgets.NO_TOOLBAR,
    )
    st.caption(t("sweep.importances_caption"))


def show_top_curves(rows: list[dict[str, Any]]) -> None:
    """Validation curves of the best trials, against the reference accuracies."""
    histories = {}
    for row in sweep_rows.top_rows(rows, TOP_CURVES):
        try:
            history = runs.read_history(runs.run_path(row["run id"]))
        except ValueError:  # its run was deleted
            continue
        if history:
            histories[t("sweep.curve_name", trial=row["trial"], accuracy=row[sweep_plots.OBJECTIVE])] = (
                history
            )
    if histories:
        st.markdown(t("sweep.curves_heading", count=len(histories)))
        figure = plots.plot_runs_overlay(histories, "accuracy", show_training=False, t=t)
        st.plotly_chart(figure, key="sweep_top_curves", config=widgets.NO_TOOLBAR)
