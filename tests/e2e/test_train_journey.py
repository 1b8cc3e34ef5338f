"""Real browser: train from the Train page, reload mid-run, watch the curves, stop a run, compare.

About a minute on 2 cores: an mlp for 3 epochs on the full data, then a long run that is stopped.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e
CURVE_POINTS = ".js-plotly-plot .scatterlayer path.point"  # one SVG path per plotted marker
RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def no_stray_workers(seeded_artifacts: Path):
    """Whatever happens in the test, no worker it started outlives it (they run in their own session)."""
    yield
    for record in runs.list_runs(seeded_artifacts):
        if record.status in runs.ACTIVE_STATUSES:
            runs.request_stop(runs.run_path(record.id, seeded_artifacts))
    deadline = time.monotonic() + 30
    while active_runs(seeded_artifacts) and time.monotonic() < deadline:
        time.sleep(0.5)
    for record in active_runs(seeded_artifacts):
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(record.pid, signal.SIGKILL)


def open_page(page, server, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()
    wait_idle(page)


def set_number(page, label: str, value: int) -> None:
    field = page.get_by_label(label, exact=True)
    # After a model change Streamlit keeps the previous form's field beside the new one until the
    # run ends; when the page's polling fragment reruns at that moment it can keep it for good.
    # The URL holds the choice, so a reload shows the one form.
    try:
        expect(field).to_have_count(1, timeout=15_000)
    except AssertionError:
        page.reload()
        wait_idle(page)
        expect(field).to_have_count(1, timeout=15_000)
    field.fill(str(value))
    field.press("Enter")
    wait_idle(page)


def active_runs(root: Path) -> list[dict]:
    return [record for record in runs.list_runs(root) if record.status in runs.ACTIVE_STATUSES]


def count_points(page) -> int:
    return page.locator(CURVE_POINTS).count()


def wait_for_points(page, at_least: int) -> None:
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length >= n",
        arg=[CURVE_POINTS, at_least],
        timeout=RUN_TIMEOUT_MS,
    )


def start_mlp(page, epochs: int, train_samples: int) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text="Model").click()
    page.get_by_role("option", name="mlp", exact=True).click()
    wait_idle(page)
    set_number(page, "Epochs", epochs)
    set_number(page, "Training images", train_samples)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("Training now").first.wait_for()


def test_train_reload_finish_stop_and_compare(server, seeded_artifacts: Path, page, no_stray_workers) -> None:
    page.set_viewport_size({"width": 1400, "height": 1800})  # Streamlit scrolls inside the page
    page.goto(server.url)
    wait_idle(page)
    page.get_by_text("Recent runs").wait_for()
    screenshot(page, "overview")

    open_page(page, server, "Train")
    start_mlp(page, epochs=3, train_samples=60_000)  # about 2 s an epoch: slower than the 1 s poll
    (run,) = active_runs(seeded_artifacts)
    assert run.model == "mlp" and run.config["epochs"] == 3

    page.reload()  # a refresh re-attaches to the run; it neither stops nor duplicates it
    wait_idle(page)
    page.get_by_text("Training now").first.wait_for()
    page.get_by_text(run.id).first.wait_for()
    assert [r.id for r in active_runs(seeded_artifacts)] == [run.id]

    wait_for_points(page, 4)  # epoch 1: train and validation, accuracy and loss
    seen_first_epoch = count_points(page)
    screenshot(page, "train_mid_run")
    page.get_by_text("Finished all 3 epochs").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_idle(page)
    # The run's chart, not a stale copy from the last poll that Streamlit may keep for a moment.
    final_chart = f'.st-key-train_curves_{run.id}[data-stale="false"] path.point'
    page.wait_for_function("selector => document.querySelectorAll(selector).length === 12", arg=final_chart)
    assert seen_first_epoch in (4, 8)  # the chart grew while it trained
    assert page.get_by_text("test accuracy").count() >= 1
    assert runs.read_run(runs.run_path(run.id, seeded_artifacts)).status == "finished"

    start_mlp(page, epochs=30, train_samples=60_000)
    page.get_by_text("Epoch 1 of 30").wait_for(timeout=RUN_TIMEOUT_MS)  # inside model.fit
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text(re.compile(r"Stopped at your request .*scores test accuracy")).wait_for(
        timeout=RUN_TIMEOUT_MS
    )
    stopped = runs.list_runs(seeded_artifacts)[0]
    assert stopped.status == "stopped" and stopped.id != run.id
    assert stopped.test["accuracy"] > 0.1  # it keeps the weights it had when stopped
    assert not active_runs(seeded_artifacts)
    screenshot(page, "train_stopped")

    open_page(page, server, "Runs")
    page.get_by_test_id("stMultiSelect").filter(has_text="Runs to overlay").wait_for()
    assert page.locator(".js-plotly-plot").count() == 1
    legend = page.locator(".js-plotly-plot .legendtext").all_text_contents()
    assert any(run.id[-6:] in text for text in legend)
    assert page.get_by_text(re.compile(r"human \(majority of 3 labels\): 83\.5%")).count() == 1
    screenshot(page, "runs_overlay")


def test_first_visit_offers_the_starter_models(empty_server, page) -> None:
    page.set_viewport_size({"width": 1400, "height": 1400})
    page.goto(empty_server.url)
    wait_idle(page)
    page.get_by_role("button", name="Train starter models").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()  # the sample grid
    screenshot(page, "overview_first_visit")
