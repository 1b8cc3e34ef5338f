"""Real browser: draw with the mouse on the Draw page's canvas and see the probability bars appear."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e
PROMPT = "Draw a garment on the canvas"
BARS = ".js-plotly-plot .barlayer .point"  # one SVG group per bar


def canvas_box(page) -> dict:
    """The drawing surface on screen (Fabric.js stacks an upper canvas that takes the mouse)."""
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def stroke(page, box: dict, points: list[tuple[float, float]]) -> None:
    """Drags the mouse through points given as fractions of the canvas size."""
    xs = [box["x"] + fx * box["width"] for fx, _ in points]
    ys = [box["y"] + fy * box["height"] for _, fy in points]
    page.mouse.move(xs[0], ys[0])
    page.mouse.down()
    for x, y in zip(xs[1:], ys[1:], strict=True):
        page.mouse.move(x, y, steps=12)
    page.mouse.up()


def test_drawing_a_stroke_shows_probability_bars(server, page) -> None:
    page.goto(server.url)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Draw").click()
    wait_idle(page)
    page.get_by_text(PROMPT).wait_for()
    assert page.locator(BARS).count() == 0  # an empty canvas shows a prompt, never a prediction
    box = canvas_box(page)

    stroke(page, box, [(0.42, 0.15), (0.40, 0.85)])  # one trouser leg
    page.get_by_text("The model says").first.wait_for(timeout=60_000)
    page.locator(BARS).first.wait_for()
    wait_idle(page)
    assert page.locator(BARS).count() == 10
    assert page.get_by_text(PROMPT).count() == 0

    stroke(page, box, [(0.42, 0.15), (0.58, 0.15), (0.60, 0.85)])  # waistband and second leg
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=10_000)
    wait_idle(page)
    assert page.locator(BARS).count() == 10
    assert page.locator('[data-testid="stImage"]').count() >= 2  # the 28x28 input and its saliency map
    screenshot(page, "draw_trouser_strokes")

    page.get_by_role("button", name="Clear").click()
    wait_idle(page)
    page.get_by_text(PROMPT).wait_for()
    assert page.locator(BARS).count() == 0
