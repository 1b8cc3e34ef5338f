"""The Runs page: table, overlay, delete with confirmation, and loading a .keras model."""

from __future__ import annotations

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fmnist_core.runs import runs

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
    assert mlp["best val accuracy"].strip() == f"{100 * max(line['val_accuracy'] for line in history):.2f}%"
    # 600 images minus the 10% validation hold-out; blank, not None, for what the mlp does not take.
    assert mlp["epochs"] == "2 / 2" and mlp["training images"].strip() == "540" and mlp.status == "finished"
    assert mlp["dropout"] == "" and mlp["learning rate"] == "0.001"
    assert (mlp["optimizer"], mlp["augmentation"], mlp["label smoothing"]) == ("Adam", "None", "0")
    assert mlp["recipe"] == ""
    test_accuracy = runs.read_run(runs.run_path(mlp["run id"])).test_accuracy
    assert mlp["test accuracy"] == f"{100 * test_accuracy:7.2f}%"  # right-aligned text that sorts
    assert len(at.multiselect(key="runs_compare").value) == 2
    assert len(at.get("plotly_chart")) == 1

    at.multiselect(key="runs_compare").set_value([]).run()
    assert not at.get("plotly_chart")


def test_delete_needs_confirmation_and_cancel_keeps_the_pick(seeded_artifacts: Path) -> None:
    at = open_runs_page()
    picker = at.selectbox(key="runs_delete_choice")
    newest, older = picker.options[0], picker.options[1]
    victim = runs.list_runs()[1].id
    assert victim[-6:] in older
    picker.set_value(victim).run()
    at.button(key="runs_delete").click().run()
    assert any(f"Delete **{older}** for good?" in warning.value for warning in at.warning)
    assert runs.run_path(victim).is_dir()  # nothing deleted yet

    at.button(key="runs_delete_cancel").click().run()
    at.run()  # a poll or a finishing run reruns the page
    assert at.selectbox(key="runs_delete_choice").value == victim  # still the run picked first
    assert len(table(at)) == 2

    at.button(key="runs_delete").click().run()
    assert any(older in warning.value for warning in at.warning)
    assert newest not in " ".join(warning.value for warning in at.warning)
    at.button(key="runs_delete_confirm").click().run()
    assert not at.exception
    assert not (runs.runs_dir() / victim).exists()
    assert victim not in set(table(at)["run id"])
    assert len(table(at)) == 1
    assert any(f"Deleted {older}" in message.value and victim in message.value for message in at.success)


def test_a_damaged_run_is_listed_and_can_be_deleted(seeded_artifacts: Path) -> None:
    victim = runs.list_runs()[0].id
    path = runs.run_path(victim) / "run.json"
    path.write_bytes(path.read_bytes()[:40])  # cut short, as by a crash or a full disk
    at = open_runs_page()
    assert any(victim in warning.value and "not valid JSON" in warning.value for warning in at.warning)
    assert len(table(at)) == 1
    at.selectbox(key="runs_delete_choice").set_value(victim).run()
    at.button(key="runs_delete").click().run()
    at.button(key="runs_delete_confirm").click().run()
    assert not at.exception and not (runs.runs_dir() / victim).exists()
    assert any(f"damaged · {victim}" in message.value for message in at.success)
    assert runs.list_damaged() == []


def test_the_overlay_preselects_finished_runs_only(seeded_artifacts: Path) -> None:
    failed = runs.create_run("mlp", {"epochs": 20}, status="failed", error="diverged")
    runs.append_history(
        failed, {"epoch": 1, "loss": 9.0, "accuracy": 0.1, "val_loss": 9.0, "val_accuracy": 0.095}
    )
    at = open_runs_page()
    chosen = at.multiselect(key="runs_compare").value
    assert len(chosen) == 2 and not any(failed.name[-6:] in label for label in chosen)
    frame = table(at).set_index("run id")
    assert frame.loc[failed.name, "epochs"] == "1 / 20"


def test_refused_upload_explains_and_adds_no_run(seeded_artifacts: Path) -> None:
    at = open_runs_page()
    at.file_uploader[0].upload("model.keras", b"this is not a model")
    at.run()
    at.button(key="runs_import").click().run()
    assert any("refused" in error.value and ".keras" in error.value for error in at.error)
    assert len(runs.list_runs()) == 2


def test_valid_upload_becomes_a_run(seeded_artifacts: Path) -> None:
    mlp = next(r for r in runs.list_runs() if r.model == "mlp")
    content = (runs.run_path(mlp.id) / "model.keras").read_bytes()
    at = open_runs_page()
    at.file_uploader[0].upload("../../my net.keras", content)
    at.run()
    at.button(key="runs_import").click().run()
    assert not at.exception and not at.error
    imported = [r for r in runs.list_runs() if r.model == "imported"]
    assert len(imported) == 1
    assert imported[0].test["accuracy"] == mlp.test["accuracy"]
    assert any("my net.keras" in message.value for message in at.success)
    assert "imported · my net.keras" in set(table(at)["model"])


def test_a_training_run_shows_up_in_the_table_and_joins_the_overlay(seeded_artifacts: Path) -> None:
    folder = runs.create_run("mlp", {"epochs": 5, "batch_size": 32}, status="running")
    runs.update_run(folder, pid=os.getpid(), started_at=runs.now_iso(), heartbeat_at=runs.now_iso())
    suffix = folder.name[-6:]  # pickers show labels that end with it
    at = open_runs_page()
    row = table(at).set_index("run id").loc[folder.name]
    assert row["status"] == "running" and row["best val accuracy"] == ""
    compare = at.multiselect(key="runs_compare")
    assert not any(suffix in option for option in compare.options)  # no epoch yet, no curve
    chosen_before = list(compare.value)
    assert not any(suffix in option for option in at.selectbox(key="runs_delete_choice").options)

    epoch = {"epoch": 1, "accuracy": 0.7, "loss": 0.8, "val_accuracy": 0.75, "val_loss": 0.7}
    runs.append_history(folder, epoch)
    at.run()  # what the one-second poll does
    assert table(at).set_index("run id").loc[folder.name, "best val accuracy"] == "  75.00%"
    chosen = at.multiselect(key="runs_compare").value
    assert suffix in chosen[0] and chosen[1:] == chosen_before  # it joined the overlay by itself

    runs.update_run(
        folder, status="finished", finished_at=runs.now_iso(), test={"accuracy": 0.8, "loss": 0.5}
    )
    at.run()
    assert not at.exception
    assert suffix in at.multiselect(key="runs_compare").value[0]  # still chosen under its new label
    assert any(suffix in option for option in at.selectbox(key="runs_delete_choice").options)


def test_the_improvements_and_the_recipe_show_in_the_table(seeded_artifacts: Path) -> None:
    from fmnist_core.training import TrainingConfig

    config = TrainingConfig.for_model(
        "cnn", optimizer="sgd_momentum", augmentation="shift_flip_zoom", plateau_patience=2, recipe="cnn"
    )
    runs.create_run("cnn", config.to_dict(), status="failed")
    row = table(open_runs_page()).iloc[0]  # newest first
    assert (row["optimizer"], row["augmentation"]) == ("SGD + momentum 0.9", "Shifts, flips, zoom")
    assert (row["plateau patience"], row["recipe"]) == ("2", "cnn")
