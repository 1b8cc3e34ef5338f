"""Run folders whose run.json is unreadable are listed as damaged and can be deleted."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from fmnist_core.__main__ import main
from fmnist_core.runs import runs


def make_run(root: Path) -> Path:
    return runs.create_run("mlp", {"epochs": 1}, root, status="finished", test={"accuracy": 0.8, "loss": 0.5})


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda path: path.write_bytes(path.read_bytes()[:30]), "not valid JSON"),
        (lambda path: path.write_bytes(b""), "empty"),
        (lambda path: path.write_text("[1, 2]"), "not a run record"),
        (lambda path: path.unlink(), "missing"),
    ],
)
def test_damaged_folders_are_listed_with_their_problem(artifacts: Path, damage, problem) -> None:
    good, bad = make_run(artifacts), make_run(artifacts)
    damage(bad / "run.json")
    old = time.time() - 60  # a folder without run.json is only damage once it is not brand new
    os.utime(bad, (old, old))
    assert [record.id for record in runs.list_runs()] == [good.name]
    damaged = runs.list_damaged()
    assert [run.id for run in damaged] == [bad.name] and problem in damaged[0].problem
    runs.delete_run(bad.name)
    assert not bad.exists() and runs.list_damaged() == [] and good.is_dir()


def test_a_folder_being_created_is_not_damage(artifacts: Path) -> None:
    (runs.runs_dir() / "20260101-000000-mlp-abcdef").mkdir()  # run.json not written yet
    assert runs.list_damaged() == []


def test_cli_lists_and_deletes_a_damaged_run(artifacts: Path, capsys) -> None:
    bad = make_run(artifacts)
    (bad / "run.json").write_text('{"id": "cut sh')
    assert main(["runs"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if bad.name in line)
    assert "damaged" in line and "not valid JSON" in line and f"delete {bad.name}" in line
    assert main(["delete", bad.name]) == 0
    assert not bad.exists()
