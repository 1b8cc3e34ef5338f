"""A learner checks whether the model's confidence can be trusted, in a real browser: Evaluate ->
Calibration draws the reliability diagram and the confidence histogram; Compare runs draws both runs'
reliability curves; the tab also fits a 400-pixel-wide phone. Screenshots: tests/e2e/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from fmnist_core.evaluation import evaluation
from fmnist_core.evaluation.calibration import Calibration
from tests.e2e.conftest import SCREENSHOTS, screenshot, wait_idle
from tests.e2e.test_evaluate_journey import open_tab, seeded_runs
from tests.e2e.test_small_screens import OVERFLOWING

pytestmark = pytest.mark.e2e

DIAGRAM = ".st-key-evaluate_reliability_chart .js-plotly-plot"
HISTOGRAM = ".st-key-evaluate_confidence_histogram .js-plotly-plot"
COMPARE = ".st-key-evaluate_compare_reliability_chart .js-plotly-plot"
# What Plotly drew: bars and line points per trace, and the title, from the rendered SVG.
DRAWN = """selector => {
    const plot = document.querySelector(selector);
    const box = plot.getBoundingClientRect();
    return {
        title: plot.querySelector('.gtitle').textContent,
        bars: [...plot.querySelectorAll('.barlayer .trace')].map(t => t.querySelectorAll('path').length),
        lines: [...plot.querySelectorAll('.scatterlayer .trace')].map(t => t.querySelectorAll('.point').length),
        legend: [...plot.querySelectorAll('.legendtext')].map(e => e.textContent),
        width: box.width, right: box.right,
    };
}"""


def calibration_of(root: Path, run_id: str) -> Calibration:
    predictions = evaluation.load_predictions(root / "runs" / run_id)
    return Calibration.from_probabilities(predictions.probabilities, predictions.labels)


def test_calibration_tab_and_both_runs_in_compare(server, seeded_artifacts, page):
    ids = seeded_runs(seeded_artifacts)
    cnn, mlp = calibration_of(seeded_artifacts, ids["cnn"]), calibration_of(seeded_artifacts, ids["mlp"])
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{server.url}/evaluate?run={ids['cnn']}")
    wait_idle(page)
    open_tab(page, "Calibration")
    page.wait_for_selector(DIAGRAM)
    page.wait_for_selector(HISTOGRAM)
    page.wait_for_timeout(500)
    diagram = page.evaluate(DRAWN, DIAGRAM)
    assert diagram["title"] == f"Reliability diagram · ECE {cnn.ece:.1%}"
    filled = int((cnn.bins["count"] > 0).sum())
    assert diagram["bars"][0] == filled  # one accuracy bar per filled bin
    gaps = int(((cnn.bins["count"] > 0) & (cnn.bins["gap"] != 0)).sum())
    assert sum(diagram["bars"][1:]) == gaps  # and its gap on top
    assert "Perfect calibration" in diagram["legend"]
    histogram = page.evaluate(DRAWN, HISTOGRAM)
    assert histogram["legend"][:2] == [
        f"Right ({int(cnn.bins['correct'].sum()):,})",
        f"Wrong ({int((cnn.bins['count'] - cnn.bins['correct']).sum()):,})",
    ]
    assert "When this model says" in page.inner_text("body")
    screenshot(page, "calibration_tab")

    open_tab(page, "Compare runs")
    page.wait_for_selector(COMPARE)
    page.locator(COMPARE).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    compare = page.evaluate(DRAWN, COMPARE)
    assert compare["legend"] == [
        "Perfect calibration",
        f"mlp · ECE {mlp.ece:.1%}",
        f"cnn · ECE {cnn.ece:.1%}",
    ]
    assert compare["lines"][1:] == [int((mlp.bins["count"] > 0).sum()), filled]  # one point per filled bin
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(COMPARE).screenshot(path=str(SCREENSHOTS / "calibration_compare.png"))


def test_calibration_tab_fits_a_400_pixel_phone(server, page):
    page.set_viewport_size({"width": 400, "height": 2400})
    page.goto(f"{server.url}/evaluate")
    wait_idle(page)
    open_tab(page, "Calibration")
    page.wait_for_selector(DIAGRAM)
    page.wait_for_timeout(1500)  # charts size themselves after the script ends
    wait_idle(page)
    for selector in (DIAGRAM, HISTOGRAM):
        drawn = page.evaluate(DRAWN, selector)
        assert drawn["right"] <= 400 and drawn["width"] > 300, drawn
        assert drawn["bars"] and drawn["bars"][0] > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    assert page.evaluate(OVERFLOWING) == []
    assert page.locator(".modebar-btn").count() == 0  # no Plotly toolbar
    screenshot(page, "calibration_400px")
