"""Downloading a model in a real browser: Evaluate's Download tab, prepare the SavedModel and
TFLite files (the background job), then download the TFLite file and check it is a TFLite
flatbuffer (identifier "TFL3" at offset 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e


def seeded_runs(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def test_prepare_and_download_the_tflite_file(server, seeded_artifacts, page, tmp_path):
    cnn = seeded_runs(seeded_artifacts)["cnn"]
    page.goto(f"{server.url}/evaluate?run={cnn}")
    wait_idle(page)
    page.get_by_role("tab", name="Download").click()
    wait_idle(page)
    page.get_by_role("button", name="Prepare SavedModel and TFLite files").click()
    tflite = page.get_by_role("button", name="Download TFLite, float32")
    tflite.wait_for(timeout=180_000)  # the job runs in its own process; the page polls it
    wait_idle(page)
    page.get_by_text("Load the TFLite, float32 file and classify an image (Python)").click()
    page.wait_for_timeout(500)
    shot = screenshot(page, "export_download_tab")
    assert shot.stat().st_size > 0
    with page.expect_download() as download_info:
        tflite.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.name.endswith("model.tflite") and saved.name.startswith("cnn-")
    content = saved.read_bytes()
    assert content[4:8] == b"TFL3"
    assert content == (seeded_artifacts / "runs" / cnn / "exports" / "model.tflite").read_bytes()
    assert page.get_by_text("vs original").count() >= 1
