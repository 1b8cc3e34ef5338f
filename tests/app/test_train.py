"""The Train page: widgets from the registry, the latest run, a run in progress, busy refusal, Stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import runs
from fmnist_core.training import TrainingConfig
from fmnist_ui import train_view

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_train_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def keys(at: AppTest) -> set[str]:
    widgets = [*at.number_input, *at.slider, *at.select_slider, *at.selectbox, *at.button]
    return {widget.key for widget in widgets}


def fake_active_run(root: Path, status: str = "running") -> Path:
    """A run that looks alive (this test process is its 'worker'), with one epoch done."""
    config = TrainingConfig.for_model("mlp", epochs=5).to_dict()
    folder = runs.create_run(
        "mlp",
        config,
        root,
        status=status,
        pid=os.getpid(),
        started_at=runs.now_iso(),
        heartbeat_at=runs.now_iso(),
    )
    runs.append_history(
        folder, {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.45, "val_accuracy": 0.83}
    )
    runs.write_progress(
        folder, {"epoch": 2, "epochs": 5, "batch": 30, "batches": 120, "loss": 0.4, "accuracy": 0.85}
    )
    return folder


def test_shows_registry_widgets_and_the_latest_run(seeded_artifacts: Path) -> None:
    at = open_train_page()
    assert at.selectbox(key="train_model").value == "mlp"
    assert {"train_mlp_epochs", "train_mlp_learning_rate", "train_mlp_train_samples"} <= keys(at)
    assert "train_mlp_dropout" not in keys(at)  # the mlp takes no dropout
    assert at.number_input(key="train_mlp_epochs").value == 10  # registry default
    assert all(widget.help for widget in [*at.number_input, *at.slider, *at.select_slider])
    latest = runs.list_runs()[0]
    assert any(latest["model"] in header.value and "Latest run" in header.value for header in at.subheader)
    assert any("test accuracy" in message.value for message in at.success)

    at.selectbox(key="train_model").set_value("cnn").run()
    assert not at.exception
    assert at.slider(key="train_cnn_dropout").value == pytest.approx(0.4)
    assert at.number_input(key="train_cnn_epochs").value == 20


def test_a_running_run_is_shown_and_a_second_train_is_refused(seeded_artifacts: Path) -> None:
    folder = fake_active_run(seeded_artifacts)
    at = open_train_page()
    assert any("Training now" in header.value for header in at.subheader)
    assert at.progress[0].value == 25  # batch 30 of 120
    assert any("1 of 5 epochs done" in text.value for text in at.markdown)
    before = {r["id"] for r in runs.list_runs()}

    at.button(key="train_start").click().run()
    assert any("already training" in error.value and folder.name in error.value for error in at.error)
    assert {r["id"] for r in runs.list_runs()} == before  # nothing was started

    at.button(key="train_stop").click().run()
    assert runs.stop_requested(folder)
    assert any("Stop requested" in caption.value for caption in at.caption)


def test_train_starts_a_run_with_the_chosen_settings(seeded_artifacts: Path, monkeypatch) -> None:
    launched: list[TrainingConfig] = []

    def fake_launch(config: TrainingConfig) -> str:
        launched.append(config)
        return runs.create_run(config.model, config.to_dict(), pid=os.getpid()).name

    monkeypatch.setattr(train_view, "launch_training", fake_launch)
    at = open_train_page()
    at.number_input(key="train_mlp_epochs").set_value(2)
    at.number_input(key="train_mlp_train_samples").set_value(10_000)
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    assert launched == [TrainingConfig.for_model("mlp", epochs=2, train_samples=10_000)]
    assert any("Training now" in header.value and "mlp" in header.value for header in at.subheader)
    assert any("Queued" in info.value for info in at.info)


def test_a_failed_run_shows_its_error(seeded_artifacts: Path) -> None:
    config = TrainingConfig.for_model("mlp").to_dict()
    error = "The loss diverged (1e+09) at epoch 1: lower the learning rate."
    runs.create_run("mlp", config, status="failed", error=error, finished_at=runs.now_iso())
    at = open_train_page()
    assert any(error in message.value for message in at.error)
