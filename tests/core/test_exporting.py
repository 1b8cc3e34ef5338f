"""Exporting a run's model: every format written from the tiny runs, loaded in a fresh process by
running its own snippet, its probabilities checked against the run's stored predictions; the int8
file's accuracy measured on the 10,000 test images; every refusal clear, with nothing half-written."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fmnist_core import atomic_files
from fmnist_core.data import CLASS_NAMES, load_fashion_mnist
from fmnist_core.evaluation import evaluation
from fmnist_core.exporting import bundle, convert, measure, snippets
from fmnist_core.exporting.formats import FORMATS, TFLITE
from fmnist_core.runs import runs
from tests.conftest import train_tiny_run

ROOT = Path(__file__).resolve().parents[2]
TEST_IMAGES = (0, 1, 2, 3, 4, 5)
KERAS_FORMATS = ("keras", "savedmodel", "tflite", "tflite-int8")
# Runs each format's snippet, as shown, on each PNG (only MODEL and IMAGE are set), in this fresh
# process; prints {format: [[probabilities], ...]} and the snippets' own printed lines.
DRIVER = """
import contextlib, io, json, sys
jobs = json.loads(sys.argv[1])
result = {}
for code, (snippet, model_file, images) in jobs.items():
    rows, said = [], []
    for image in images:
        source = snippet.replace('IMAGE = "garment.png"', f'IMAGE = "{image}"')
        namespace, out = {}, io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, code, "exec"), namespace)
        rows.append([float(p) for p in namespace["probabilities"]])
        said.append(out.getvalue().strip())
    result[code] = {"probabilities": rows, "said": said}
print(json.dumps(result))
"""


def run_folder(root: Path, model: str) -> Path:
    return next(folder for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


@pytest.fixture(scope="module")
def sgd_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sgd") / "artifacts"
    train_tiny_run(root, "sgd")
    return root


@pytest.fixture(scope="module")
def pngs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few test images saved as 8-bit grayscale PNGs, as a user would have them."""
    folder = tmp_path_factory.mktemp("pngs")
    x_test = load_fashion_mnist().x_test
    for index in TEST_IMAGES:
        Image.fromarray(x_test[index], mode="L").save(folder / f"test_{index}.png")
    return folder


