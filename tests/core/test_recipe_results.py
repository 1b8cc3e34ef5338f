"""The results table from fake run records, and the ``recipes`` / ``recipe`` commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmnist_core.__main__ import main
from fmnist_core.recipes import recipe_results, recipes
from fmnist_core.runs import runs
from fmnist_core.runs.runs import RunRecord


def fake_run(
    name: str,
    seed: int,
    test: float | None = None,
    status: str = "finished",
    seconds: int = 30,
    **changes,
) -> RunRecord:
    config = {**recipes.recipe_config(name, seed).to_dict(), **changes}
    return RunRecord(
        id=f"20261201-1000{seed:02d}-{config['model']}-{seed:06x}",
        model=config["model"],
        status=status,
        config=config,
        created_at=f"2026-12-01T10:00:{seed:02d}+00:00",
        started_at="2026-12-01T10:00:00+00:00",
        finished_at=f"2026-12-01T10:00:{seconds:02d}+00:00" if status == "finished" else None,
        test={"accuracy": test, "loss": 0.4} if test is not None else None,
    )


def test_mean_range_seeds_and_time_of_a_recipes_finished_runs() -> None:
    records = [
        fake_run("tf-basic", 2, 0.884, seconds=50),
        fake_run("tf-basic", 1, 0.880, seconds=40),
        fake_run("tf-basic", 0, 0.882, seconds=30),
        fake_run("no-hidden", 0, 0.70),  # another recipe
        fake_run("tf-basic", 3, 0.5, status="failed"),
    ]
    result = recipe_results.recipe_result("tf-basic", records, {})
    assert result.values == (0.884, 0.880, 0.882) and result.seeds == (0, 1, 2)
    assert result.mean == pytest.approx(0.882) and (result.low, result.high) == (0.880, 0.884)
    assert result.mean_seconds == pytest.approx(40.0)
    assert result.run_ids[0] == records[0].id  # the newest first: the table links to it
    assert recipe_results.ours_text(result) == "0.8820 (0.8800-0.8840)"
    assert result.explanation is None  # |0.8799 - 0.882| is within the 0.003 floor


def test_validation_recipes_compare_the_best_validation_accuracy() -> None:
    record = fake_run("cnn", 0, test=0.95)
    history = [{"epoch": 1, "val_accuracy": 0.90}, {"epoch": 2, "val_accuracy": 0.918}]
    result = recipe_results.recipe_result("cnn", [record], {record.id: history})
    assert result.values == (0.918,) and result.explanation is None  # 0.9193 - 0.918 < 0.003
    result = recipe_results.recipe_result("cnn", [record], {record.id: history[:1]})
    assert result.explanation == recipes.get_recipe("cnn").differs_because


def test_the_gap_is_explained_only_beyond_the_seed_spread() -> None:
    assert recipe_results.seed_spread([0.85]) == recipe_results.SPREAD_FLOOR
    assert recipe_results.seed_spread([0.80, 0.86]) == pytest.approx(0.03)
    assert not recipe_results.differs(0.8412, [0.8412])
    assert recipe_results.differs(0.8412, [0.8350])  # one seed: the floor decides
    assert not recipe_results.differs(0.8412, [0.80, 0.86])  # wide seeds cover the gap
    assert recipe_results.differs(0.8412, [0.79, 0.80])
    assert not recipe_results.differs(None, [0.5])  # nothing published: nothing to explain
    assert not recipe_results.differs(0.8, [])
    assert not recipe_results.differs(0.93, [0.94], at_least=True)  # a target passed is no gap
    assert recipe_results.differs(0.93, [0.92], at_least=True)
    records = [fake_run("logreg", 0, 0.80)]
    explanation = recipe_results.recipe_result("logreg", records, {}).explanation
    assert "iteration limit" in explanation and "ConvergenceWarning" in explanation


def test_runs_not_of_the_recipe_as_defined_now_do_not_count() -> None:
    records = [fake_run("dnn", 0, 0.88, epochs=3), fake_run("dnn", 1, 0.88, train_samples=600)]
    result = recipe_results.recipe_result("dnn", records, {})
    assert result.values == () and recipe_results.ours_text(result) == ""


def test_active_runs_are_listed_and_the_next_seeds_skip_every_used_one() -> None:
    records = [fake_run("sgd", 0, 0.83), fake_run("sgd", 2, status="running")]
    result = recipe_results.recipe_result("sgd", records, {})
    assert result.active_ids == (records[1].id,) and result.active_seeds == (2,)
    assert recipe_results.next_seeds(result, 1) == [1]
    assert recipe_results.next_seeds(result, 3) == [1, 3, 4]


def test_the_table_has_one_row_per_recipe_in_order() -> None:
    table = recipe_results.results_table([fake_run("ann", 0, 0.84)], {})
    assert [row.recipe for row in table] == recipes.list_recipes()


# ---------------------------------------------------------------- command line


def test_cli_recipes_lists_name_source_and_reported_figure(capsys) -> None:
    assert main(["recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == recipes.list_recipes()
    logreg = lines[recipes.list_recipes().index("logreg")]
    assert "train 0.8632, test 0.8412" in logreg and recipes.COMPARISON in logreg


@pytest.fixture
def fake_worker(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Replaces the training worker by one that finishes each run at once (seed 1 fails)."""
    trained: list[Path] = []

    def run_worker(folder: Path) -> RunRecord:
        trained.append(folder)
        config = runs.read_run(folder).config
        runs.append_history(folder, {"epoch": 1, "loss": 0.5, "accuracy": 0.86, "seconds": 1.0})
        if config["seed"] == 1:
            return runs.update_run(folder, status="failed", error="out of memory")
        return runs.update_run(folder, status="finished", test={"accuracy": 0.8412, "loss": 0.45})

    monkeypatch.setattr("fmnist_core.training.run_worker", run_worker)
    return trained


