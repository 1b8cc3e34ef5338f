"""The Sweep page: the New sweep form refuses what cannot run, Start creates and opens a sweep, the
trial table, its filters, Stop, and a real tiny sweep's trials."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import sweeps

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SPACE = {
    "dropout": sweeps.Param("float", 0.0, 0.6),
    "learning_rate": sweeps.Param("float", 1e-4, 1e-2, log=True),
}


def open_sweep_page(url_sweep: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if url_sweep:
        at.query_params["sweep"] = url_sweep
    at.run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception, at.exception
    return at


def make_sweep(name: str = "mlp-sweep-1", **overrides) -> sweeps.SweepSpec:
    settings = {
        "name": name,
        "model": "mlp_dropout",
        "trials": 4,
        "space": SPACE,
        "epochs": 1,
        "train_samples": 300,
    }
    spec = sweeps.SweepSpec(**{**settings, **overrides})
    sweeps.create_sweep(spec)
    return sweeps.load_sweep(name)


def trial(number: int, state: str, dropout: float, learning_rate: float, value=None, test=None):
    return SimpleNamespace(
        number=number, state=state, params={"dropout": dropout, "learning_rate": learning_rate}, value=value,
        run_id=f"20260101-120000-mlp_dropout-00000{number}", epochs_done=1, seconds=3.0, test_accuracy=test,
    )  # fmt: skip


def fake_status(monkeypatch: pytest.MonkeyPatch, spec: sweeps.SweepSpec, trials: list, **flags) -> None:
    values = {"stopped": False, "done": True, "active": False, "best": None, "problem": None, **flags}
    values.setdefault("problem_error", None)  # a problem given as text: not a coded error
    monkeypatch.setattr(
        sweeps,
        "sweep_status",
        lambda name, artifacts=None: SimpleNamespace(spec=spec, trials=trials, **values),
    )


def start_button(at: AppTest):
    return at.button(key="sweep_start")


def errors(at: AppTest) -> str:
    return " ".join(error.value for error in at.error)


def test_zero_trials_are_refused_and_nothing_is_created(artifacts: Path) -> None:
    at = open_sweep_page()
    assert at.text_input(key="sweep_name").value == "mlp-sweep-1"  # a free name, suggested
    assert at.info and "No sweeps yet" in at.info[0].value
    at.number_input(key="sweep_trials").set_value(0).run()
    assert "trials must be a whole number from 1" in errors(at)
    assert start_button(at).disabled
    assert sweeps.list_sweeps() == []


def test_grid_with_a_continuous_range_is_refused(artifacts: Path) -> None:
    at = open_sweep_page()
    at.radio(key="sweep_sampler").set_value("grid").run()
    assert "grid sampler cannot search the range" in errors(at)  # the learning rate is a range
    assert start_button(at).disabled
    # Batch size alone, as a set of values, is a grid.
    at.toggle(key="sweep_mlp_learning_rate_search").set_value(False).run()
    at.toggle(key="sweep_mlp_batch_size_search").set_value(True).run()
    at.number_input(key="sweep_trials").set_value(3).run()
    assert not at.error and not start_button(at).disabled
    assert sweeps.list_sweeps() == []


def test_a_taken_name_is_refused(artifacts: Path) -> None:
    make_sweep("mine")
    at = open_sweep_page()
    assert at.text_input(key="sweep_name").value == "mlp-sweep-1"
    at.text_input(key="sweep_name").set_value("mine").run()
    assert "A sweep named 'mine' exists already" in errors(at)
    assert start_button(at).disabled
    at.text_input(key="sweep_name").set_value("Bad name!").run()
    assert "not a valid sweep name" in errors(at)
    assert [spec.name for spec in sweeps.list_sweeps()] == ["mine"]


def test_start_creates_the_sweep_launches_its_worker_and_names_it_in_the_url(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    launched = []
    monkeypatch.setattr(sweeps, "launch_sweep_worker", lambda name: launched.append(name) or 1)
    at = open_sweep_page()
    at.selectbox(key="sweep_model").set_value("mlp_dropout").run()
    assert at.text_input(key="sweep_name").value == "mlp_dropout-sweep-1"  # follows the model
    assert at.select_slider(key="sweep_mlp_dropout_learning_rate_range").value == (1e-4, 1e-2)
    at.number_input(key="sweep_trials").set_value(3).run()
    start_button(at).click().run()
    assert not at.exception and not at.error
    (spec,) = sweeps.list_sweeps()
    assert launched == ["mlp_dropout-sweep-1"] and spec.name == "mlp_dropout-sweep-1"
    assert spec.trials == 3 and spec.sampler == "tpe" and spec.prune and spec.epochs == 3
    assert spec.space["learning_rate"].log and spec.space["dropout"].high == 0.6
    assert at.query_params["sweep"] == "mlp_dropout-sweep-1"
    assert at.selectbox(key="sweep_choice").value == "mlp_dropout-sweep-1"


def test_trials_table_links_to_evaluate_and_the_filters_narrow_it(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_sweep()
    trials = [
        trial(0, "complete", 0.1, 1e-3, 0.84, 0.83),
        trial(1, "complete", 0.5, 5e-3, 0.80, 0.79),
        trial(2, "pruned", 0.3, 1e-4, 0.60),
        trial(3, "running", 0.2, 2e-3),
    ]
    fake_status(monkeypatch, spec, trials)
    at = open_sweep_page(url_sweep=spec.name)
    frame = at.dataframe[0].value
    assert list(frame["trial"]) == [0, 1, 2, 3]
    assert list(frame["state"]) == ["complete", "complete", "pruned", "running"]
    assert frame["evaluate"][0] == f"/evaluate?run={trials[0].run_id}" and frame["evaluate"].isna()[3]
    assert any("Best so far: trial 0" in message.value for message in at.success)
    charts = [chart.key for chart in at.get("plotly_chart")]  # no curves: these runs do not exist
    assert charts == [f"sweep_parcoords_{spec.name}", f"sweep_slices_{spec.name}"]

    at.slider(key=f"sweep_filter_{spec.name}_dropout").set_value((0.0, 0.3)).run()
    assert list(at.dataframe[0].value["trial"]) == [0, 2, 3]
    at.select_slider(key=f"sweep_filter_{spec.name}_learning_rate").set_value((5e-4, 1e-2)).run()
    assert list(at.dataframe[0].value["trial"]) == [0, 3]
    assert any("2 of 4 trials inside the filters" in caption.value for caption in at.caption)


def test_choices_are_searched_from_the_improvements_expander(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "launch_sweep_worker", lambda name: 1)
    at = open_sweep_page()
    assert "Improvements the tutorials suggest" in [expander.label for expander in at.expander]
    assert at.selectbox(key="sweep_mlp_optimizer_value").value == "adam"  # fixed at the default
    at.toggle(key="sweep_mlp_optimizer_search").set_value(True).run()
    optimizers = at.multiselect(key="sweep_mlp_optimizer_range")
    assert optimizers.value == ["adam", "sgd_momentum", "rmsprop"]  # all choices to start with
    assert optimizers.options == ["Adam", "SGD + momentum 0.9", "RMSprop"]  # shown by name
    optimizers.set_value([]).run()
    assert "Choose at least one optimizer to search." in errors(at) and start_button(at).disabled
    at.multiselect(key="sweep_mlp_optimizer_range").set_value(["rmsprop", "adam"]).run()
    at.toggle(key="sweep_mlp_plateau_patience_search").set_value(True).run()
    assert at.slider(key="sweep_mlp_plateau_patience_range").value == (0, 3)
    at.toggle(key="sweep_mlp_label_smoothing_search").set_value(True).run()
    assert at.slider(key="sweep_mlp_label_smoothing_range").value == (0.0, 0.2)
    at.toggle(key="sweep_mlp_label_smoothing_search").set_value(False).run()
    at.slider(key="sweep_mlp_label_smoothing_value").set_value(0.1).run()
    at.selectbox(key="sweep_mlp_augmentation_value").set_value("drawing").run()
    at.toggle(key="sweep_mlp_learning_rate_search").set_value(False).run()
    at.radio(key="sweep_sampler").set_value("grid").run()  # choices and a whole-number range: a grid
    at.number_input(key="sweep_trials").set_value(8).run()
    assert not at.error
    start_button(at).click().run()
    assert not at.exception and not at.error
    (spec,) = sweeps.list_sweeps()
    assert spec.sampler == "grid" and set(spec.space) == {"optimizer", "plateau_patience"}
    assert spec.space["optimizer"] == sweeps.Param("categorical", choices=("adam", "rmsprop"))
    assert spec.space["plateau_patience"] == sweeps.Param("int", 0, 3)
    assert spec.fixed["augmentation"] == "drawing" and spec.fixed["label_smoothing"] == 0.1
    caption = " ".join(caption.value for caption in at.caption)
    assert "augmentation Drawing-like" in caption and "label smoothing 0.1" in caption
    assert "optimizer" not in caption  # searched, not fixed


def optimizer_trial(number: int, state: str, optimizer: str, learning_rate: float, value=None, test=None):
    row = trial(number, state, 0.0, learning_rate, value, test)
    row.params = {"optimizer": optimizer, "learning_rate": learning_rate}
    return row


def test_a_choice_filter_keeps_the_chosen_optimizers(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = {
        "optimizer": sweeps.Param("categorical", choices=("adam", "sgd_momentum", "rmsprop")),
        "learning_rate": sweeps.Param("float", 1e-4, 1e-2, log=True),
    }
    spec = make_sweep(space=space)
    trials = [
        optimizer_trial(0, "complete", "rmsprop", 1e-3, 0.84, 0.83),
        optimizer_trial(1, "complete", "adam", 5e-3, 0.80, 0.79),
        optimizer_trial(2, "pruned", "sgd_momentum", 1e-4, 0.60),
        optimizer_trial(3, "running", "adam", 2e-3),
    ]
    fake_status(monkeypatch, spec, trials)
    at = open_sweep_page(url_sweep=spec.name)
    frame = at.dataframe[0].value
    assert list(frame["optimizer"]) == ["RMSprop", "Adam", "SGD + momentum 0.9", "Adam"]
    assert any("Best so far: trial 0" in m.value and "optimizer RMSprop" in m.value for m in at.success)
    chosen = at.multiselect(key=f"sweep_filter_{spec.name}_optimizer")
    assert chosen.value == ["adam", "sgd_momentum", "rmsprop"]
    chosen.set_value(["adam", "rmsprop"]).run()
    assert list(at.dataframe[0].value["trial"]) == [0, 1, 3]
    assert any("3 of 4 trials inside the filters (optimizer Adam or RMSprop)" in c.value for c in at.caption)
    at.select_slider(key=f"sweep_filter_{spec.name}_learning_rate").set_value((2e-3, 1e-2)).run()
    assert list(at.dataframe[0].value["trial"]) == [1, 3]
    at.multiselect(key=f"sweep_filter_{spec.name}_optimizer").set_value([]).run()
    assert at.dataframe[0].value.empty and not at.exception


def test_stop_writes_the_stop_flag_and_a_stopped_sweep_offers_resume(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_sweep()
    fake_status(monkeypatch, spec, [trial(0, "running", 0.1, 1e-3)], active=True, done=False)
    at = open_sweep_page()
    at.button(key="sweep_stop").click().run()
    assert not at.exception
    assert (sweeps.sweep_dir(spec.name) / "stop").exists()

    fake_status(monkeypatch, spec, [trial(0, "failed", 0.1, 1e-3)], stopped=True, done=False)
    at.run()
    keys = [button.key for button in at.button]
    assert "sweep_resume" in keys and "sweep_stop" not in keys


def test_a_problem_is_shown_and_an_unknown_link_says_so(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_sweep()
    fake_status(monkeypatch, spec, [], problem="The journal file is damaged.", done=False)
    at = open_sweep_page(url_sweep="nope")
    assert "There is no sweep named 'nope'" in errors(at)
    assert "The journal file is damaged." in errors(at)
    assert at.selectbox(key="sweep_choice").value == spec.name


def test_a_real_tiny_sweep_shows_its_trials(artifacts: Path) -> None:
    spec = sweeps.SweepSpec(
        name="tiny", model="mlp", trials=2, epochs=1, train_samples=300, prune=False,
        space={"learning_rate": sweeps.Param("float", 1e-3, 1e-2, log=True)},
    )  # fmt: skip
    sweeps.create_sweep(spec)
    sweeps.work("tiny")  # in this process: what the launched worker runs
    at = open_sweep_page(url_sweep="tiny")
    frame = at.dataframe[0].value
    assert list(frame["state"]) == ["complete", "complete"]
    status = sweeps.sweep_status("tiny")
    expected = [f"{trial.value:.2%}" for trial in sorted(status.trials, key=lambda trial: trial.number)]
    assert frame["learning rate"].between(1e-3, 1e-2).all()
    assert [cell.strip() for cell in frame["best val accuracy"]] == expected
    run_ids = {record.id for record in sweeps.control.sweep_runs("tiny")}
    assert {link.split("=")[1] for link in frame["evaluate"]} == run_ids
    assert any("done" in header.value for header in at.subheader)
    assert "sweep_stop" not in [button.key for button in at.button]  # done: nothing to stop or resume
    assert any(chart.key == "sweep_top_curves" for chart in at.get("plotly_chart"))
