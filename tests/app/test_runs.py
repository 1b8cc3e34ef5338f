"""The Runs page: table, overlay, delete with confirmation, and loading a .keras model."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from fmnist_core import runs

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_runs_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest):
    return at.dataframe[0].value


def test_lists_the_runs_and_overlays_their_curves(seeded_artifacts: Path) -> None:
    at = open_runs_page()
    frame = table(at)
    assert sorted(frame["model"]) == ["cnn", "mlp"]
    mlp = frame[frame["model"] == "mlp"].iloc[0]
    history = runs.read_history(runs.run_path(mlp["run id"]))
    assert mlp["best val accuracy"] == max(line["val_accuracy"] for line in history)
    assert mlp["epochs"] == 2 and mlp["training images"] == 600 and mlp["status"] == "finished"
    assert 0 <= mlp["test accuracy"] <= 1
    assert len(at.multiselect(key="runs_compare").value) == 2
    assert len(at.get("plotly_chart")) == 1

    at.multiselect(key="runs_compare").set_value([]).run()
    assert not at.get("plotly_chart")


def test_delete_needs_confirmation(seeded_artifacts: Path) -> None:
    at = open_runs_page()
    victim = at.selectbox(key="runs_delete_choice").value
    at.button(key="runs_delete").click().run()
    assert any(victim in warning.value for warning in at.warning)
    assert runs.run_path(victim).is_dir()  # nothing deleted yet

    at.button(key="runs_delete_cancel").click().run()
    assert runs.run_path(victim).is_dir()
    assert len(table(at)) == 2

    at.selectbox(key="runs_delete_choice").set_value(victim).run()
    at.button(key="runs_delete").click().run()
    at.button(key="runs_delete_confirm").click().run()
    assert not at.exception
    assert not (runs.runs_dir() / victim).exists()
    assert victim not in set(table(at)["run id"])
    assert len(table(at)) == 1


def test_refused_upload_explains_and_adds_no_run(seeded_artifacts: Path) -> None:
    at = open_runs_page()
    at.file_uploader[0].upload("model.keras", b"this is not a model")
    at.run()
    at.button(key="runs_import").click().run()
    assert any("refused" in error.value and ".keras" in error.value for error in at.error)
    assert len(runs.list_runs()) == 2


def test_valid_upload_becomes_a_run(seeded_artifacts: Path) -> None:
    mlp = next(r for r in runs.list_runs() if r["model"] == "mlp")
    content = (runs.run_path(mlp["id"]) / "model.keras").read_bytes()
    at = open_runs_page()
    at.file_uploader[0].upload("../../my net.keras", content)
    at.run()
    at.button(key="runs_import").click().run()
    assert not at.exception and not at.error
    imported = [r for r in runs.list_runs() if r["model"] == "imported"]
    assert len(imported) == 1
    assert imported[0]["test"]["accuracy"] == mlp["test"]["accuracy"]
    assert any("my net.keras" in message.value for message in at.success)
    assert "imported · my net.keras" in set(table(at)["model"])


def test_a_training_run_shows_up_in_the_table_and_joins_the_overlay(seeded_artifacts: Path) -> None:
    folder = runs.create_run("mlp", {"epochs": 5, "batch_size": 32}, status="running")
    runs.update_run(folder, pid=os.getpid(), started_at=runs.now_iso(), heartbeat_at=runs.now_iso())
    suffix = folder.name[-6:]  # pickers show labels that end with it
    at = open_runs_page()
    row = table(at).set_index("run id").loc[folder.name]
    assert row["status"] == "running" and pd.isna(row["best val accuracy"])
    compare = at.multiselect(key="runs_compare")
    assert not any(suffix in option for option in compare.options)  # no epoch yet, no curve
    chosen_before = list(compare.value)
    assert not any(suffix in option for option in at.selectbox(key="runs_delete_choice").options)

    epoch = {"epoch": 1, "accuracy": 0.7, "loss": 0.8, "val_accuracy": 0.75, "val_loss": 0.7}
    runs.append_history(folder, epoch)
    at.run()  # what the one-second poll does
    assert table(at).set_index("run id").loc[folder.name, "best val accuracy"] == 0.75
    chosen = at.multiselect(key="runs_compare").value
    assert suffix in chosen[0] and chosen[1:] == chosen_before  # it joined the overlay by itself

    runs.update_run(
        folder, status="finished", finished_at=runs.now_iso(), test={"accuracy": 0.8, "loss": 0.5}
    )
    at.run()
    assert not at.exception
    assert suffix in at.multiselect(key="runs_compare").value[0]  # still chosen under its new label
    assert any(suffix in option for option in at.selectbox(key="runs_delete_choice").options)
