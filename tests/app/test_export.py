"""AppTest of the Download section: Evaluate's Download tab (the run's model file, the job that
prepares SavedModel and TFLite, then their buttons, table and snippets), the Runs page's section,
and the same in Korean."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import atomic_files
from fmnist_core.exporting import bundle
from fmnist_core.runs import jobs, runs
from fmnist_ui.shared import i18n, loaders
from tests.app.korean import english_leftovers, open_app_page_in_korean, open_in_korean

ROOT = Path(__file__).resolve().parents[2]
PAGE, APP = str(ROOT / "pages" / "evaluate.py"), str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches():
    """The seeded copies share run ids: a previous test's cached results must not be reused."""
    loaders.load_evaluation.clear()
    loaders.keras_input_rank.clear()


def run_folder(root: Path, model: str) -> Path:
    return next(folder for folder in (root / "runs").iterdir() if f"-{model}-" in folder.name)


def open_download_tab(run_id: str, korean: bool = False) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if korean:
        open_in_korean(at)
    at.session_state["evaluate_tab"] = "다운로드" if korean else "Download"
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception, at.exception
    return at


REPORT_BUTTONS = {i18n.catalog(lang)["report.download"] for lang in i18n.LANGUAGES}


def labels(at: AppTest) -> list[str]:
    """The Download tab's buttons (the page's own Download report button left out)."""
    return [b.proto.label for b in at.get("download_button") if b.proto.label not in REPORT_BUTTONS]


def wait_for_job(folder: Path) -> jobs.JobStatus:
    deadline = time.monotonic() + 240
    status = jobs.job_status(folder, bundle.JOB_NAME)
    while status.is_running and time.monotonic() < deadline:
        time.sleep(0.5)
        status = jobs.job_status(folder, bundle.JOB_NAME)
    return status


def test_the_download_tab_offers_the_model_then_prepares_the_converted_files(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "cnn")
    at = open_download_tab(folder.name)
    (label,) = labels(at)
    assert label.startswith("Download Keras model (.keras) · ") and label.endswith(" MB")
    assert "keras.saving.load_model" in at.code[0].value and "x.reshape(1, 28, 28, 1)" in at.code[0].value
    assert any("TF.js is not offered" in caption.value for caption in at.caption)
    at.button(key="evaluate_export_start").click().run()
    assert not at.exception, at.exception
    status = wait_for_job(folder)
    assert status.is_done, status
    at.run()
    assert [label.split(" · ")[0] for label in labels(at)] == [
        "Download Keras model (.keras)",
        "Download TensorFlow SavedModel (zip)",
        "Download TFLite, float32",
        "Download TFLite, dynamic-range quantised (int8 weights)",
    ]
    table = at.dataframe[0].value
    assert list(table["format"])[2:] == ["TFLite, float32", "TFLite, dynamic-range quantised (int8 weights)"]
    assert table["vs original"][2] == "+0.00 points" and table["test accuracy"][3].strip().endswith("%")
    codes = [block.value for block in at.code]
    assert len(codes) == 4 and "tf.saved_model.load" in codes[1] and "tf.lite.Interpreter" in codes[2]


def test_a_failed_job_says_why_and_offers_to_start_again(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    path = jobs.job_path(folder, bundle.JOB_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    status = jobs.JobStatus(
        bundle.JOB_NAME, "failed", error="The disk is full, so the result could not be saved."
    )
    atomic_files.atomic_write_json(path, status.to_dict())
    at = open_download_tab(folder.name)
    assert "The disk is full" in at.error[0].value
    assert at.button(key="evaluate_export_start").label == "Prepare SavedModel and TFLite files"


def test_an_imported_run_offers_nothing_and_says_why(seeded_artifacts: Path):
    folder = run_folder(seeded_artifacts, "mlp")
    values = json.loads((folder / "run.json").read_text())
    atomic_files.atomic_write_json(folder / "run.json", {**values, "model": runs.IMPORTED_MODEL})
    at = open_download_tab(folder.name)
    assert labels(at) == []
    assert "only converts models it trained" in at.info[0].value


def test_the_runs_page_offers_the_chosen_runs_downloads(seeded_artifacts: Path):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="runs_download_run")
    assert len(picker.options) == 2
    assert any(label.startswith("Download Keras model (.keras)") for label in labels(at))
    assert at.button(key="runs_export_start")


def test_the_download_tab_in_korean(seeded_artifacts: Path):
    at = open_download_tab(run_folder(seeded_artifacts, "cnn").name, korean=True)
    assert labels(at)[0].startswith("Keras 모델 (.keras) 다운로드")
    assert at.button(key="evaluate_export_start").label == "SavedModel과 TFLite 파일 준비"
    assert "앱과 같이" in at.code[0].value  # the snippet's comments are Korean too
    # The snippet's CLASS_NAMES are the dataset's own labels, which the code prints: English by design.
    snippets = {block.value for block in at.code}
    leftovers = english_leftovers(at)
    assert all(
        key.startswith("class name") and any(s.startswith(text) for s in snippets) for key, text in leftovers
    )
    runs_page = open_app_page_in_korean(APP, "pages/runs.py")
    assert any(label.startswith("Keras 모델") for label in labels(runs_page))
