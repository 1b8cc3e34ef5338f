"""A sweep's rows, filters and figures, checked on their data."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from fmnist_core.plots import sweep_plots, sweep_rows

PARAMS = {"dropout": False, "learning_rate": True}


def trial(number: int, state: str, dropout: float, learning_rate: float, value, test=None):
    return SimpleNamespace(
        number=number,
        state=state,
        params={"dropout": dropout, "learning_rate": learning_rate},
        value=value,
        test_accuracy=test,
        run_id=f"run-{number}" if state != "waiting" else None,
        epochs_done=1,
        seconds=2.5,
    )


@pytest.fixture
def rows():
    return sweep_rows.trial_rows([
        trial(2, "pruned", 0.5, 1e-2, 0.70),
        trial(0, "complete", 0.1, 1e-3, 0.85, 0.84),
        trial(1, "complete", 0.3, 1e-4, 0.80, 0.79),
        trial(3, "running", 0.2, 3e-3, None),
    ])  # fmt: skip


def test_rows_are_flat_and_in_trial_order(rows) -> None:
    assert [row["trial"] for row in rows] == [0, 1, 2, 3]
    assert rows[0] == {
        "trial": 0, "state": "complete", "dropout": 0.1, "learning_rate": 1e-3, "val accuracy": 0.85,
        "test accuracy": 0.84, "epochs done": 1, "seconds": 2.5, "run id": "run-0",
    }  # fmt: skip


def test_filter_keeps_rows_inside_every_range(rows) -> None:
    assert sweep_rows.filter_rows(rows, {}) == rows
    kept = sweep_rows.filter_rows(rows, {"dropout": (0.0, 0.3)})
    assert [row["trial"] for row in kept] == [0, 1, 3]  # ends included
    kept = sweep_rows.filter_rows(rows, {"dropout": (0.0, 0.3), "learning_rate": (5e-4, 1e-2)})
    assert [row["trial"] for row in kept] == [0, 3]
    assert sweep_rows.filter_rows(rows, {"val accuracy": (0.75, 1.0)}) == rows[:2]  # no value: out


def test_best_and_top_rows(rows) -> None:
    assert sweep_rows.best_row(rows)["trial"] == 0
    better_but_pruned = sweep_rows.trial_rows(
        [trial(0, "complete", 0.1, 1e-3, 0.8), trial(1, "pruned", 0.1, 1e-3, 0.9)]
    )
    assert sweep_rows.best_row(better_but_pruned)["trial"] == 0
    assert [row["trial"] for row in sweep_rows.top_rows(rows, 2)] == [0, 1]
    assert sweep_rows.best_row([]) is None


def test_parallel_coordinates_draws_scored_trials_with_log_and_filtered_axes(rows) -> None:
    fig = sweep_plots.plot_parallel_coordinates(rows, PARAMS, {"dropout": (0.05, 0.35)})
    (trace,) = fig.data
    dims = {dim.label: dim for dim in trace.dimensions}
    assert list(dims) == ["dropout", "learning rate", "val accuracy", "test accuracy"]
    assert list(dims["dropout"].values) == [0.1, 0.3, 0.5]  # the running trial is not drawn
    assert list(dims["dropout"].constraintrange) == [0.05, 0.35]
    assert dims["learning rate"].constraintrange is None
    assert list(dims["learning rate"].values) == pytest.approx([-3, -4, -2])  # log10
    assert "0.001" in dims["learning rate"].ticktext and "0.0001" in dims["learning rate"].ticktext
    assert list(trace.line.color) == [0.85, 0.80, 0.70]  # coloured by the objective
    test = dims["test accuracy"]
    assert test.ticktext[0] == sweep_plots.MISSING_TEST  # the pruned trial has no test score
    assert test.values[2] == test.tickvals[0] < min(test.values[:2])


def test_a_filter_wider_than_the_data_widens_the_axis(rows) -> None:
    fig = sweep_plots.plot_parallel_coordinates(rows, PARAMS, {"learning_rate": (1e-5, 1e-1)})
    dim = fig.data[0].dimensions[1]
    assert list(dim.range) == pytest.approx([-5, -1])
    assert list(dim.constraintrange) == pytest.approx([-5, -1])


def test_parallel_coordinates_of_no_scored_trial_is_empty(rows) -> None:
    assert not sweep_plots.plot_parallel_coordinates(rows[3:], PARAMS).data


def test_one_value_gets_a_visible_axis() -> None:
    rows = sweep_rows.trial_rows([trial(0, "complete", 0.2, 1e-3, 0.8, 0.8)])
    dims = sweep_plots.plot_parallel_coordinates(rows, PARAMS).data[0].dimensions
    assert all(dim.range[0] < dim.range[1] for dim in dims)


def test_slices_plot_each_parameter_with_log_x_for_the_learning_rate(rows) -> None:
    fig = sweep_plots.plot_slices(rows, PARAMS)
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis2.type == "log"
    complete = [trace for trace in fig.data if trace.name == "complete"]
    assert [list(trace.x) for trace in complete] == [[0.1, 0.3], [1e-3, 1e-4]]
    assert all(list(trace.y) == [0.85, 0.80] for trace in complete)
    pruned = [trace for trace in fig.data if trace.name == "pruned"]
    assert list(pruned[0].y) == [0.70]
    assert [annotation.text for annotation in fig.layout.annotations] == ["dropout", "learning rate"]


def test_importances_are_sorted_bars_most_important_on_top() -> None:
    fig = sweep_plots.plot_importances({"dropout": 0.2, "learning_rate": 0.7, "batch_size": 0.1})
    (bar,) = fig.data
    assert bar.orientation == "h"
    assert list(bar.y) == ["batch size", "dropout", "learning rate"]  # plotly draws the last on top
    assert list(bar.x) == [0.1, 0.2, 0.7]
    assert math.isclose(sum(bar.x), 1.0)


# ---------------------------------------------------------------- a choice (strings) as a dimension

CHOICE_PARAMS = {"optimizer": False, "learning_rate": True}
NAMES = {"optimizer": {"adam": "Adam", "sgd_momentum": "SGD + momentum 0.9", "rmsprop": "RMSprop"}}


def optimizer_trial(number: int, state: str, optimizer: str, learning_rate: float, value, test=None):
    row = trial(number, state, 0.0, learning_rate, value, test)
    row.params = {"optimizer": optimizer, "learning_rate": learning_rate}
    return row


@pytest.fixture
def choice_rows():
    return sweep_rows.trial_rows([
        optimizer_trial(0, "complete", "rmsprop", 1e-3, 0.85, 0.84),
        optimizer_trial(1, "complete", "adam", 1e-4, 0.80, 0.79),
        optimizer_trial(2, "pruned", "rmsprop", 1e-2, 0.70),
        optimizer_trial(3, "running", "adam", 3e-3, None),
    ])  # fmt: skip


def test_a_choice_axis_has_one_named_mark_per_choice(choice_rows) -> None:
    fig = sweep_plots.plot_parallel_coordinates(choice_rows, CHOICE_PARAMS, choices=NAMES)
    dim = fig.data[0].dimensions[0]
    assert dim.label == "optimizer"
    assert list(dim.ticktext) == ["Adam", "SGD + momentum 0.9", "RMSprop"] and list(dim.tickvals) == [0, 1, 2]
    assert list(dim.values) == [2, 0, 2]  # rmsprop, adam, rmsprop; the running trial is not drawn
    assert list(dim.range) == [-0.5, 2.5] and dim.constraintrange is None


def test_a_choice_filter_keeps_its_set_in_the_table_and_brushes_its_marks(choice_rows) -> None:
    kept = {"optimizer": frozenset({"rmsprop"})}
    assert [row["trial"] for row in sweep_rows.filter_rows(choice_rows, kept)] == [0, 2]
    both = {"optimizer": frozenset({"adam"}), "learning_rate": (5e-5, 2e-3)}
    assert [row["trial"] for row in sweep_rows.filter_rows(choice_rows, both)] == [1]
    assert sweep_rows.filter_rows(choice_rows, {"optimizer": frozenset()}) == []
    fig = sweep_plots.plot_parallel_coordinates(choice_rows, CHOICE_PARAMS, kept, NAMES)
    assert [list(band) for band in fig.data[0].dimensions[0].constraintrange] == [[1.75, 2.25]]
    nothing = sweep_plots.plot_parallel_coordinates(
        choice_rows, CHOICE_PARAMS, {"optimizer": frozenset()}, NAMES
    )
    (band,) = nothing.data[0].dimensions[0].constraintrange
    assert all(-0.5 <= end < 0 for end in band)  # a band below the first mark: no line highlighted


def test_a_choice_without_names_shows_its_values_sorted(choice_rows) -> None:
    dim = sweep_plots.plot_parallel_coordinates(choice_rows, CHOICE_PARAMS).data[0].dimensions[0]
    assert list(dim.ticktext) == ["adam", "rmsprop"] and list(dim.values) == [1, 0, 1]


def test_a_choice_slice_has_a_category_axis_in_the_choices_order(choice_rows) -> None:
    fig = sweep_plots.plot_slices(choice_rows, CHOICE_PARAMS, NAMES)
    axis = fig.layout.xaxis
    assert axis.type == "category" and list(axis.categoryarray) == ["Adam", "SGD + momentum 0.9", "RMSprop"]
    assert fig.layout.xaxis2.type == "log"
    complete = next(trace for trace in fig.data if trace.name == "complete")
    assert list(complete.x) == ["RMSprop", "Adam"] and list(complete.y) == [0.85, 0.80]
    assert "optimizer %{x}<br>" in complete.hovertemplate


def test_importances_of_a_real_study_with_a_choice_are_plotted() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    bonus = {"adam": 0.1, "sgd_momentum": 0.0, "rmsprop": 0.05}
    study.optimize(
        lambda t: (
            bonus[t.suggest_categorical("optimizer", list(bonus))] + 0.001 * t.suggest_float("dropout", 0, 1)
        ),
        n_trials=30,
    )
    evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)  # as sweeps.param_importances
    importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
    assert max(importances, key=importances.get) == "optimizer"
    bar = sweep_plots.plot_importances(importances).data[0]
    assert list(bar.y) == ["dropout", "optimizer"] and math.isclose(sum(bar.x), 1.0)
