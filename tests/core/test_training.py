"""The training worker: every registered model, the run directory contract, stop, kill, faults."""

import dataclasses
import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fmnist_core import atomic_files
from fmnist_core.data import load_fashion_mnist, to_model_input
from fmnist_core.evaluation import evaluation
from fmnist_core.models import models
from fmnist_core.runs import runs
from fmnist_core.training import (
    TrainingBusyError,
    TrainingConfig,
    launch_queue,
    launch_training,
    run_worker,
    split_data,
)
from tests.conftest import train_tiny_run

# What TensorFlow prints on a machine without GPU unless its log level hides it.
CUDA_PROBE_NOISE = ("cuInit", "Unable to register cu")


def cuda_probe_noise(log: str) -> list[str]:
    return [line for line in log.splitlines() if any(noise in line for noise in CUDA_PROBE_NOISE)]


def wait_for(predicate, timeout: float = 90.0, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s")


@pytest.mark.parametrize("name", models.list_models())
def test_every_model_trains_one_epoch_into_a_complete_run_directory(artifacts: Path, name: str):
    folder = train_tiny_run(artifacts, name)
    record = runs.read_run(folder)
    assert record.status == "finished" and record.params == models.get_model_spec(name).num_params
    assert record.started_at and record.finished_at and record.versions["numpy"]
    assert record.dataset["t10k-images-idx3-ubyte"].startswith("5b4141f0")
    history = runs.read_history(folder)
    assert [line["epoch"] for line in history] == [1]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "seconds", "val_class_accuracy"} <= set(
        history[0]
    )
    predictions = evaluation.load_predictions(folder)
    assert predictions.probabilities.shape == (10_000, 10)
    assert np.allclose(predictions.probabilities.sum(axis=1), 1, atol=1e-4)
    assert record.test["accuracy"] == pytest.approx(
        evaluation.accuracy(predictions.probabilities, predictions.labels)
    )
    family = models.get_model_spec(name).family
    assert (folder / ("model.keras" if family == "keras" else "model.skops")).is_file()
    assert not list(folder.glob(".*tmp*"))


def test_keras_run_writes_progress_tensorboard_and_per_epoch_val_predictions(trained_root: Path):
    folder = next(f for f in (trained_root / "runs").iterdir() if "-mlp-" in f.name)
    assert runs.read_progress(folder)["epochs"] == 2
    assert list((folder / "tensorboard").rglob("events.out.tfevents.*"))
    with np.load(folder / "val_predictions.npz") as stored:
        assert stored["predicted"].shape == (2, 60) and stored["labels"].shape == (60,)


def test_test_accuracy_equals_keras_evaluate_of_the_saved_model(trained_root: Path):
    import keras

    dataset = load_fashion_mnist()
    for folder in (trained_root / "runs").iterdir():
        model = keras.saving.load_model(folder / "model.keras")
        model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x = to_model_input(dataset.x_test)
        x = x[..., None] if len(model.input_shape) == 4 else x
        loss, accuracy = model.evaluate(x, dataset.y_test, verbose=0, batch_size=1000)
        test = runs.read_run(folder).test
        assert test["accuracy"] == pytest.approx(accuracy, abs=1e-6)
        assert test["loss"] == pytest.approx(loss, rel=1e-4)


def test_same_seed_same_history(artifacts: Path):
    histories = []
    for _ in range(2):
        folder = train_tiny_run(artifacts, "mlp_dropout", epochs=2, seed=7)
        histories.append(
            [{k: v for k, v in line.items() if k != "seconds"} for line in runs.read_history(folder)]
        )
    assert histories[0] == histories[1]


def test_config_rejects_hyperparameters_the_model_does_not_take():
    with pytest.raises(
        ValueError, match="logreg does not take dropout; it accepts: epochs, validation_split"
    ):
        TrainingConfig.for_model("logreg", dropout=0.2)
    with pytest.raises(ValueError, match="between 0.0 and 0.9"):
        TrainingConfig.for_model("cnn", dropout=1.5)
    config = TrainingConfig.for_model("cnn", epochs=3, dropout=0.3)
    assert TrainingConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_nan_loss_fails_with_a_hint_to_lower_the_learning_rate(artifacts: Path):
    config = TrainingConfig.for_model("mlp", epochs=2, learning_rate=10.0, train_samples=600)
    folder = runs.create_run("mlp", config.to_dict(), artifacts)
    record = run_worker(folder)
    assert record.status == "failed"
    assert "diverged" in record.error and "Lower it" in record.error
    assert len(runs.read_history(folder)) == 1  # stopped in the first epoch
    assert not (folder / "predictions.npz").exists()


def test_disk_full_while_saving_fails_readably_and_leaves_no_temp_file(artifacts: Path, monkeypatch):
    import keras

    def full_disk(self, path, *args, **kwargs):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full_disk)
    config = TrainingConfig.for_model("softmax", epochs=1, train_samples=300)
    folder = runs.create_run("softmax", config.to_dict(), artifacts)
    record = run_worker(folder)
    assert record.status == "failed" and "disk is full" in record.error
    assert not (folder / "model.keras").exists() and not list(folder.glob(".*tmp*"))


