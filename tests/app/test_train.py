"""The Train page: widgets from the registry, the latest run, a run in progress, busy refusal, Stop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig
from fmnist_ui.shared import training as shared_training

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
        folder,
        {"epoch": 1, "loss": 0.5, "accuracy": 0.8, "val_loss": 0.45, "val_accuracy": 0.83, "seconds": 12.0},
    )
    runs.write_progress(
        folder, {"epoch": 2, "epochs": 5, "batch": 30, "batches": 120, "loss": 0.4, "accuracy": 0.85}
    )
    return folder


def test_shows_registry_widgets_and_the_latest_run(seeded_artifacts: Path) -> None:
    at = open_train_page()
    # A new session starts from the most recent run's settings: the seeded cnn (1 epoch, batch 64).
    assert at.selectbox(key="train_model").value == "cnn"
    assert at.number_input(key="train_cnn_epochs").value == 1
    assert at.select_slider(key="train_cnn_batch_size").value == 64
    assert at.number_input(key="train_cnn_train_samples").value == 600
    assert all(widget.help for widget in [*at.number_input, *at.slider, *at.select_slider])
    latest = runs.list_runs()[0]
    assert any(latest.model in header.value and "Latest run" in header.value for header in at.subheader)
    assert any("test accuracy" in message.value for message in at.success)

    at.selectbox(key="train_model").set_value("mlp").run()
    assert not at.exception
    assert {"train_mlp_epochs", "train_mlp_learning_rate", "train_mlp_train_samples"} <= keys(at)
    assert "train_mlp_dropout" not in keys(at)  # the mlp takes no dropout
    assert at.number_input(key="train_mlp_epochs").value == 10  # registry default
    assert at.number_input(key="train_mlp_train_samples").value == 60_000


def test_an_out_of_range_value_is_refused_not_replaced(seeded_artifacts: Path, monkeypatch) -> None:
    launched: list[TrainingConfig] = []
    monkeypatch.setattr(shared_training, "launch_training", launched.append)
    at = open_train_page()
    at.number_input(key="train_cnn_epochs").set_value(500).run()
    assert at.number_input(key="train_cnn_epochs").value == 500  # what is shown is what is checked
    assert any("epochs must be between 1 and 300, got 500" in error.value for error in at.error)
    assert at.button(key="train_start").disabled  # a disabled button cannot be clicked at all
    assert launched == []

    at.number_input(key="train_cnn_epochs").set_value(300).run()
    assert not at.error and not at.button(key="train_start").disabled


def test_the_form_survives_page_changes_and_reloads(seeded_artifacts: Path) -> None:
    at = open_train_page()
    at.selectbox(key="train_model").set_value("mlp_dropout").run()
    at.number_input(key="train_mlp_dropout_epochs").set_value(7)
    at.slider(key="train_mlp_dropout_dropout").set_value(0.25).run()
    assert at.query_params["model"] == "mlp_dropout" and at.query_params["epochs"] == "7"

    at.switch_page("pages/runs.py").run()
    at.switch_page("pages/train.py").run()
    assert at.selectbox(key="train_model").value == "mlp_dropout"
    assert at.number_input(key="train_mlp_dropout_epochs").value == 7
    assert at.slider(key="train_mlp_dropout_dropout").value == pytest.approx(0.25)

    reloaded = AppTest.from_file(APP, default_timeout=60)  # a reload: a new session, the same URL
    reloaded.query_params.update(at.query_params)
    reloaded.run()
    reloaded.switch_page("pages/train.py").run()
    assert reloaded.selectbox(key="train_model").value == "mlp_dropout"
    assert reloaded.number_input(key="train_mlp_dropout_epochs").value == 7
    assert reloaded.slider(key="train_mlp_dropout_dropout").value == pytest.approx(0.25)


def test_a_link_with_bad_settings_says_what_it_ignored(seeded_artifacts: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"model": "mlp", "epochs": "4", "dropout": "0.5", "learning_rate": "99"})
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert (
        at.selectbox(key="train_model").value == "mlp" and at.number_input(key="train_mlp_epochs").value == 4
    )
    warning = at.warning[0].value
    assert "dropout=0.5" in warning and "learning_rate=99" in warning
    assert at.select_slider(key="train_mlp_learning_rate").value == pytest.approx(0.001)


def test_a_running_run_is_shown_and_a_second_train_is_refused(seeded_artifacts: Path) -> None:
    folder = fake_active_run(seeded_artifacts)
    at = open_train_page()
    assert any("Training now" in header.value for header in at.subheader)
    assert at.progress[0].value == 25  # batch 30 of 120
    progress_line = next(text.value for text in at.markdown if "1 of 5 epochs done" in text.value)
    # 3.75 epochs still to go (a quarter of epoch 2 is done) at 12 s per epoch.
    assert "elapsed" in progress_line and "about 45 s left" in progress_line
    before = {r.id for r in runs.list_runs()}

    at.button(key="train_start").click().run()
    assert any("already training" in error.value and folder.name in error.value for error in at.error)
    assert {r.id for r in runs.list_runs()} == before  # nothing was started

    at.button(key="train_stop").click().run()
    assert runs.stop_requested(folder)
    assert any("Stop requested" in caption.value for caption in at.caption)


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[TrainingConfig]:
    """The configs the Train button launches: each becomes a queued run owned by this process."""
    configs: list[TrainingConfig] = []

    def fake_launch(config: TrainingConfig) -> str:
        configs.append(config)
        return runs.create_run(config.model, config.to_dict(), pid=os.getpid()).name

    monkeypatch.setattr(shared_training, "launch_training", fake_launch)
    return configs


def test_train_starts_a_run_with_the_chosen_settings(seeded_artifacts: Path, launched: list) -> None:
    at = open_train_page()
    at.selectbox(key="train_model").set_value("mlp").run()
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


def test_the_improvements_train_and_come_back_from_a_link(seeded_artifacts: Path, launched: list) -> None:
    at = open_train_page()
    at.selectbox(key="train_model").set_value("cnn").run()
    assert at.expander[0].label == "Improvements the tutorials suggest"
    assert at.selectbox(key="train_cnn_optimizer").options == ["Adam", "SGD + momentum 0.9", "RMSprop"]
    at.selectbox(key="train_cnn_optimizer").set_value("rmsprop")
    at.selectbox(key="train_cnn_augmentation").set_value("shift_flip_zoom")
    at.slider(key="train_cnn_label_smoothing").set_value(0.1)
    at.number_input(key="train_cnn_plateau_patience").set_value(2).run()
    assert at.query_params["optimizer"] == "rmsprop" and at.query_params["plateau_patience"] == "2"
    at.button(key="train_start").click().run()
    assert not at.exception and not at.error
    (config,) = launched  # the other settings open at the latest cnn run's
    assert (config.optimizer, config.augmentation) == ("rmsprop", "shift_flip_zoom")
    assert (config.label_smoothing, config.plateau_patience) == (0.1, 2)

    reloaded = AppTest.from_file(APP, default_timeout=60)  # a shared link opens the same choices
    reloaded.query_params.update(at.query_params)
    reloaded.run()
    reloaded.switch_page("pages/train.py").run()
    assert reloaded.selectbox(key="train_cnn_optimizer").value == "rmsprop"
    assert reloaded.selectbox(key="train_cnn_augmentation").value == "shift_flip_zoom"

    bad = AppTest.from_file(APP, default_timeout=60)
    bad.query_params.update({"model": "cnn", "optimizer": "adagrad"})
    bad.run()
    bad.switch_page("pages/train.py").run()
    assert "optimizer=adagrad" in bad.warning[0].value
    assert bad.selectbox(key="train_cnn_optimizer").value == "adam"


def test_scikit_learn_models_show_no_improvements(seeded_artifacts: Path) -> None:
    at = open_train_page()
    at.selectbox(key="train_model").set_value("logreg").run()
    assert not at.expander and "train_logreg_optimizer" not in keys(at)
    assert "mlp_softmax" not in at.selectbox(key="train_model").options  # recipe-only models
