"""Offline reports in a real browser: each file opened from disk with every network request
refused draws all its charts and loads all its images, without a console error; and the Evaluate
page's Download report button gives such a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_core import reports
from fmnist_core.runs import runs
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_idle

pytestmark = pytest.mark.e2e

PLOTS = """() => [...document.querySelectorAll('.js-plotly-plot')].map(plot => {
    const box = plot.getBoundingClientRect();
    return {svg: plot.querySelectorAll('.main-svg').length, width: box.width, height: box.height};
})"""
IMAGES = (
    """() => [...document.images].map(image => ({complete: image.complete, width: image.naturalWidth}))"""
)


def seeded_runs(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def open_offline(browser, path: Path, name: str) -> dict:
    """Opens ``path`` as ``file://`` with every other request aborted; checks every chart drew and
    every image loaded, takes a full-page screenshot; returns what was counted."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    requests: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if url.startswith("file:") or url.startswith("data:"):
            request_route.continue_()
        else:
            requests.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => window.Plotly && document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
    )
    page.wait_for_timeout(500)
    plots, images = page.evaluate(PLOTS), page.evaluate(IMAGES)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    assert not errors, errors
    assert not requests, requests  # nothing asked for the network
    assert plots and all(plot["svg"] > 0 and plot["width"] > 0 and plot["height"] > 0 for plot in plots), (
        plots
    )
    assert all(image["complete"] and image["width"] > 0 for image in images), images
    return {"plots": len(plots), "images": len(images)}


def test_run_and_compare_reports_open_offline(browser, seeded_artifacts: Path, tmp_path: Path) -> None:
    ids = seeded_runs(seeded_artifacts)
    mlp, cnn = (runs.run_path(ids[model]) for model in ("mlp", "cnn"))
    run_file, compare_file = tmp_path / "run.html", tmp_path / "compare.html"
    reports.write_report(reports.build_run_report(mlp), run_file)
    reports.write_report(reports.build_compare_report(mlp, cnn), compare_file)
    shown = open_offline(browser, run_file, "report-run")
    assert shown["plots"] == 4 and shown["images"] >= 5  # curves, matrix, metrics, reliability
    shown = open_offline(browser, compare_file, "report-compare")
    assert shown["plots"] == 3 and shown["images"] >= 2  # difference, curves, reliability


def test_sweep_report_opens_offline(browser, artifacts: Path, tmp_path: Path) -> None:
    from fmnist_core import sweeps
    from fmnist_core.reports.sweep_report import build_sweep_report

    space = {
        "learning_rate": sweeps.Param("float", 1e-4, 1e-1, log=True),
        "batch_size": sweeps.Param("int", 32, 256, log=True),
    }
    spec = sweeps.SweepSpec(
        name="tiny", model="sgd", trials=3, space=space, epochs=1, train_samples=300, sampler="random"
    )
    sweeps.create_sweep(spec, artifacts)
    sweeps.work("tiny", artifacts)
    path = tmp_path / "sweep.html"
    reports.write_report(build_sweep_report("tiny", artifacts), path)
    shown = open_offline(browser, path, "report-sweep")
    assert shown["plots"] >= 3  # parallel coordinates, slices, importances (and the curves)


def test_download_button_on_evaluate_gives_an_offline_report(
    browser, server, seeded_artifacts: Path, tmp_path: Path
) -> None:
    ids = seeded_runs(seeded_artifacts)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server.url}/evaluate?run={ids['cnn']}")
    wait_idle(page)
    button = page.locator(".st-key-evaluate_report button").first
    button.wait_for()
    screenshot(page, "report-button-evaluate")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename == f"report-{ids['cnn']}.html"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    context.close()
    text = path.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and ids["cnn"] in text
    shown = open_offline(browser, path, "report-downloaded")
    assert shown["plots"] == 4 and shown["images"] >= 5