def test_atomic_write_keeps_the_previous_file_when_the_write_fails(tmp_path: Path, monkeypatch):
    target = tmp_path / "run.json"
    atomic_files.atomic_write_json(target, {"good": True})

    def failing_fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        atomic_files.atomic_write_json(target, {"good": False})
    assert json.loads(target.read_text()) == {"good": True}
    assert list(tmp_path.iterdir()) == [target]


def saved_model_predictions(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """The run's saved ``model.keras``, loaded afresh: its validation labels and test probabilities."""
    import keras

    config = TrainingConfig.from_dict(runs.read_run(folder).config)
    split = split_data(load_fashion_mnist(), config)
    model = keras.saving.load_model(folder / "model.keras")

    def predict(images: np.ndarray) -> np.ndarray:
        x = to_model_input(images)
        return model.predict(x[..., None] if len(model.input_shape) == 4 else x, verbose=0)

    return predict(split.x_val).argmax(axis=1), predict(split.x_test)


def assert_keeps_best_epoch(folder: Path) -> int:
    """Asserts that the saved model is the one of the epoch with the lowest validation loss and that
    run.json's test accuracy is that model's own; returns the epoch."""
    best = min(runs.read_history(folder), key=lambda line: line["val_loss"])["epoch"]
    val_predicted, test_probabilities = saved_model_predictions(folder)
    with np.load(folder / "val_predictions.npz") as stored:
        np.testing.assert_array_equal(val_predicted, stored["predicted"][best - 1])
    labels = load_fashion_mnist().y_test
    own_accuracy = float(np.mean(test_probabilities.argmax(axis=1) == labels))
    assert runs.read_run(folder).test["accuracy"] == pytest.approx(own_accuracy, abs=1e-6)
    return best


# 150 training images at a high learning rate overfit at once: the validation loss is lowest after
# epoch 2 and rises from epoch 3 (seed 1).
OVERFITTING = {"epochs": 12, "train_samples": 300, "validation_split": 0.5, "learning_rate": 0.01, "seed": 1}


@pytest.mark.parametrize("ending", ["stop requested after epoch 3", "early stopping, patience 2"])
def test_a_run_cut_short_keeps_its_best_epoch(artifacts: Path, monkeypatch, ending: str):
    append_history = runs.append_history

    def append_then_stop(folder: Path, line: dict) -> None:
        append_history(folder, line)
        if line["epoch"] == 3:
            runs.request_stop(folder)  # as the Stop button does, honoured at the next batch

    patience = 2 if ending.startswith("early") else 0
    if not patience:
        monkeypatch.setattr(runs, "append_history", append_then_stop)
    config = TrainingConfig.for_model("mlp", patience=patience, **OVERFITTING)
    folder = runs.create_run("mlp", config.to_dict(), artifacts)
    record = run_worker(folder)
    assert record.status == ("finished" if patience else "stopped"), record.error
    history = runs.read_history(folder)
    assert [line["epoch"] for line in history] == [1, 2, 3, 4]
    assert assert_keeps_best_epoch(folder) == 2
    with np.load(folder / "val_predictions.npz") as stored:  # so keeping the last epoch would fail
        assert not np.array_equal(stored["predicted"][1], stored["predicted"][-1])


def start_long_run(artifacts: Path) -> Path:
    config = TrainingConfig.for_model("mlp", epochs=50, train_samples=20_000, batch_size=16)
    run_id = launch_training(config, artifacts)
    folder = runs.run_path(run_id, artifacts)
    wait_for(lambda: runs.read_progress(folder).get("batch", 0) > 5)
    return folder


def test_stop_request_is_honoured_and_the_model_kept(artifacts: Path):
    folder = start_long_run(artifacts)
    wait_for(lambda: runs.read_history(folder))  # one full epoch, so there are best weights
    runs.request_stop(folder)
    record = wait_for(lambda: (r := runs.refresh_status(folder)).status not in runs.ACTIVE_STATUSES and r)
    assert record.status == "stopped", record.error
    assert len(runs.read_history(folder)) < 50
    assert_keeps_best_epoch(folder)


def test_killed_worker_is_marked_failed_and_leaves_no_model(artifacts: Path):
    folder = start_long_run(artifacts)
    pid = runs.read_run(folder).pid
    with pytest.raises(TrainingBusyError, match="already training"):
        launch_training(TrainingConfig.for_model("softmax", epochs=1, train_samples=300), artifacts)
    os.kill(pid, signal.SIGKILL)
    record = wait_for(lambda: (r := runs.refresh_status(folder)).status == "failed" and r, timeout=10)
    assert record.error == runs.LOST_WORKER
    assert not (folder / "model.keras").exists() and not list(folder.glob(".*tmp*"))
    next_id = launch_training(TrainingConfig.for_model("softmax", epochs=1, train_samples=300), artifacts)
    next_folder = runs.run_path(next_id, artifacts)
    final = wait_for(lambda: (r := runs.refresh_status(next_folder)).status in runs.FINAL_STATUSES and r)
    assert final.status == "finished"


def test_stale_heartbeat_of_a_remote_worker_counts_as_lost():
    record = runs.RunRecord(
        id="20200101-000000-mlp-abcdef", model="mlp", status="running", pid=1, host="elsewhere",
        heartbeat_at="2020-01-01T00:00:00+00:00",
    )  # fmt: skip
    assert runs.worker_lost(record)
    assert not runs.worker_lost(dataclasses.replace(record, heartbeat_at=runs.now_iso()))
    assert not runs.worker_lost(dataclasses.replace(record, status="finished"))


def test_run_ids_are_validated(artifacts: Path):
    for bad in ("../etc", "20260101-120000-mlp-abcdef/../x", "", "nonexistent"):
        with pytest.raises(ValueError):
            runs.run_path(bad, artifacts)
    with pytest.raises(ValueError, match="No run"):
        runs.run_path("20260101-120000-mlp-abcdef", artifacts)


def test_delete_run_and_list_runs(seeded_artifacts: Path):
    records = runs.list_runs()
    assert [r.model for r in records] == ["cnn", "mlp"]
    runs.delete_run(records[0].id)
    assert [r.model for r in runs.list_runs()] == ["mlp"]


def cli(*args: str, env_root: Path) -> subprocess.CompletedProcess:
    """Runs the command line as a user would: without TensorFlow's log level in the environment."""
    env = {**os.environ, "FMNIST_ARTIFACTS": str(env_root)}
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return subprocess.run(
        [sys.executable, "-m", "fmnist_core", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_cli_models_lists_every_model_with_its_param_count(tmp_path: Path):
    result = cli("models", env_root=tmp_path)
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and [line.split()[0] for line in lines] == models.list_models()
    assert "101,770" in next(line for line in lines if line.startswith("mlp "))


def test_cli_train_prints_epochs_and_run_dir_and_honours_artifacts_flag(tmp_path: Path):
    result = cli(
        "train",
        "--model",
        "softmax",
        "--epochs",
        "2",
        "--train-samples",
        "500",
        "--artifacts",
        str(tmp_path / "elsewhere"),
        env_root=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert not cuda_probe_noise(result.stderr)
    lines = result.stdout.strip().splitlines()
    assert sum(line.startswith("epoch") for line in lines) == 2
    run_dir = Path(lines[-1])
    assert run_dir.parent == tmp_path / "elsewhere" / "runs" and (run_dir / "model.keras").is_file()
    listing = cli("runs", "--artifacts", str(tmp_path / "elsewhere"), env_root=tmp_path)
    assert run_dir.name in listing.stdout and "finished" in listing.stdout


def test_cli_train_exits_non_zero_when_the_run_fails(tmp_path: Path):
    result = cli(
        "train",
        "--model",
        "mlp",
        "--epochs",
        "1",
        "--learning-rate",
        "10",
        "--train-samples",
        "600",
        env_root=tmp_path,
    )
    assert result.returncode == 1 and "learning rate" in result.stderr


def test_cli_refuses_bad_values_without_traceback(tmp_path: Path):
    result = cli("train", "--model", "cnn", "--dropout", "2", env_root=tmp_path)
    assert (
        result.returncode == 2
        and "dropout must be between" in result.stderr
        and "Traceback" not in result.stderr
    )


@pytest.mark.slow
def test_cli_mlp_one_epoch_on_the_full_data_beats_080(tmp_path: Path):
    result = cli("train", "--model", "mlp", "--epochs", "1", env_root=tmp_path)
    assert result.returncode == 0, result.stderr
    record = runs.read_run(Path(result.stdout.strip().splitlines()[-1]))
    assert record.test["accuracy"] > 0.80


def test_queue_trains_runs_in_turn_and_a_stopped_queued_run_never_starts(artifacts: Path, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)  # the worker must set it itself
    configs = [
        TrainingConfig.for_model(name, epochs=1, train_samples=300) for name in ("softmax", "dnn", "mlp")
    ]
    first, second, third = (runs.run_path(run_id, artifacts) for run_id in launch_queue(configs, artifacts))
    runs.request_stop(third)
    assert runs.refresh_status(second).status == "queued"
    final = wait_for(lambda: (r := runs.refresh_status(third)).status in runs.FINAL_STATUSES and r)
    assert final.status == "stopped" and not final.test and not (third / "model.keras").exists()
    assert [runs.read_run(f).status for f in (first, second)] == ["finished", "finished"]
    assert runs.read_run(first).finished_at <= runs.read_run(second).started_at
    assert not cuda_probe_noise((first / "worker.log").read_text())
