"""A new user's error analysis in a real browser: click the Shirt -> T-shirt/top cell of the
confusion matrix, browse those images, compare the cnn with the mlp, replay the epochs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_core import error_analysis, evaluation
from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e

MATRIX = ".st-key-evaluate_matrix .js-plotly-plot"
GALLERY_TITLES = ".st-key-evaluate_gallery_chart .annotation-text"
# Screen position of a cell: Plotly's own axis mapping (category -> pixel) plus the plot's offsets.
CELL_POSITION = """([selector, predicted, truth]) => {
    const plot = document.querySelector(selector);
    const xaxis = plot._fullLayout.xaxis, yaxis = plot._fullLayout.yaxis;
    const box = plot.getBoundingClientRect();
    return {x: box.left + xaxis._offset + xaxis.d2p(predicted), y: box.top + yaxis._offset + yaxis.d2p(truth)};
}"""
TITLES_START_WITH = """([selector, prefix]) => {
    const titles = [...document.querySelectorAll(selector)].map(e => e.textContent);
    return titles.length > 0 && titles.every(t => t.startsWith(prefix));
}"""


def seeded_runs(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def click_cell(page, truth: str, predicted: str) -> None:
    """A real mouse click on the marker of cell (truth, predicted)."""
    position = page.evaluate(CELL_POSITION, [MATRIX, predicted, truth])
    page.mouse.move(position["x"], position["y"])  # Plotly selects the point under the hover
    page.wait_for_timeout(300)
    page.mouse.click(position["x"], position["y"])


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def test_click_a_cell_browse_its_images_compare_and_replay(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    cnn = evaluation.load_predictions(seeded_artifacts / "runs" / ids["cnn"])
    shirt_as_tshirt = error_analysis.select_gallery(cnn, 6, 0)
    assert len(shirt_as_tshirt) > 0, "the tiny cnn should confuse some shirts with T-shirts"
    page.set_viewport_size({"width": 1400, "height": 2200})  # the whole page without scrolling

    page.goto(server.url)  # as a new user: open the app, then the Evaluate page from the sidebar
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Evaluate", exact=True).click()
    wait_idle(page)
    page.wait_for_selector(MATRIX)
    page.wait_for_timeout(500)
    screenshot(page, "evaluate_matrix")

    click_cell(page, truth="Shirt", predicted="T-shirt/top")
    page.wait_for_function(TITLES_START_WITH, arg=[GALLERY_TITLES, "true Shirt / pred T-shirt/top"])
    wait_idle(page)
    titles = page.locator(GALLERY_TITLES).all_text_contents()
    assert len(titles) == min(12, len(shirt_as_tshirt))
    assert (
        titles[0]
        == f"true Shirt / pred T-shirt/top (p={cnn.confidence[shirt_as_tshirt[0]]:.2f})test #{shirt_as_tshirt[0]}"
    )
    assert "Mistakes: true Shirt, predicted T-shirt/top" in page.inner_text("body")
    screenshot(page, "evaluate_gallery")

    open_tab(page, "Compare runs")
    mlp = evaluation.load_predictions(seeded_artifacts / "runs" / ids["mlp"])
    fixed = error_analysis.compare_runs(mlp, cnn).fixed
    page.get_by_text(f"cnn fixes {len(fixed):,} test images that mlp gets wrong").wait_for()
    page.wait_for_selector(".st-key-evaluate_difference_chart .js-plotly-plot")
    page.wait_for_timeout(500)
    screenshot(page, "evaluate_compare")

    page.goto(f"{server.url}/evaluate?run={ids['mlp']}")  # a shareable link to the 2-epoch run
    wait_idle(page)
    open_tab(page, "Over time")
    page.get_by_text("Validation confusion after epoch 1 of 2").wait_for()
    page.get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    page.get_by_text("Validation confusion after epoch 2 of 2").wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)
    screenshot(page, "evaluate_over_time")
