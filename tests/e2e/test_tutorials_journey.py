"""Real browser: run the logistic-regression card on the Tutorials page, see its row filled with the
published figure reproduced, and open its run on Evaluate.

About a minute on 2 cores: LogisticRegression() on the 60,000 raw training images stops at its
100-iteration limit after about 20 s.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_choices_journey import shown, visit

pytestmark = pytest.mark.e2e
CARD = ".st-key-tutorials_card_logreg"


def wait_for_finished_run(artifacts: Path, timeout: float = 240) -> runs.RunRecord:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = runs.list_runs(artifacts)
        if records and not records[0].is_active:
            return records[0]
        time.sleep(1)
    raise AssertionError(f"the logreg run did not finish: {runs.list_runs(artifacts)}")


def test_run_the_logistic_regression_card_and_see_its_row(empty_server, artifacts: Path, page) -> None:
    page.set_viewport_size({"width": 1400, "height": 3600})  # the screenshots show the whole page
    visit(page, empty_server, "Tutorials")
    card = page.locator(CARD)
    card.get_by_text("Not run here yet.").wait_for()
    page.locator('[data-testid="stDataFrame"] canvas').first.wait_for()
    screenshot(page, "tutorials_page")

    card.locator(".st-key-tutorials_run_logreg button").click()
    card.get_by_text("queued or training (seeds 0)").wait_for(timeout=30_000)
    screenshot(page, "tutorials_logreg_training")
    record = wait_for_finished_run(artifacts)
    assert record.status == "finished", record.error
    assert record.config["recipe"] == "logreg" and record.config["input_scaling"] == "raw"
    # No randomness: the published train and test figures, to the digit. (This is the suite's one
    # full-data logreg run; tests/core/test_recipe_results.py trains no-hidden through the CLI.)
    history = runs.read_history(runs.run_path(record.id, artifacts))
    assert round(history[-1]["accuracy"], 4) == 0.8632 and round(record.test_accuracy, 4) == 0.8412

    ours = card.get_by_text(re.compile(r"Ours \(test\): 0\.\d{4} over 1 run"))
    ours.wait_for(timeout=30_000)  # the page followed the run to its end by itself
    assert f"{record.test_accuracy:.4f}" in ours.inner_text()
    expect(card.get_by_text("iteration limit")).to_have_count(0)  # reproduced: nothing to explain
    wait_idle(page)
    # The results table's row: the grid draws on a canvas, its cells are in an accessible table.
    row = page.locator('[data-testid="stDataFrame"] [role="row"]').filter(has_text="logreg").first
    # The accessible table holds the link's address, not its "Evaluate"; the grid fills the row's
    # cells one after another, so the assertions wait for them.
    expect(row).to_contain_text(f"{record.test_accuracy:.4f}")
    expect(row).to_contain_text(f"/evaluate?run={record.id}")
    screenshot(page, "tutorials_logreg_done")

    card.get_by_role("link", name="Study the latest run on Evaluate").click()
    wait_idle(page)
    page.wait_for_url(re.compile(rf"/evaluate\?run={record.id}"))
    assert shown(page, "evaluate_run") == record.label
