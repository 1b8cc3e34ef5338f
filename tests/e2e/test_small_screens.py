"""Real browser at 400 px wide: every page fits the screen (tables and charts scroll inside their
own frames, the page itself never scrolls sideways). Screenshots: tests/e2e/screenshots/400px_*.png."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot, wait_idle

pytestmark = pytest.mark.e2e

PAGES = {
    "Overview": "",
    "Train": "train",
    "Tutorials": "tutorials",
    "Runs": "runs",
    "Evaluate": "evaluate",
    "Draw": "draw",
    "Layers": "layers",
}
# Elements whose right edge lies beyond the viewport, apart from those inside a frame that scrolls.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    const main = document.querySelector('[data-testid="stMain"]');
    return [...main.querySelectorAll('[data-testid="stElementContainer"]')]
        .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > width + 1)
        .map(e => e.className.split(' ').find(c => c.startsWith('st-key-')) || e.innerText.slice(0, 40));
}"""


def test_every_page_fits_400_px(server, page) -> None:
    page.set_viewport_size({"width": 400, "height": 2800})  # tall: the screenshot shows whole pages
    page.goto(server.url)
    wait_idle(page)
    for name, path in PAGES.items():
        page.goto(f"{server.url}/{path}")
        wait_idle(page)
        page.wait_for_timeout(1500)  # charts and the canvas size themselves after the script ends
        wait_idle(page)
        screenshot(page, f"400px_{name.lower()}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, f"{name} scrolls sideways"
        assert page.evaluate(OVERFLOWING) == [], f"{name} has elements beyond the screen's edge"
