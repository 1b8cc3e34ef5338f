"""A new user's error analysis in a real browser: click the Shirt -> T-shirt/top cell of the
confusion matrix, browse those images, compare the cnn with the mlp, replay the epochs; and the
same page on a 400-pixel-wide phone."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from fmnist_core.evaluation import error_analysis, evaluation, significance
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_idle

pytestmark = pytest.mark.e2e

MATRIX = ".st-key-evaluate_matrix .js-plotly-plot"
GALLERY_TITLES = ".st-key-evaluate_gallery_chart .annotation-text"
GALLERY_ITEMS = ".st-key-evaluate_gallery_chart .js-plotly-plot"
TEXT_BOXES = """elements => elements.filter(e => e.textContent).map(e => {
    const box = e.getBoundingClientRect();
    return {text: e.textContent, left: box.left, top: box.top, right: box.right, bottom: box.bottom};
})"""
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


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """The pairs of text boxes that share some area."""
    return [
        (a["text"], b["text"])
        for a, b in itertools.combinations(boxes, 2)
        if a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    ]


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)
    wait_idle(page)


def test_click_a_cell_browse_its_images_compare_and_replay(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    cnn = evaluation.load_predictions(seeded_artifacts / "runs" / ids["cnn"])
    shirt_as_tshirt = error_analysis.select_gallery(evaluation.RunEvaluation.from_predictions(cnn), 6, 0)
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
    page.get_by_text("Is the difference real?").wait_for()
    verdict = significance.describe_paired(significance.compare_predictions(mlp, cnn), "mlp", "cnn")
    page.get_by_text(verdict.split(" (95%")[0]).wait_for()  # B is better (or worse) by N points
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


def test_a_400_pixel_phone_reads_the_matrix_and_gets_one_image_per_line(server, page):
    page.set_viewport_size({"width": 400, "height": 900})
    page.goto(f"{server.url}/evaluate")
    wait_idle(page)
    page.wait_for_selector(GALLERY_ITEMS)
    page.wait_for_timeout(500)

    numbers = page.locator(f"{MATRIX} .textpoint text").evaluate_all(TEXT_BOXES)
    assert len(numbers) == 100 and overlapping(numbers) == []
    assert max(box["right"] for box in numbers) <= 400  # no cell cut off at the right edge
    assert page.locator(".modebar-btn").count() == 0  # no Plotly toolbar over the charts
    items = page.locator(GALLERY_ITEMS)
    lefts = {round(items.nth(k).bounding_box()["x"]) for k in range(items.count())}
    assert items.count() == 12 and len(lefts) == 1  # the gallery wrapped: one image per line

    page.locator(MATRIX).scroll_into_view_if_needed()
    click_cell(page, truth="Shirt", predicted="T-shirt/top")  # narrow cells still take the right click
    page.wait_for_function(TITLES_START_WITH, arg=[GALLERY_TITLES, "true Shirt / pred T-shirt/top"])
    wait_idle(page)
    page.locator(MATRIX).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "evaluate_400px.png"))  # what the phone shows
