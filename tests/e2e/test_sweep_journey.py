"""Real browser: define a 4-trial sweep on the Sweep page (learning rate, batch size and the
optimizer, a choice), watch its table fill, see the optimizer's axis named by its choices, filter
the trials by learning rate in the HParams view, and open the best trial on Evaluate from its link."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fmnist_core import sweeps
from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_choices_journey import shown, visit

pytestmark = pytest.mark.e2e
NAME = "mlp-sweep-1"
TRIALS_CAPTION = re.compile(r"(\d+) of (\d+) trials")


def fill_number(page, key: str, value: int) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    wait_idle(page)


def trials_shown(page) -> tuple[int, int]:
    """(trials in the table, trials in the sweep) from the caption above the table."""
    text = page.get_by_text(TRIALS_CAPTION).first.inner_text()
    shown, total = TRIALS_CAPTION.search(text).groups()
    return int(shown), int(total)


def wait_for_sweep(artifacts: Path, timeout: float = 240) -> sweeps.SweepStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = sweeps.sweep_status(NAME, artifacts)
        if status.done and not status.active:
            return status
        time.sleep(1)
    raise AssertionError(f"the sweep did not finish: {sweeps.sweep_status(NAME, artifacts)}")


def test_define_watch_filter_and_evaluate_a_sweep(empty_server, artifacts: Path, page) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})  # the screenshots show the whole view
    visit(page, empty_server, "Sweep")
    expect(page.locator(".st-key-sweep_name input")).to_have_value(NAME)  # it can flash empty first
    page.locator(".st-key-sweep_mlp_batch_size_search label").click()  # search batch size too
    wait_idle(page)
    page.get_by_text("Improvements the tutorials suggest").click()
    page.locator(".st-key-sweep_mlp_optimizer_search label").click()  # and the optimizer: all 3 choices
    wait_idle(page)
    page.locator(".st-key-sweep_mlp_optimizer_range").get_by_text("RMSprop").wait_for()
    fill_number(page, "sweep_mlp_epochs_value", 1)
    fill_number(page, "sweep_trials", 4)
    fill_number(page, "sweep_train_samples", 500)
    screenshot(page, "sweep_form")
    page.locator(".st-key-sweep_start button").click()
    wait_idle(page)
    page.wait_for_url(re.compile(rf"sweep={NAME}"))

    page.get_by_text(TRIALS_CAPTION).first.wait_for(timeout=120_000)  # the table fills while it runs
    screenshot(page, "sweep_running")
    status = wait_for_sweep(artifacts)
    assert [row.state for row in status.trials].count("complete") >= 1
    page.get_by_text("4 of 4 trials.").wait_for(timeout=30_000)  # the page followed the sweep to its end
    wait_idle(page)
    chart = page.locator('[data-testid="stPlotlyChart"] .parcoords').first
    chart.wait_for()
    for name in ("Adam", "SGD + momentum 0.9", "RMSprop"):  # the optimizer's axis, one mark per choice
        chart.locator("g.tick text", has_text=name).first.wait_for()
    assert sweeps.load_sweep(NAME, artifacts).space["optimizer"].choices == (
        "adam",
        "sgd_momentum",
        "rmsprop",
    )
    screenshot(page, "sweep_done")

    learning_rates = sorted(row.params["learning_rate"] for row in status.trials)
    page.get_by_text("Filter trials").click()
    handle = page.locator(f".st-key-sweep_filter_{NAME}_learning_rate input[type=range]").first
    handle.focus()
    grid = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2]
    low = next(value for value in grid if value > learning_rates[0])  # leaves out the lowest trial
    for _ in range(grid.index(low)):
        handle.press("ArrowRight")
    wait_idle(page)
    expected = sum(rate >= low for rate in learning_rates)
    page.get_by_text(f"{expected} of 4 trials inside the filters").wait_for()
    assert trials_shown(page) == (expected, 4) and expected < 4
    screenshot(page, "sweep_filtered")

    best = status.best
    page.get_by_role("link", name=f"Study trial {best.number} on Evaluate").click()
    wait_idle(page)
    page.wait_for_url(re.compile(rf"/evaluate\?run={best.run_id}"))
    label = runs.read_run(artifacts / "runs" / best.run_id).label
    assert shown(page, "evaluate_run") == label
    screenshot(page, "sweep_best_on_evaluate")
