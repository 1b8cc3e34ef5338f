"""Real browser: the Runs page follows a run that trains, without a click."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig, launch_training
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_train_journey import CURVE_POINTS, RUN_TIMEOUT_MS, count_points
from tests.e2e.test_train_journey import no_stray_workers as no_stray_workers  # the fixture

pytestmark = pytest.mark.e2e
NEWEST_ROW = '[data-testid="stDataFrame"] table tbody tr'


def wait_for_epochs(folder: Path, epochs: int, timeout: float = RUN_TIMEOUT_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while len(runs.read_history(folder)) < epochs:
        assert time.monotonic() < deadline, f"{folder.name} did not reach epoch {epochs}"
        time.sleep(0.2)


def test_runs_page_follows_a_training_run(server, seeded_artifacts: Path, page, no_stray_workers) -> None:
    page.set_viewport_size({"width": 1400, "height": 1600})
    config = TrainingConfig.for_model("mlp", epochs=30, train_samples=60_000)  # 2-4 s an epoch
    run_id = launch_training(config, seeded_artifacts)
    folder = runs.run_path(run_id, seeded_artifacts)
    wait_for_epochs(folder, 1)

    page.goto(f"{server.url}/runs")
    wait_idle(page)
    newest_row = page.locator(NEWEST_ROW).first  # the table's accessible copy, newest run first
    newest_row.filter(has_text="running").wait_for(state="attached")  # hidden, for screen readers
    overlay = page.get_by_test_id("stMultiSelect").filter(has_text="Runs to overlay")
    overlay.get_by_text(re.compile(rf"^mlp · .* · {run_id[-6:]}$")).wait_for()  # joined the overlay
    page.locator(CURVE_POINTS).first.wait_for()
    drawn = count_points(page)
    screenshot(page, "runs_live")

    # No click from here on: the section polls while the run trains, and the page reruns once at the end.
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length > n",
        arg=[CURVE_POINTS, drawn],
        timeout=RUN_TIMEOUT_MS,
    )
    runs.request_stop(folder)  # as the Train page's Stop button does, from another tab
    newest_row.filter(has_text="stopped").wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    wait_idle(page)
    assert runs.read_run(folder).status == "stopped"
    option = page.get_by_role("option", name=re.compile(run_id[-6:]))
    deadline = time.monotonic() + 30
    while True:  # the page's one rerun after the run ended may still be on its way: reopen the list
        page.get_by_test_id("stSelectbox").filter(has_text="Run to delete").click()
        page.wait_for_timeout(500)
        if option.count() or time.monotonic() > deadline:
            break
        page.keyboard.press("Escape")
        wait_idle(page)
    assert option.count() == 1  # deletable now