def run_snippets(folder: Path, codes: tuple[str, ...], out: Path, pngs: Path) -> dict:
    """Exports ``codes`` of a run into ``out``, then runs their snippets in one fresh process."""
    for png in pngs.iterdir():
        shutil.copy(png, out / png.name)
    jobs = {}
    for code in codes:
        path = convert.export_model(folder, code, out)
        rank = 1 if code == "skops" else snippets.keras_input_rank(folder / "model.keras")
        source = snippets.build_snippet(code, rank, model_file=path.name)
        jobs[code] = (source, path.name, [f"test_{index}.png" for index in TEST_IMAGES])
    command = [sys.executable, "-c", DRIVER, json.dumps(jobs)]
    done = subprocess.run(command, cwd=out, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_every_keras_export_loads_in_a_fresh_process_and_predicts_as_stored(
    trained_root: Path, tmp_path: Path, pngs: Path, model: str
):
    folder = run_folder(trained_root, model)
    stored = evaluation.load_predictions(folder).probabilities[list(TEST_IMAGES)]
    result = run_snippets(folder, KERAS_FORMATS, tmp_path, pngs)
    for code in ("keras", "savedmodel", "tflite"):
        probabilities = np.array(result[code]["probabilities"])
        np.testing.assert_allclose(probabilities, stored, atol=1e-5, err_msg=code)
        best = stored.argmax(axis=1)
        assert [line.split(" (")[0] for line in result[code]["said"]] == [CLASS_NAMES[k] for k in best]
    quantised = np.array(result["tflite-int8"]["probabilities"])
    assert np.abs(quantised - stored).max() < 0.05  # int8 weights: close, not equal
    assert (tmp_path / "model_int8.tflite").read_bytes()[4:8] == b"TFL3"


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_tflite_accuracies_are_measured_on_the_test_set_beside_the_original(
    trained_root: Path, tmp_path: Path, model: str
):
    folder = run_folder(trained_root, model)
    stored = evaluation.load_predictions(folder)
    for code in TFLITE:
        score = measure.score_tflite(convert.export_model(folder, code, tmp_path), folder)
        assert score.original_accuracy == pytest.approx(
            evaluation.accuracy(stored.probabilities, stored.labels)
        )
        assert abs(score.points_lost) <= 0.5, (code, score)
        if code == "tflite":
            assert score.max_difference <= 1e-5 and score.agreement == 1.0


def test_a_scikit_learn_run_exports_its_skops_file_and_refuses_tflite(sgd_root: Path, tmp_path, pngs):
    folder = run_folder(sgd_root, "sgd")
    result = run_snippets(folder, ("skops",), tmp_path, pngs)
    stored = evaluation.load_predictions(folder).probabilities[list(TEST_IMAGES)]
    np.testing.assert_allclose(np.array(result["skops"]["probabilities"]), stored, atol=1e-5)
    for code in ("tflite", "savedmodel", "keras"):
        with pytest.raises(convert.ExportError) as refused:
            convert.export_model(folder, code, tmp_path / "x")
        assert refused.value.code == "error.export.needs_keras"
        assert "skops instead" in str(refused.value)


@pytest.fixture
def cnn_copy(trained_root: Path, tmp_path: Path) -> Path:
    """A writable copy of the cnn run folder, and an empty folder ``out`` beside it."""
    copy = tmp_path / "runs" / run_folder(trained_root, "cnn").name
    shutil.copytree(run_folder(trained_root, "cnn"), copy)
    (tmp_path / "out").mkdir()
    return copy


def assert_refused(folder: Path, code: str, out: Path, expected: str) -> convert.ExportError:
    """Exporting raises ExportError ``expected``; ``out`` (the destination's folder) stays empty."""
    with pytest.raises(convert.ExportError) as refused:
        convert.export_model(folder, code, out / "exported.bin")
    assert refused.value.code == expected, refused.value
    assert list(out.iterdir()) == [], "something was left at the destination or beside it"
    return refused.value


def test_a_run_without_model_is_refused(cnn_copy: Path):
    (cnn_copy / "model.keras").unlink()
    error = assert_refused(cnn_copy, "tflite", cnn_copy.parents[1] / "out", "error.export.no_model")
    assert "nothing to export" in str(error)


def test_a_damaged_model_is_refused_with_the_reason(cnn_copy: Path):
    (cnn_copy / "model.keras").write_bytes(b"garbage, not a zip" * 10)
    for code in ("keras", "tflite"):
        error = assert_refused(cnn_copy, code, cnn_copy.parents[1] / "out", "error.export.damaged")
        assert "zip" in str(error)


def test_an_imported_model_is_refused(cnn_copy: Path):
    values = json.loads((cnn_copy / "run.json").read_text())
    atomic_files.atomic_write_json(cnn_copy / "run.json", {**values, "model": runs.IMPORTED_MODEL})
    error = assert_refused(cnn_copy, "keras", cnn_copy.parents[1] / "out", "error.export.imported")
    assert "only converts models it trained" in str(error)


@pytest.mark.parametrize(
    ("code", "expected"), [("tfjs", "error.export.tfjs"), ("onnx", "error.export.unknown_format")]
)
def test_tfjs_and_unknown_formats_are_refused(cnn_copy: Path, code: str, expected: str):
    error = assert_refused(cnn_copy, code, cnn_copy.parents[1] / "out", expected)
    if code == "tfjs":
        assert "tensorflow-decision-forests" in str(error) and "2.21" in str(error)


def test_a_missing_folder_is_refused(cnn_copy: Path, tmp_path: Path):
    with pytest.raises(convert.ExportError) as refused:
        convert.export_model(cnn_copy, "keras", tmp_path / "no such folder" / "model.keras")
    assert refused.value.code == "error.export.no_folder"


def test_an_unwritable_folder_is_refused(cnn_copy: Path, monkeypatch: pytest.MonkeyPatch):
    def refuse(source, target):  # as a read-only folder answers (root ignores chmod, so simulated)
        Path(target).write_bytes(b"half")
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr(convert.shutil, "copyfile", refuse)
    error = assert_refused(cnn_copy, "keras", cnn_copy.parents[1] / "out", "error.export.unwritable")
    assert "Permission denied" in str(error)


@pytest.mark.parametrize("code", ["savedmodel", "tflite"])
def test_a_full_disk_leaves_nothing_half_written(cnn_copy: Path, monkeypatch: pytest.MonkeyPatch, code: str):
    def full(*args) -> None:
        target = Path(args[-1])
        target.write_bytes(b"half a file")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(convert, "zip_folder", full)
    monkeypatch.setattr(convert, "tflite_bytes", lambda saved, quantised: full(saved / "x"))
    error = assert_refused(cnn_copy, code, cnn_copy.parents[1] / "out", "error.export.disk_full")
    assert "disk is full" in str(error)


def test_the_export_job_builds_every_file_and_its_summary(cnn_copy: Path):
    from fmnist_core.__main__ import main

    assert main(["job", "export", str(cnn_copy)]) == 0
    summary = bundle.read_summary(cnn_copy)
    assert summary["input_rank"] == 3 and set(summary["formats"]) == {"savedmodel", "tflite", "tflite-int8"}
    for code, entry in summary["formats"].items():
        assert entry["bytes"] == bundle.export_path(cnn_copy, code).stat().st_size > 0
        assert entry["seconds"] >= 0
    assert summary["formats"]["tflite"]["max_difference"] <= 1e-5
    assert (
        abs(summary["formats"]["tflite-int8"]["accuracy"] - summary["formats"]["tflite"]["accuracy"]) <= 0.005
    )
    assert sorted(p.name for p in bundle.exports_folder(cnn_copy).iterdir()) == sorted(
        [*(FORMATS[c].file_name for c in summary["formats"]), "summary.json"]
    )
    bundle.export_path(cnn_copy, "tflite").write_bytes(b"truncated")
    with pytest.raises(convert.ExportError) as changed:
        bundle.read_summary(cnn_copy)
    assert changed.value.code == "error.export.file_changed"
    (bundle.exports_folder(cnn_copy) / "summary.json").write_text("{not json")
    with pytest.raises(convert.ExportError) as damaged:
        bundle.read_summary(cnn_copy)
    assert damaged.value.code == "error.export.summary_damaged"


def test_the_cli_exports_and_says_what_it_wrote(trained_root: Path, tmp_path: Path, capsys):
    from fmnist_core.__main__ import main

    run_id = run_folder(trained_root, "cnn").name
    path = tmp_path / "cnn.tflite"
    common = ["--artifacts", str(trained_root)]
    assert main(["export", run_id, "--format", "tflite", "--out", str(path), *common]) == 0
    said = capsys.readouterr().out
    assert f"wrote {path}" in said and "test accuracy" in said and "original" in said
    assert path.read_bytes()[4:8] == b"TFL3"
    for format_, out, message in (
        ("tfjs", path, "TF.js export is not offered"),
        ("onnx", path, "no export format 'onnx'"),
        ("keras", tmp_path / "missing" / "m.keras", "does not exist"),
    ):
        assert main(["export", run_id, "--format", format_, "--out", str(out), *common]) == 2
        assert message in capsys.readouterr().err
