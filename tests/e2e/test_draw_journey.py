"""Real browser: draw with the mouse on the Draw page's canvas and see the probability bars appear,
on a laptop screen and on a 400-pixel-wide phone screen."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e
PROMPT = "Draw a garment on the canvas"
BARS = ".js-plotly-plot .barlayer .point"  # one SVG group per bar
RUNS_TABLE = '[data-testid="stTable"]'
INPUT_IMAGE = '[data-testid="stImage"] img'  # the first one is the 28x28 input the model sees
TROUSER_STROKES = ([(0.42, 0.15), (0.40, 0.85)], [(0.42, 0.15), (0.58, 0.15), (0.60, 0.85)])


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


def stroke_and_wait(page, box: dict, points: list[tuple[float, float]]) -> None:
    """Draws a stroke and waits for the rerun it causes to show the new model input.

    The rerun may end before a wait for the "running" state begins, so this waits for its result:
    Streamlit names a media file by its content, so a new drawing gets a new image address."""
    images = page.locator(INPUT_IMAGE)
    before = images.first.get_attribute("src") if images.count() else None
    stroke(page, box, points)
    page.wait_for_function(
        "([selector, old]) => { const img = document.querySelector(selector);"
        " return img !== null && img.getAttribute('src') !== old; }",
        arg=[INPUT_IMAGE, before],
    )
    wait_idle(page)


def assert_inside(box: dict, left: float, right: float) -> None:
    assert left <= box["x"] and box["x"] + box["width"] <= right, (box, left, right)


def assert_runs_table_fits(page, viewport_width: int) -> None:
    """The table of every run's top 3 shows all its columns: no part of it is scrolled out of view."""
    table = page.locator(RUNS_TABLE).first
    table.scroll_into_view_if_needed()
    frame = table.bounding_box()
    assert_inside(frame, 0, viewport_width)
    assert_inside(table.locator("table").bounding_box(), frame["x"], frame["x"] + frame["width"])
    assert table.locator("th").all_inner_texts()[-4:] == ["Run", "1st", "2nd", "3rd"]


def test_drawing_a_stroke_shows_probability_bars(server, page) -> None:
    page.goto(server.url)
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Draw").click()
    wait_idle(page)
    page.get_by_text(PROMPT).wait_for()
    assert page.locator(BARS).count() == 0  # an empty canvas shows a prompt, never a prediction
    box = canvas_box(page)

    stroke(page, box, TROUSER_STROKES[0])  # one trouser leg
    page.get_by_text("The model says").first.wait_for(timeout=60_000)
    page.locator(BARS).first.wait_for()
    wait_idle(page)
    assert page.locator(BARS).count() == 10
    assert page.get_by_text(PROMPT).count() == 0

    stroke_and_wait(page, box, TROUSER_STROKES[1])  # waistband and second leg
    assert page.locator(BARS).count() == 10
    assert page.locator('[data-testid="stImage"]').count() >= 2  # the 28x28 input and its saliency map
    screenshot(page, "draw_trouser_strokes")

    page.get_by_text("Compare all finished runs").click()
    page.locator(RUNS_TABLE).wait_for()
    wait_idle(page)
    assert_runs_table_fits(page, 1400)

    page.get_by_role("button", name="Clear").click()
    wait_idle(page)
    page.get_by_text(PROMPT).wait_for()
    assert page.locator(BARS).count() == 0


def test_a_400px_screen_fits_the_canvas_and_the_runs_table(server, browser) -> None:
    context = browser.new_context(viewport={"width": 400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{server.url}/draw")
        wait_idle(page)
        page.get_by_text(PROMPT).wait_for()
        box = canvas_box(page)
        assert_inside(box, 0, 400)
        for points in TROUSER_STROKES:
            stroke(page, box, points)
        page.get_by_text("The model says").first.wait_for(timeout=60_000)
        wait_idle(page)
        canvas_box(page)
        screenshot(page, "draw_400px")

        page.get_by_text("Compare all finished runs").click()
        page.locator(RUNS_TABLE).wait_for()
        wait_idle(page)
        assert_runs_table_fits(page, 400)
        screenshot(page, "draw_400px_runs_table")
    finally:
        context.close()
