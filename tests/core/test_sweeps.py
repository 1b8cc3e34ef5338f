"""Sweeps on the default journal storage: the search space, validation, trials as runs, pruning,
stop and resume, dead workers, a damaged journal file and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import optuna
import pytest

from fmnist_core import sweeps
from fmnist_core.__main__ import main
from fmnist_core.runs import runs
from fmnist_core.sweeps import Param, SweepSpec, parse_param
from fmnist_core.sweeps import storage as sweep_storage
from fmnist_core.sweeps.storage import load_study_from, open_storage
from tests.conftest import free_port
from tests.core.test_training import wait_for

QUICK = {"train_samples": 300, "seed": 1}


def spec_of(name: str = "quick", model: str = "sgd", trials: int = 2, **overrides) -> SweepSpec:
    space = {
        "learning_rate": Param("float", 1e-4, 1e-1, log=True),
        "batch_size": Param("int", 32, 256, log=True),
    }
    settings = {"space": space, "epochs": 2, **QUICK, **overrides}
    return SweepSpec(name=name, model=model, trials=trials, **settings)


def study_of(name: str, root: Path) -> optuna.Study:
    return load_study_from(sweeps.load_sweep(name, root), open_storage(name, root), root=root)


# ---------------------------------------------------------------- the search space


def test_parse_param_forms_follow_the_registry():
    assert parse_param("learning_rate=0.0001:0.1:log") == (
        "learning_rate",
        Param("float", 1e-4, 0.1, log=True),
    )
    assert parse_param("dropout=0:0.5") == ("dropout", Param("float", 0.0, 0.5))
    assert parse_param("epochs=1:3") == ("epochs", Param("int", 1, 3))
    assert parse_param("batch-size=32,64,128") == ("batch_size", Param("categorical", choices=(32, 64, 128)))
    space, fixed = sweeps.split_space([parse_param("dropout=0.3"), parse_param("learning_rate=1e-3,1e-2")])
    assert fixed == {"dropout": 0.3} and space == {
        "learning_rate": Param("categorical", choices=(1e-3, 1e-2))
    }


def test_parse_param_reads_choices_and_the_tutorials_improvements():
    assert parse_param("optimizer=adam,rmsprop") == (
        "optimizer",
        Param("categorical", choices=("adam", "rmsprop")),
    )
    assert parse_param("augmentation = none , shift_flip_zoom") == (
        "augmentation",
        Param("categorical", choices=("none", "shift_flip_zoom")),
    )
    assert parse_param("label_smoothing=0:0.2") == ("label_smoothing", Param("float", 0.0, 0.2))
    key, patience = parse_param("plateau-patience=0:4")
    assert key == "plateau_patience" and patience == Param("int", 0, 4)
    assert isinstance(patience.low, int) and patience.grid_values() == [0, 1, 2, 3, 4]
    space, fixed = sweeps.split_space(
        [parse_param("optimizer=sgd_momentum,sgd_momentum"), parse_param("augmentation=drawing,none")]
    )
    assert fixed == {"optimizer": "sgd_momentum"}  # a choice given twice counts once: fixed
    assert space == {"augmentation": Param("categorical", choices=("drawing", "none"))}


@pytest.mark.parametrize(
    "text, message",
    [
        ("learning_rate", "is not KEY=LOW:HIGH"),
        (
            "momentum=0:1",
            "Unknown hyperparameter 'momentum'; a sweep can vary: .*plateau_patience, optimizer, augmentation",
        ),
        ("optimizer=adam,sgd", "'sgd' is not one of its choices; choose from adam, sgd_momentum, rmsprop"),
        ("augmentation=", "is not KEY=LOW:HIGH"),
        ("optimizer=adam:rmsprop", "optimizer is a choice, not a number: .*e.g. optimizer=adam,sgd_momentum"),
        ("plateau_patience=0:2.5", "whole numbers"),
        ("epochs=1.5:3", "whole numbers"),
        ("dropout=0:0.5:linear", "LOW:HIGH:log"),
        ("dropout=low:0.5", "'low' is not a number"),
    ],
)
def test_parse_param_refuses_malformed_text(text, message):
    with pytest.raises(ValueError, match=message):
        parse_param(text)


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"space": {"learning_rate": Param("float", 0.1, 0.001)}}, "empty or inverted"),
        ({"space": {"learning_rate": Param("float", 0.01, 0.01)}}, "is empty"),
        (
            {"space": {"learning_rate": Param("float", 1e-3, 50.0)}},
            r"outside the allowed range 1e-06 to 10.0",
        ),
        ({"space": {"batch_size": Param("categorical", choices=(32, 0))}}, "outside the allowed range"),
        (
            {"model": "mlp_dropout", "space": {"dropout": Param("float", 0.0, 0.5, log=True)}},
            "log range must start above 0",
        ),
        ({"space": {"dropout": Param("float", 0.1, 0.5)}}, "sgd does not take dropout"),
        ({"trials": 0}, "trials must be a whole number from 1"),
        ({"model": "resnet"}, "Unknown model 'resnet'"),
        ({"name": "../evil"}, "not a valid sweep name"),
        ({"name": "Mixed Case"}, "not a valid sweep name"),
        ({"sampler": "grid"}, "grid sampler cannot search the range"),
        ({"sampler": "annealing"}, "Unknown sampler"),
        ({"fixed": {"validation_split": 0.0}}, "validation_split above 0"),
        ({"train_samples": 5}, "train_samples must be a whole number"),
        ({"fixed": {"optimizer": "adam"}}, "sgd does not take optimizer"),
        (
            {"model": "cnn_fast", "space": {"plateau_patience": Param("int", 0, 3)}},
            "cnn_fast does not take plateau_patience",
        ),
        (
            {"model": "mlp", "fixed": {"augmentation": "flip"}},
            "'flip' is not one of its choices; choose from none",
        ),
        (
            {"model": "mlp", "space": {"optimizer": Param("float", 0.0, 1.0)}},
            "optimizer is a choice, not a number",
        ),
        ({"model": "mlp", "space": {"optimizer": Param("categorical")}}, "list of choices is empty"),
        (
            {"model": "mlp", "space": {"label_smoothing": Param("float", 0.0, 0.6)}},
            "outside the allowed range 0.0 to 0.5",
        ),
        ({"model": "mlp", "fixed": {"label_smoothing": "0.1"}}, "'0.1' is not a number"),
    ],
)
def test_bad_sweeps_are_refused_and_nothing_is_created(artifacts, overrides, message):
    settings = {"name": "bad", "model": "sgd", "trials": 2, **overrides}
    with pytest.raises(ValueError, match=message):
        sweeps.create_sweep(spec_of(**settings), artifacts)
    assert not (artifacts / "sweeps").exists() or not any((artifacts / "sweeps").iterdir())


def test_grid_of_discrete_values_needs_enough_combinations(artifacts):
    grid = {"learning_rate": Param("categorical", choices=(1e-3, 1e-2)), "epochs": Param("int", 1, 2)}
    assert spec_of(space=grid, epochs=None, sampler="grid", trials=4).validate()
    with pytest.raises(ValueError, match="the grid has 4 combinations but 5 trials"):
        spec_of(space=grid, epochs=None, sampler="grid", trials=5).validate()


def test_a_grid_of_choices_and_a_whole_number_range_round_trips_through_sweep_json(artifacts):
    space = {
        "optimizer": Param("categorical", choices=("adam", "rmsprop")),
        "plateau_patience": Param("int", 0, 2),
    }
    fixed = {"augmentation": "shift_flip_zoom", "label_smoothing": 0.1}
    spec = spec_of("choices", model="mlp", space=space, fixed=fixed, sampler="grid", trials=6)
    with pytest.raises(ValueError, match="the grid has 6 combinations but 7 trials"):
        spec_of("choices", model="mlp", space=space, fixed=fixed, sampler="grid", trials=7).validate()
    sweeps.create_sweep(spec, artifacts)
    stored = json.loads((artifacts / "sweeps" / "choices" / "sweep.json").read_text())
    assert stored["space"]["optimizer"]["choices"] == ["adam", "rmsprop"]
    assert stored["fixed"] == {"augmentation": "shift_flip_zoom", "label_smoothing": 0.1}
    loaded = sweeps.load_sweep("choices", artifacts)
    assert loaded.space == space and loaded.fixed == fixed and SweepSpec.from_dict(spec.to_dict()) == spec


def test_existing_name_is_refused_and_sweeps_are_listed_newest_first(artifacts):
    sweeps.create_sweep(spec_of("first"), artifacts)
    time.sleep(1.1)  # created_at has one-second resolution
    sweeps.create_sweep(spec_of("second"), artifacts)
    with pytest.raises(ValueError, match="'first' already exists"):
        sweeps.create_sweep(spec_of("first"), artifacts)
    (artifacts / "sweeps" / "broken").mkdir()
    (artifacts / "sweeps" / "broken" / "sweep.json").write_text('{"name": "bro')
    assert [spec.name for spec in sweeps.list_sweeps(artifacts)] == ["second", "first"]
    assert [damaged.name for damaged in sweeps.list_damaged_sweeps(artifacts)] == ["broken"]
    assert sweeps.load_sweep("first", artifacts) == sweeps.list_sweeps(artifacts)[1]


def test_cli_bad_input_exits_2_with_one_line(artifacts, capsys):
    base = ["sweep", "start", "cli", "--model", "sgd", "--artifacts", str(artifacts)]
    for extra, message in (
        (["--trials", "0"], "trials must be"),
        (["--trials", "2", "--param", "learning_rate=0.1:0.01"], "inverted"),
        (["--trials", "2", "--param", "learning_rate=0.001:20"], "outside the allowed range"),
    ):
        assert main([*base, *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (artifacts / "sweeps" / "cli").exists()


# ---------------------------------------------------------------- trials are runs


def test_same_seed_same_trials_within_ranges_each_an_ordinary_run(artifacts, capsys):
    for name in ("seeded-a", "seeded-b"):
        sweeps.create_sweep(spec_of(name, trials=3, sampler="random", seed=7), artifacts)
        sweeps.work(name, artifacts)
    a, b = (sweeps.sweep_status(name, artifacts) for name in ("seeded-a", "seeded-b"))
    assert [row.params for row in a.trials] == [row.params for row in b.trials]
    assert a.done and not a.active and a.problem is None and a.best.value == max(r.value for r in a.trials)
    for row in a.trials:
        assert row.state == "complete" and 1e-4 <= row.params["learning_rate"] <= 1e-1
        assert 32 <= row.params["batch_size"] <= 256 and isinstance(row.params["batch_size"], int)
        record = runs.read_run(runs.runs_dir(artifacts) / row.run_id)
        assert record.extra["sweep"] == {"name": "seeded-a", "trial": row.number, "storage": None}
        assert record.config["learning_rate"] == row.params["learning_rate"] and record.config["epochs"] == 2
        assert row.epochs_done == 2 and row.test_accuracy is not None and record.has_predictions
    assert len(runs.list_runs(artifacts)) == 6
    importances = sweeps.param_importances("seeded-a", artifacts)
    assert set(importances) == {"learning_rate", "batch_size"} and sum(importances.values()) == pytest.approx(
        1.0
    )
    assert main(["sweep", "show", "seeded-a", "--json", "--artifacts", str(artifacts)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] == "seeded-a" and shown["model"] == "sgd" and len(shown["trials"]) == 3
    assert set(shown["trials"][0]) == {"number", "state", "params", "value", "run_id"}


def test_a_tiny_sweep_over_optimizers_trains_each_choice_and_ranks_it(artifacts, capsys):
    args = ["sweep", "start", "optimizers", "--model", "mlp", "--trials", "4", "--sampler", "grid",
            "--param", "optimizer=adam,rmsprop", "--param", "label_smoothing=0,0.1",
            "--param", "augmentation=shift_flip_zoom", "--epochs", "1", "--train-samples", "300",
            "--artifacts", str(artifacts)]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("optimizer=adam ") == 2 and out.count("optimizer=rmsprop ") == 2
    status = sweeps.sweep_status("optimizers", artifacts)
    assert status.done and [row.state for row in status.trials] == ["complete"] * 4
    combos = {(row.params["optimizer"], row.params["label_smoothing"]) for row in status.trials}
    assert combos == {("adam", 0.0), ("adam", 0.1), ("rmsprop", 0.0), ("rmsprop", 0.1)}
    for row in status.trials:
        config = runs.read_run(runs.runs_dir(artifacts) / row.run_id).config
        assert config["optimizer"] == row.params["optimizer"] and config["augmentation"] == "shift_flip_zoom"
        assert config["label_smoothing"] == row.params["label_smoothing"] and config["epochs"] == 1
    importances = sweeps.param_importances("optimizers", artifacts)
    assert set(importances) == {"optimizer", "label_smoothing"}
    assert sum(importances.values()) == pytest.approx(1.0)


def test_pruned_trial_keeps_its_run_with_predictions(artifacts, monkeypatch, capsys):
    monkeypatch.setattr(sweep_storage, "PRUNER_STARTUP_TRIALS", 1)
    space = {"learning_rate": Param("categorical", choices=(1e-2, 1e-6))}
    sweeps.create_sweep(spec_of("pruning", model="mlp", space=space, epochs=4, train_samples=6000), artifacts)
    study = study_of("pruning", artifacts)
    study.enqueue_trial({"learning_rate": 1e-2})
    study.enqueue_trial({"learning_rate": 1e-6})  # crawls: far below the first trial after epoch 1
    sweeps.work("pruning", artifacts)
    first, second = sweeps.sweep_status("pruning", artifacts).trials
    assert (first.state, second.state) == ("complete", "pruned")
    folder = runs.runs_dir(artifacts) / second.run_id
    record = runs.read_run(folder)
    assert record.status == "pruned" and record.has_predictions and second.epochs_done < 4
    assert np.load(folder / "predictions.npz")["probabilities"].shape == (10000, 10)
    assert main(["runs", "--artifacts", str(artifacts)]) == 0
    assert any(second.run_id in line and " pruned " in line for line in capsys.readouterr().out.splitlines())


def test_stop_then_resume_completes_the_sweep(artifacts):
    space = {"learning_rate": Param("float", 1e-3, 1e-2)}
    sweeps.create_sweep(spec_of("pausing", model="mlp", space=space, epochs=4, train_samples=6000), artifacts)
    worker = threading.Thread(target=sweeps.work, args=("pausing", artifacts))
    worker.start()
    first = wait_for(
        lambda: next(
            (r for r in runs.list_runs(artifacts) if runs.read_history(runs.runs_dir(artifacts) / r.id)), None
        )
    )
    sweeps.stop_sweep("pausing", artifacts)
    worker.join(timeout=120)
    assert not worker.is_alive()
    stopped = runs.read_run(runs.runs_dir(artifacts) / first.id)
    assert stopped.status == "stopped" and len(runs.read_history(runs.runs_dir(artifacts) / first.id)) < 4
    status = sweeps.sweep_status("pausing", artifacts)
    assert (
        status.stopped and not status.done and len(status.trials) == 1 and len(runs.list_runs(artifacts)) == 1
    )
    sweeps.resume_sweep("pausing", artifacts)
    assert sweeps.sweep_status("pausing", artifacts).active
    done = wait_for(
        lambda: (s := sweeps.sweep_status("pausing", artifacts)).done and not s.active and s, timeout=180
    )
    assert [row.state for row in done.trials] == ["complete", "complete"] and not done.stopped


def test_trial_of_a_dead_worker_fails_and_is_retried_once(artifacts):
    sweeps.create_sweep(spec_of("orphan", trials=2), artifacts)
    study = study_of("orphan", artifacts)
    trial = study.ask({"learning_rate": optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True)})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder = runs.create_run(
        "sgd", {"model": "sgd"}, artifacts, sweep={"name": "orphan", "trial": 0, "storage": None}
    )
    runs.update_run(folder, status="running", pid=dead.pid, heartbeat_at=runs.now_iso())
    trial.set_user_attr("run_id", folder.name)
    sweeps.work("orphan", artifacts)
    rows = sweeps.sweep_status("orphan", artifacts).trials
    assert [row.state for row in rows] == ["failed", "complete", "complete"]
    assert rows[1].params["learning_rate"] == trial.params["learning_rate"]  # the retry ran first
    assert study_of("orphan", artifacts).trials[1].system_attrs["failed_trial"] == 0
    assert runs.read_run(folder).status == "failed"


def test_damaged_journal_is_a_clear_problem_and_its_runs_stay(artifacts, capsys):
    sweeps.create_sweep(spec_of("damaged", trials=1), artifacts)
    sweeps.work("damaged", artifacts)
    (artifacts / "sweeps" / "damaged" / "journal.log").write_bytes(b"\x00\xff not a journal\n{]\n")
    status = sweeps.sweep_status("damaged", artifacts)
    assert "journal file" in status.problem and "damaged" in status.problem
    assert [row.state for row in status.trials] == ["complete"]  # read from its run
    assert main(["sweep", "show", "damaged", "--artifacts", str(artifacts)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "journal.log is damaged" in err and err.count("\n") == 1
    assert main(["sweep", "work", "damaged", "--artifacts", str(artifacts)]) == 2
    assert [record.id for record in runs.list_runs(artifacts)] == [status.trials[0].run_id]


def test_garbage_inside_a_journal_is_damage_not_an_unfinished_sweep(artifacts, capsys):
    sweeps.create_sweep(spec_of("torn", trials=2), artifacts)
    sweeps.work("torn", artifacts)
    journal = artifacts / "sweeps" / "torn" / "journal.log"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:3]) + b"garbage{{{\n" + b"".join(lines[3:]))
    status = sweeps.sweep_status("torn", artifacts)
    assert "line 4 is not a journal entry" in status.problem
    assert main(["sweep", "show", "torn", "--artifacts", str(artifacts)]) == 2
    assert "journal.log is damaged" in capsys.readouterr().err


def test_unreachable_postgres_names_host_and_port_and_creates_nothing(artifacts, capsys):
    port = free_port()
    url = f"postgresql+psycopg://fmnist:secret@127.0.0.1:{port}/sweeps"
    with pytest.raises(RuntimeError, match=f"PostgreSQL server at 127.0.0.1:{port}"):
        sweeps.create_sweep(spec_of("remote"), artifacts, storage_url=url)
    assert (
        main(
            [
                "sweep",
                "start",
                "remote",
                "--model",
                "sgd",
                "--trials",
                "1",
                "--storage",
                url,
                "--artifacts",
                str(artifacts),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and f"127.0.0.1:{port}" in err and "secret" not in err
    assert not (artifacts / "sweeps" / "remote").exists()
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        sweeps.create_sweep(spec_of("remote"), artifacts, storage_url="mysql://u@h/db")


def test_a_trial_asked_beyond_the_count_gives_way_to_lower_numbers(artifacts):
    from fmnist_core.sweeps.worker import is_surplus

    sweeps.create_sweep(spec_of("race", trials=1), artifacts)
    study = study_of("race", artifacts)
    first, second = study.ask(), study.ask()  # two workers that both saw one trial missing
    assert not is_surplus(study, first.number, 1) and is_surplus(study, second.number, 1)
    study.tell(first, state=optuna.trial.TrialState.FAIL)
    assert not is_surplus(study, second.number, 1)  # the lower one failed: the higher one is needed
