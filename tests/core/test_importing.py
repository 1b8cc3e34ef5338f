"""Importing a .keras file as a run: success stores a complete run; any refusal leaves nothing behind.

The valid imports start TensorFlow in the isolated loader (about 10 s each on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.evaluation import evaluation
from fmnist_core.models import importing, model_sandbox
from fmnist_core.models.model_files import ModelFileError
from fmnist_core.runs import runs

ROOT = Path(__file__).resolve().parents[2]


def finished_run(root: Path, model: str) -> Path:
    record = next(r for r in runs.list_runs(root) if r.model == model)
    return runs.run_path(record.id, root)


@pytest.fixture(scope="module")
def mlp_model(trained_root: Path) -> Path:
    """The tiny trained mlp of the shared fixture: a valid, safe .keras file."""
    return finished_run(trained_root, "mlp") / "model.keras"


def leftovers(root: Path) -> list[str]:
    """Everything in the runs folder: run folders and any staging folders of an import."""
    return sorted(path.name for path in runs.runs_dir(root).iterdir())


def test_import_creates_a_finished_run_matching_the_stored_predictions(
    artifacts: Path, trained_root: Path, mlp_model: Path
) -> None:
    folder = importing.import_keras_model(mlp_model, artifacts, name="../../My model.keras")
    record = runs.read_run(folder)
    assert folder.parent == runs.runs_dir(artifacts)
    assert leftovers(artifacts) == [folder.name]
    assert record.model == runs.IMPORTED_MODEL and record.status == "finished"
    assert record.config["file_name"] == "My model.keras"  # a label, never a path
    assert record.params == 101_770
    predictions = evaluation.load_predictions(folder)
    assert predictions.probabilities.shape == (10_000, 10)
    assert record.test["accuracy"] == evaluation.accuracy(predictions.probabilities, predictions.labels)
    assert record.test["loss"] == pytest.approx(
        evaluation.cross_entropy(predictions.probabilities, predictions.labels)
    )
    original = evaluation.load_predictions(mlp_model.parent)
    np.testing.assert_allclose(predictions.probabilities, original.probabilities, atol=1e-4)
    assert (folder / "model.keras").read_bytes() == mlp_model.read_bytes()
    assert [r.id for r in runs.list_runs(artifacts)] == [folder.name]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("model.h5", None, "not a .keras file"),
        ("model.keras", b"\x89HDF\r\n\x1a\n" + bytes(100), "HDF5"),
        ("model.keras", b"PK\x03\x04 truncated", "zip"),
        ("model.keras", b"just text", "not a .keras model archive"),
    ],
)
def test_refused_files_leave_no_run(
    artifacts: Path, tmp_path: Path, mlp_model: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / "upload.keras"
    path.write_bytes(mlp_model.read_bytes() if content is None else content)
    with pytest.raises(ModelFileError, match=message):
        importing.import_keras_model(path, artifacts, name=name)
    assert leftovers(artifacts) == []


def test_model_with_wrong_output_is_refused_without_a_run(artifacts: Path, tmp_path: Path) -> None:
    import keras

    path = tmp_path / "five.keras"
    keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(5)]).save(path)
    with pytest.raises(ModelFileError, match="5 outputs"):
        importing.import_keras_model(path, artifacts)
    assert leftovers(artifacts) == []


def test_a_failure_after_evaluation_leaves_no_run(
    artifacts: Path, mlp_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uniform = np.full((10_000, 10), 0.1, dtype=np.float32)
    monkeypatch.setattr(
        importing.model_sandbox,
        "evaluate_keras_file_isolated",
        lambda path, images: model_sandbox.EvaluatedModel(uniform, 7_850),
    )

    def disk_full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importing.atomic_files, "atomic_write_bytes", disk_full)
    with pytest.raises(OSError, match="No space"):
        importing.import_keras_model(mlp_model, artifacts)
    assert leftovers(artifacts) == []


def test_display_label_is_a_plain_file_name() -> None:
    assert importing.display_label("/etc/passwd") == "passwd"
    assert importing.display_label("C:\\Users\\me\\net.keras") == "net.keras"
    assert importing.display_label("a\x00b\nc.keras") == "abc.keras"
    assert len(importing.display_label("x" * 500 + ".keras")) == importing.MAX_LABEL_CHARS
    assert importing.display_label("") == "model.keras"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run(
        [sys.executable, "-m", "fmnist_core", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_import_prints_the_run_folder(artifacts: Path, mlp_model: Path) -> None:
    result = run_cli("import", str(mlp_model), "--artifacts", str(artifacts))
    assert result.returncode == 0, result.stderr
    folder = Path(result.stdout.strip().splitlines()[-1])
    assert folder.parent == runs.runs_dir(artifacts)
    assert runs.read_run(folder).status == "finished"


def test_cli_import_refusal_is_one_line_without_traceback(artifacts: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.keras"
    bogus.write_bytes(b"not a model")
    for path in (bogus, tmp_path / "missing.keras"):
        result = run_cli("import", str(path), "--artifacts", str(artifacts))
        assert result.returncode != 0
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stdout == ""
    assert leftovers(artifacts) == []
