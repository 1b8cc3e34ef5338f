"""Shared fixtures: an isolated artifacts root, and tiny real runs trained once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fmnist_core.tensorflow_logs import tensorflow_log_level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())


@pytest.fixture
def artifacts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty artifacts root, also set as $FMNIST_ARTIFACTS."""
    root = tmp_path / "artifacts"
    root.mkdir()
    monkeypatch.setenv("FMNIST_ARTIFACTS", str(root))
    return root


def train_tiny_run(root: Path, model: str, **overrides) -> Path:
    """Trains ``model`` for one epoch on a few hundred images, in-process; returns its folder."""
    from fmnist_core import runs
    from fmnist_core.training import TrainingConfig, run_worker

    settings = {"epochs": 1, "train_samples": 600, "seed": 1, **overrides}
    config = TrainingConfig.for_model(model, **settings)
    folder = runs.create_run(model, config.to_dict(), root)
    record = run_worker(folder)
    assert record.status == "finished", record.error
    return folder


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifacts root with two finished tiny runs (mlp with 2 epochs, cnn with 1). Read-only."""
    root = tmp_path_factory.mktemp("trained") / "artifacts"
    train_tiny_run(root, "mlp", epochs=2)
    train_tiny_run(root, "cnn", batch_size=64)
    return root


@pytest.fixture
def seeded_artifacts(trained_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, writable copy of ``trained_root``, set as $FMNIST_ARTIFACTS."""
    root = tmp_path / "artifacts"
    shutil.copytree(trained_root, root)
    monkeypatch.setenv("FMNIST_ARTIFACTS", str(root))
    return root
