"""Real browser: open Layers from an Evaluate gallery image of the cnn run, pick another test
image and see every feature map redrawn, rank the test images in the background, then draw
trousers on Draw and look at the drawing's feature maps on Layers.
Screenshots: tests/e2e/screenshots/layers_*.png."""

from __future__ import annotations

import re

import pytest

from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_draw_journey import TROUSER_STROKES, canvas_box, stroke_and_wait

pytestmark = pytest.mark.e2e
MAPS = ".st-key-layers_maps img"  # one tiled picture per convolution and pooling layer


def map_sources(page) -> list[str]:
    """The feature-map pictures' URLs: Streamlit names media files by their content."""
    page.locator(MAPS).first.wait_for()
    return [image.get_attribute("src") for image in page.locator(MAPS).all()]


def open_from_sidebar(page, name: str) -> None:
    """A sidebar click keeps the session (and with it the Draw page's drawing); a reload would not."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).click()
    wait_idle(page)


def test_feature_maps_follow_the_test_image_and_the_drawing(server, page, seeded_artifacts) -> None:
    cnn = next(record.id for record in runs.list_runs(seeded_artifacts) if record.model == "cnn")
    page.goto(f"{server.url}/evaluate?run={cnn}")
    wait_idle(page)
    link = page.get_by_role("link", name="Open in Layers").first  # under the gallery's first image
    index = re.search(r"test_index=(\d+)", link.get_attribute("href")).group(1)
    with page.context.expect_page() as opened:  # a new tab: the gallery stays where it was
        link.click()
    page = opened.value
    page.set_default_timeout(30_000)
    wait_idle(page)
    page.get_by_text(f"Test image {index}: a").wait_for()
    assert f"run={cnn}" in page.url
    first = map_sources(page)
    assert len(first) == 4  # conv2d, max_pooling2d, conv2d_1, max_pooling2d_1
    assert page.get_by_text("conv2d_1 · output 14 × 14 × 64").count() == 1

    other = "2" if index != "2" else "3"
    page.get_by_label("Test image (0 to 9,999)").fill(other)
    page.keyboard.press("Enter")
    page.get_by_text(f"Test image {other}: a").wait_for()
    wait_idle(page)
    second = map_sources(page)
    assert len(second) == 4 and all(a != b for a, b in zip(first, second, strict=True))
    assert f"test_index={other}" in page.url
    screenshot(page, "layers_cnn_test_image")

    page.get_by_role("button", name="Rank the test images").click()
    page.get_by_text("Ranking the test images").wait_for()  # the job's progress bar
    page.get_by_text("its 9 strongest test images").wait_for(timeout=120_000)
    wait_idle(page)
    assert page.get_by_text(re.compile(r"^#\d+ .* · \d")).count() == 9  # "#index class · activation"
    screenshot(page, "layers_cnn_top9")

    open_from_sidebar(page, "Draw")
    box = canvas_box(page)
    for points in TROUSER_STROKES:
        stroke_and_wait(page, box, points)
    page.get_by_text("The model says").first.wait_for()

    open_from_sidebar(page, "Layers")
    page.get_by_text("The current drawing").click()
    page.get_by_text("Your current drawing (from the Draw page)").wait_for()
    wait_idle(page)
    drawn = map_sources(page)
    assert len(drawn) == 4 and all(a != b for a, b in zip(second, drawn, strict=True))
    screenshot(page, "layers_cnn_drawing")
