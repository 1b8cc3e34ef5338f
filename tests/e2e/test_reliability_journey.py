"""Real browser: two tabs press Train within a second; exactly one worker starts, the other tab is told."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_train_journey import active_runs, set_number
from tests.e2e.test_train_journey import no_stray_workers as no_stray_workers  # the fixture

pytestmark = pytest.mark.e2e


def prepare_train_tab(browser, server) -> object:
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    tab = context.new_page()
    tab.goto(f"{server.url}/train")
    wait_idle(tab)
    set_number(tab, "Epochs", 30)
    set_number(tab, "Training images", 5000)
    return tab


def test_two_tabs_click_train_together_start_one_run(
    browser, server, seeded_artifacts: Path, no_stray_workers
) -> None:
    first, second = prepare_train_tab(browser, server), prepare_train_tab(browser, server)
    before = {record.id for record in runs.list_runs(seeded_artifacts)}
    buttons = [tab.get_by_role("button", name="Train", exact=True) for tab in (first, second)]
    for button in buttons:  # as close together as two people can click
        button.click(no_wait_after=True)
    told = []
    deadline = time.monotonic() + 30  # a click's script run may start after wait_idle returns
    while not told and time.monotonic() < deadline:
        for tab in (first, second):
            wait_idle(tab)
        told = [tab for tab in (first, second) if tab.get_by_text("is already training").count()]
    assert len(told) == 1, "exactly one tab is told that a run is already training"
    new_runs = [record for record in runs.list_runs(seeded_artifacts) if record.id not in before]
    assert len(new_runs) == 1, new_runs
    assert len(active_runs(seeded_artifacts)) == 1
    screenshot(told[0], "train_second_tab_refused")
    for tab in (first, second):  # both tabs show the one run that trains (once their rerun has drawn)
        tab.get_by_text(new_runs[0].id).first.wait_for(timeout=30_000)
        tab.context.close()


@pytest.mark.parametrize("path", ["runs", "evaluate", "draw"])
def test_deep_link_to_a_fresh_server_goes_through_the_router(seeded_artifacts: Path, page, path: str) -> None:
    from tests.e2e.conftest import StreamlitServer

    fresh = StreamlitServer(seeded_artifacts)  # nobody has opened "/" on this server yet
    try:
        page.goto(f"{fresh.url}/{path}")
        wait_idle(page)
        navigation = page.locator('[data-testid="stSidebarNav"]')
        navigation.get_by_role(
            "link", name="Overview", exact=True
        ).wait_for()  # app.py titles, not file names
        assert navigation.get_by_role("link", name="app", exact=True).count() == 0
        headings = {"runs": "Runs", "evaluate": "Evaluate", "draw": "Draw a garment"}
        assert page.get_by_role("heading", name=headings[path]).count()
    finally:
        fresh.stop()
