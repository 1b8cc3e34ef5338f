"""A real browser reviews suspicious labels: open Evaluate -> Suspicious labels on the seeded runs,
mark the most suspicious image "Label looks wrong", see the mark on it, then find it with its mark in
the Confusion & gallery tab beside the accuracy without it; and the tab on a 400-pixel phone."""

from __future__ import annotations

import pytest

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation, label_marks, label_review
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_idle
from tests.e2e.test_evaluate_journey import MATRIX, click_cell, open_tab, seeded_runs
from tests.e2e.test_small_screens import OVERFLOWING

pytestmark = pytest.mark.e2e

LIST_ITEMS = ".st-key-suspicious_list .js-plotly-plot"
GALLERY_TITLES = ".st-key-evaluate_gallery_chart .annotation-text"
WRONG_BADGE = label_marks.MARK_BADGES["looks_wrong"]


def item_title(page, index: int) -> str:
    return page.locator(f".st-key-suspicious_item_{index} .annotation-text").first.text_content()


def test_mark_a_suspicious_label_and_find_it_in_the_gallery(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    ensemble = label_review.load_ensemble(list(ids.values()), seeded_artifacts)
    first = int(label_review.rank_suspicious(ensemble)[0])
    page.set_viewport_size({"width": 1400, "height": 2200})

    page.goto(f"{server.url}/evaluate")
    wait_idle(page)
    open_tab(page, "Suspicious labels")
    page.wait_for_selector(LIST_ITEMS)
    page.wait_for_timeout(500)
    body = page.inner_text("body")
    assert "no official list of Fashion-MNIST label errors" in body
    assert item_title(page, first).startswith(f"given {CLASS_NAMES[ensemble.labels[first]]} / pred")
    screenshot(page, "suspicious_list")

    page.locator(f".st-key-suspicious_wrong_{first} button").click()
    page.wait_for_selector(f".st-key-suspicious_undo_{first} button")
    wait_idle(page)
    assert item_title(page, first).endswith(WRONG_BADGE)
    assert label_marks.read_marks(seeded_artifacts)[first].mark == "looks_wrong"
    page.wait_for_timeout(500)
    screenshot(page, "suspicious_marked")

    # The image's own cell of the newest run's (the cnn's) confusion matrix shows it with its mark.
    cnn = evaluation.RunEvaluation.from_predictions(
        evaluation.load_predictions(seeded_artifacts / "runs" / ids["cnn"])
    )
    label, predicted = int(cnn.predictions.labels[first]), int(cnn.predictions.predicted[first])
    open_tab(page, "Confusion & gallery")
    page.wait_for_selector(MATRIX)
    page.wait_for_timeout(500)
    click_cell(page, truth=CLASS_NAMES[label], predicted=CLASS_NAMES[predicted])
    page.wait_for_function(
        "([selector, prefix]) => [...document.querySelectorAll(selector)].some(e => e.textContent.startsWith(prefix))",
        arg=[GALLERY_TITLES, f"true {CLASS_NAMES[label]} / pred {CLASS_NAMES[predicted]}"],
    )
    wait_idle(page)
    position = error_analysis.select_gallery(cnn, label, predicted).tolist().index(first)
    if position >= 12:  # the image is on a later page of its cell
        page.get_by_label("Page (of").fill(str(position // 12 + 1))
        page.keyboard.press("Enter")
        wait_idle(page)
    marked = page.locator(GALLERY_TITLES).filter(has_text=f"test #{first} ")
    marked.wait_for()
    assert marked.text_content().endswith(WRONG_BADGE)
    without, _ = label_review.accuracy_without(cnn.predictions, [first])
    page.get_by_text(
        f"{cnn.accuracy:.2%} · {without:.2%} without the 1 image whose label you marked as looking wrong"
    ).wait_for()
    page.wait_for_timeout(500)
    screenshot(page, "suspicious_in_gallery")


def test_the_tab_fits_a_400_pixel_phone(server, page):
    page.set_viewport_size({"width": 400, "height": 2800})
    page.goto(f"{server.url}/evaluate")
    wait_idle(page)
    open_tab(page, "Suspicious labels")
    page.wait_for_selector(LIST_ITEMS)
    page.wait_for_timeout(1500)
    wait_idle(page)
    screenshot(page, "400px_suspicious")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert page.evaluate(OVERFLOWING) == []
    items = page.locator(LIST_ITEMS)
    lefts = {round(items.nth(k).bounding_box()["x"]) for k in range(items.count())}
    assert items.count() == 12 and len(lefts) == 1  # one image per line

    # A mark far down the list keeps the page where it was (no jump back to the top).
    page.set_viewport_size({"width": 400, "height": 900})
    sixth = page.locator('[class*="st-key-suspicious_item_"]').nth(5)
    index = int(
        next(c for c in sixth.get_attribute("class").split() if c.startswith("st-key-")).rsplit("_", 1)[1]
    )
    button = page.locator(f".st-key-suspicious_fine_{index} button")
    button.scroll_into_view_if_needed()
    wait_idle(page)
    before = button.bounding_box()["y"]  # on screen, after Streamlit's main area scrolled to it
    assert 0 < before < 900
    button.click()
    undo = page.locator(f".st-key-suspicious_undo_{index} button")
    undo.wait_for()
    wait_idle(page)
    page.wait_for_timeout(500)
    assert abs(undo.bounding_box()["y"] - before) < 20  # the item stayed where it was on the screen
    page.screenshot(path=str(SCREENSHOTS / "400px_suspicious_marked.png"))  # what the phone shows
