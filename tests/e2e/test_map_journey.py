"""The map in a real browser: hover a test image to see it, lasso a cluster to open it in the
gallery, see the confusion cell chosen on the other tab highlighted, compute the features of an
older run, and find one's drawing as a star on the Draw page; on a laptop and a phone screen."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import evaluation
from fmnist_core.inspection import features
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_draw_journey import TROUSER_STROKES, canvas_box, stroke
from tests.e2e.test_evaluate_journey import click_cell, open_tab, seeded_runs

pytestmark = pytest.mark.e2e

MAP_FRAME = 'iframe[title*="embedding_map"]'
GALLERY_TITLES = ".st-key-evaluate_map_gallery_chart .annotation-text"
# Screen positions (inside the frame) of every point of the map, by test index, from Plotly's own
# axis mapping; and which test indices the plot's traces hold.
POINT_POSITIONS = """() => {
    const gd = document.getElementById('plot');
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    const s = window.embeddingMap.state;
    const xs = [], ys = [];
    for (let i = 0; i < s.points.count; i++) {
        xs.push(xa._offset + xa.l2p(s.points.x[i]));
        ys.push(ya._offset + ya.l2p(s.points.y[i]));
    }
    return {xs: xs, ys: ys, labels: Array.from(s.points.labels)};
}"""
THUMBNAIL_INK = """() => {
    const canvas = document.getElementById('thumb');
    const pixels = canvas.getContext('2d').getImageData(0, 0, 28, 28).data;
    let ink = 0;
    for (let i = 0; i < pixels.length; i += 4) ink += pixels[i];
    return ink;
}"""
NARROW_LAYOUT = """() => {
    const layout = document.getElementById('plot')._fullLayout;
    return layout.width === window.innerWidth && layout.legend.orientation === 'h';
}"""
TRACE_NAMES = "() => document.getElementById('plot').data.map(trace => trace.name)"


def map_frame(page):
    """The map's frame, once its plot has drawn every point."""
    page.wait_for_selector(MAP_FRAME)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator("#plot .main-svg").first.wait_for()
    handle = next(f for f in page.frames if "embedding_map" in f.url)
    handle.wait_for_function("() => window.embeddingMap && window.embeddingMap.state.points !== null")
    handle.wait_for_function("() => window.embeddingMap.spriteReady()")
    return handle


def frame_origin(page) -> dict:
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    return page.locator(MAP_FRAME).bounding_box()