def test_cli_recipe_trains_each_seed_in_turn_and_prints_the_folders_last(
    artifacts: Path, fake_worker: list[Path], capsys
) -> None:
    assert main(["recipe", "logreg", "--artifacts", str(artifacts)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "epoch   1" in out[1] and "finished: test accuracy 0.8412" in out[2]
    assert out[-1] == str(fake_worker[0])
    assert runs.read_run(fake_worker[0]).config["recipe"] == "logreg"


def test_cli_recipe_with_seeds_exits_1_when_one_failed(
    artifacts: Path, fake_worker: list[Path], capsys
) -> None:
    assert main(["recipe", "no-hidden", "--seeds", "3"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-3:] == [str(folder) for folder in fake_worker]
    assert [runs.read_run(folder).config["seed"] for folder in fake_worker] == [0, 1, 2]
    assert any("failed: out of memory" in line for line in out)


def test_cli_recipe_refuses_bad_input_without_training(artifacts: Path, fake_worker, capsys) -> None:
    assert main(["recipe", "logreg", "--seeds", "0"]) == 2
    assert "--seeds must be between 1 and 10, got 0." in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["recipe", "vgg"])
    assert fake_worker == [] and runs.list_runs(artifacts) == []


def test_cli_recipe_refuses_while_a_run_trains(artifacts: Path, fake_worker, capsys) -> None:
    from fmnist_core.training import acquire_training_lock

    holder = acquire_training_lock(artifacts)
    try:
        assert main(["recipe", "logreg", "--artifacts", str(artifacts)]) == 2
    finally:
        holder.close()
    assert "already training" in capsys.readouterr().err and fake_worker == []


@pytest.mark.slow
def test_the_fastest_keras_recipe_on_the_full_data_reproduces_or_explains(artifacts: Path, capsys) -> None:
    """The logreg recipe's full-data figures, to the digit, are checked by the Tutorials journey
    (tests/e2e/test_tutorials_journey.py), which runs it from its card."""
    name = "no-hidden"
    assert main(["recipe", name]) == 0
    folder = Path(capsys.readouterr().out.splitlines()[-1])
    record, history = runs.read_run(folder), runs.read_history(folder)
    assert record.status == "finished" and record.config["recipe"] == name
    result = recipe_results.recipe_result(name, runs.list_runs(artifacts), {record.id: history})
    reported = recipes.get_recipe(name).reported.value
    assert result.values == (record.test_accuracy,)
    gap = abs(result.mean - reported)
    assert gap <= recipe_results.seed_spread(result.values) or result.explanation
    assert gap < 0.02  # the tutorial's model, whatever the seed