def hover_point(page, frame, index: int, positions: dict) -> None:
    box = frame_origin(page)
    page.mouse.move(box["x"] + positions["xs"][index], box["y"] + positions["ys"][index])
    frame.wait_for_selector("#hover:not([hidden])", timeout=5_000)


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Which (N, 2) points lie inside the closed polygon (even-odd rule, as a lasso)."""
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), dtype=bool)
    for (x0, y0), (x1, y1) in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        crosses = (y0 > y) != (y1 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (x < at)
    return inside


def densest_class_circle(positions: dict, radius: float) -> tuple[int, float, float]:
    """The class whose points crowd most inside a circle of ``radius`` around their median, and that
    centre (frame pixels)."""
    xs, ys, labels = (np.asarray(positions[k]) for k in ("xs", "ys", "labels"))
    best = (0, 0.0, 0.0, -1)
    for k in range(10):
        cx, cy = float(np.median(xs[labels == k])), float(np.median(ys[labels == k]))
        inside = int((np.hypot(xs - cx, ys - cy) < radius).sum())
        if inside > best[3]:
            best = (k, cx, cy, inside)
    return best[:3]


def lasso(page, centre: tuple[float, float], radius: float, corners: int = 24) -> None:
    """Drags a lasso (a polygon of ``corners``) around ``centre`` (frame pixels)."""
    box = frame_origin(page)
    angles = np.linspace(0, 2 * math.pi, corners, endpoint=False)
    polygon = np.stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)], axis=1)
    page.mouse.move(box["x"] + polygon[0, 0], box["y"] + polygon[0, 1])
    page.mouse.down()
    for x, y in [*polygon[1:], polygon[0]]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=3)
    page.mouse.up()


def test_hover_lasso_highlight_on_the_evaluate_map(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    cnn_folder = seeded_artifacts / "runs" / ids["cnn"]
    assert features.has_features(cnn_folder), "a finished run stores its test features"
    predictions = evaluation.load_predictions(cnn_folder)
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{server.url}/evaluate?run={ids['cnn']}")
    wait_idle(page)
    open_tab(page, "Map")
    frame = map_frame(page)
    positions = frame.evaluate(POINT_POSITIONS)
    assert len(positions["xs"]) == 10_000

    # Hover: the point's own image, crisp and not blank, with its top 3 classes.
    index = int(np.argmax(predictions.confidence))  # a confident point: likely inside a cluster
    hover_point(page, frame, index, positions)
    shown = int(frame.locator("#hover").get_attribute("data-index"))
    near = math.hypot(
        positions["xs"][shown] - positions["xs"][index], positions["ys"][shown] - positions["ys"][index]
    )
    assert near < 12, "the card belongs to a point under the mouse"
    assert frame.evaluate(THUMBNAIL_INK) > 0
    card = frame.locator("#hover-text").inner_text()
    assert f"Test image {shown}" in card and card.count("%") == 3
    assert frame.evaluate("getComputedStyle(document.getElementById('thumb')).imageRendering") == "pixelated"
    screenshot(page, "map_hover")

    # Lasso the densest cluster: the gallery below lists exactly the points inside the polygon.
    radius = 30.0
    label, cx, cy = densest_class_circle(positions, radius)
    lasso(page, (cx, cy), radius)
    sentence = page.get_by_text(re.compile(r"images? selected:"))
    sentence.wait_for(timeout=30_000)
    wait_idle(page)
    # The points inside the lasso Plotly recorded (data coordinates), computed here on their own.
    shape = frame.evaluate("window.embeddingMap.state.lastSelection.shape")
    points = np.stack(
        [frame.evaluate(f"Array.from(window.embeddingMap.state.points.{axis})") for axis in "xy"], 1
    )
    expected = np.flatnonzero(inside_polygon(points, np.stack([shape["x"], shape["y"]], axis=1)))
    assert len(expected) > 20
    assert sentence.inner_text().startswith(f"{len(expected):,} images selected: ")
    counts = np.bincount(predictions.labels[expected], minlength=10)
    assert f"{counts.max()} {CLASS_NAMES[int(counts.argmax())]}" in sentence.inner_text()
    titles = page.locator(GALLERY_TITLES).evaluate_all("elements => elements.map(e => e.textContent)")
    shown_indices = [int(m) for t in titles for m in re.findall(r"test #(\d+)", t)]
    ranked = evaluation.rank_by_confidence(expected, predictions)  # the gallery's order
    assert shown_indices == ranked[:12].tolist()
    screenshot(page, "map_lasso")

    # A confusion cell chosen on the other tab is highlighted on the map.
    open_tab(page, "Confusion & gallery")
    click_cell(page, "Shirt", "T-shirt/top")
    wait_idle(page)
    open_tab(page, "Map")
    page.get_by_text("Highlighted: the").wait_for()
    frame = map_frame(page)
    frame.wait_for_function(
        "() => document.getElementById('plot').data.some(t => t.name.startsWith('Chosen cell'))"
    )
    names = frame.evaluate(TRACE_NAMES)
    chosen = np.flatnonzero((predictions.labels == 6) & (predictions.predicted == 0))
    assert f"Chosen cell ({len(chosen):,})" in names
    screenshot(page, "map_highlight")
    page.get_by_role("button", name="Clear").click()
    wait_idle(page)
    frame.wait_for_function(
        "() => !document.getElementById('plot').data.some(t => t.name.startsWith('Chosen'))"
    )

    # A phone: the map fits the screen, nothing sticks out, the hover card stays inside the frame.
    page.set_viewport_size({"width": 400, "height": 900})
    wait_idle(page)
    frame = map_frame(page)
    frame.wait_for_function(NARROW_LAYOUT)
    box = frame_origin(page)
    assert box["x"] >= 0 and box["x"] + box["width"] <= 400
    positions = frame.evaluate(POINT_POSITIONS)
    xs = np.asarray(positions["xs"])
    hover_point(page, frame, int(np.argsort(xs)[-50]), positions)  # near the right edge
    card = frame.locator("#hover").bounding_box()
    assert card["x"] >= 0 and card["x"] + card["width"] <= box["width"] + 1
    screenshot(page, "map_phone")


def test_an_older_run_computes_its_features_then_shows_its_map(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    mlp_folder = seeded_artifacts / "runs" / ids["mlp"]
    (mlp_folder / features.FEATURES_FILE).unlink(missing_ok=True)
    shutil.rmtree(mlp_folder / "jobs", ignore_errors=True)
    page.goto(f"{server.url}/evaluate?run={ids['mlp']}")
    wait_idle(page)
    open_tab(page, "Map")
    page.get_by_role("button", name="Compute features").click()
    page.locator('[data-testid="stProgress"]').first.wait_for(timeout=30_000)
    screenshot(page, "map_computing_features")
    map_frame(page)  # the page reruns by itself when the job is done
    assert features.has_features(mlp_folder)


def test_the_drawing_is_a_star_on_the_draw_page_map(server, page):
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{server.url}/draw")
    wait_idle(page)
    box = canvas_box(page)
    for points in TROUSER_STROKES:
        stroke(page, box, points)
        page.wait_for_timeout(300)
    sentence = page.get_by_text(re.compile(r"^Your drawing sits among the "))
    sentence.wait_for(timeout=60_000)
    wait_idle(page)
    assert re.search(r"\(\d+ of its 10 nearest test images\)", sentence.inner_text())
    frame = map_frame(page)
    frame.wait_for_function("() => document.getElementById('plot').data.some(t => t.name === 'Your drawing')")
    star = frame.locator(".scatterlayer .point")  # the star is the one SVG marker (the rest is WebGL)
    assert star.count() == 1
    assert Path(screenshot(page, "map_draw")).exists()
