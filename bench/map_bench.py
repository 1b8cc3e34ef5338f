"""The embedding map's responsiveness in a real browser, on a real run's 10,000 test features.

Trains a real cnn for one epoch on 6,000 training images through the CLI (its 10,000 test
features are stored when it finishes), then drives chromium against ``streamlit run app.py``:

- Map tab: from the click on the tab, as the browser received it, to the end of the map's first
  Plotly draw (every point): the first visit to a new server (PCA computed), new sessions, and
  again in the same session, each the median of 3;
- hover: from the mouse moving onto a point to its thumbnail card shown (inside the frame);
- lasso: from releasing the mouse to the gallery of the selected images on screen.

Prints a table, writes ``bench/map_results.json`` and the table between the README's
``<!-- bench-map:start -->`` and ``<!-- bench-map:end -->`` markers, when they exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/map_bench.py`

from bench.report import Figure, at_most, markdown_table, median, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("<!-- bench-map:start -->", "<!-- bench-map:end -->")
MAP_FRAME = 'iframe[title*="embedding_map"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
GALLERY_TITLES = ".st-key-evaluate_map_gallery_chart .annotation-text"
STARTED = time.monotonic()
# In the frame: when the mouse last moved, and when the hover card last showed another image.
HOVER_RECORDER = """() => {
    window.__benchMove = null; window.__benchCard = null;
    document.addEventListener('mousemove', () => { window.__benchMove = performance.now(); }, true);
    const card = document.getElementById('hover');
    new MutationObserver(() => {
        if (!card.hidden) window.__benchCard = [performance.now(), card.dataset.index];
    }).observe(card, {attributes: true});
}"""
POSITIONS = """() => {
    const gd = document.getElementById('plot'), s = window.embeddingMap.state;
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, xs = [], ys = [];
    for (let i = 0; i < s.points.count; i++) {
        xs.push(xa._offset + xa.l2p(s.points.x[i])); ys.push(ya._offset + ya.l2p(s.points.y[i]));
    }
    return {xs: xs, ys: ys, labels: Array.from(s.points.labels)};
}"""
# In the page: the epoch time of the next click, as the browser received it. Playwright's click()
# first waits until the tab is stable on screen, which is the page still drawing its own charts
# (up to 1.5 s after the script run ends); a person's click starts the clock when it happens.
CLICK_RECORDER = """() => {
    window.__benchClick = null;
    document.addEventListener('click', (e) => {
        if (window.__benchClick === null) window.__benchClick = performance.timeOrigin + e.timeStamp;
    }, {capture: true, once: true});
}"""
# In the frame: the epoch time at which its first Plotly.react (every point) was drawn.
FIRST_DRAWN = "() => performance.timeOrigin + window.embeddingMap.state.renders[0][1]"
# In the page: the epoch time at which the gallery shows only images of the given selection.
GALLERY_OF = """([selector, selected]) => {
    const titles = [...document.querySelectorAll(selector)].map(e => e.textContent);
    const wanted = new Set(selected);
    const ok = titles.length > 0 && titles.every(t => { const m = t.match(/test #(\\d+)/); return m && wanted.has(+m[1]); });
    return ok && performance.timeOrigin + performance.now();
}"""


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


def train_run(artifacts: Path, samples: int) -> Path:
    """A real cnn, one epoch on ``samples`` images, through the CLI; returns its folder."""
    command = [sys.executable, "-m", "fmnist_core", "train", "--model", "cnn", "--epochs", "1",
               "--train-samples", str(samples), "--artifacts", str(artifacts)]  # fmt: skip
    subprocess.run(
        command, cwd=ROOT, check=True, capture_output=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    )
    (folder,) = (artifacts / "runs").iterdir()
    return folder


def pca_seconds(folder: Path) -> tuple[float, tuple[int, int]]:
    from sklearn import decomposition  # noqa: F401  # the app has scikit-learn loaded already

    from fmnist_core.inspection import features, projection

    stored = (
        features.load_features(folder)
        if features.has_features(folder)
        else features.compute_run_features(folder)
    )
    start = time.perf_counter()
    projection.pca_projection(stored)
    return time.perf_counter() - start, stored.shape


def map_frame(page: Any) -> Any:
    page.wait_for_selector(MAP_FRAME)
    frame = next(f for f in page.frames if "embedding_map" in f.url)
    frame.wait_for_function("() => window.embeddingMap && window.embeddingMap.state.renders.length > 0")
    frame.wait_for_selector("#plot .main-svg")
    return frame


def click_to_drawn(page: Any, tab: str) -> tuple[Any, float]:
    """Clicks the tab; returns the map's frame and the seconds from the click to every point drawn."""
    page.evaluate(CLICK_RECORDER)
    page.get_by_role("tab", name=tab).click()
    frame = map_frame(page)
    return frame, (frame.evaluate(FIRST_DRAWN) - page.evaluate("window.__benchClick")) / 1000


def open_map(browser: Any, url: str, run_id: str) -> tuple[Any, float, float]:
    """A new session on Evaluate; seconds from clicking the Map tab to every point drawn, and to
    the thumbnail sprite loaded too (the hover needs it)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{url}/evaluate?run={run_id}")
    page.wait_for_selector(IDLE)
    frame, drawn = click_to_drawn(page, "Map")
    frame.wait_for_function("() => window.embeddingMap.spriteReady()")
    sprite = (frame.evaluate("() => Date.now()") - page.evaluate("window.__benchClick")) / 1000
    page.wait_for_selector(IDLE)
    return page, drawn, sprite


def tab_again(page: Any) -> float:
    """Seconds from clicking the Map tab again (same session: files in the browser's cache) to
    every point drawn."""
    page.get_by_role("tab", name="Per-class metrics").click()
    page.wait_for_selector(MAP_FRAME, state="detached")
    page.wait_for_selector(IDLE)
    return click_to_drawn(page, "Map")[1]


def hover_seconds(page: Any, frame: Any, positions: dict, count: int = 10) -> list[float]:
    """Seconds from one mouse move onto a point to its card, for ``count`` spread-out points."""
    frame.evaluate(HOVER_RECORDER)
    box = page.locator(MAP_FRAME).bounding_box()
    seconds = []
    for index in range(0, 10_000, 10_000 // count):
        page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)  # off the points: card hidden
        page.wait_for_timeout(150)
        frame.evaluate("window.__benchCard = null")
        page.mouse.move(box["x"] + positions["xs"][index], box["y"] + positions["ys"][index])
        shown = frame.wait_for_function("() => window.__benchCard && window.__benchCard[0]").json_value()
        seconds.append((shown - frame.evaluate("window.__benchMove")) / 1000)
    return seconds


def lasso_seconds(page: Any, frame: Any, positions: dict, radius: float = 30.0) -> list[float]:
    """Seconds from releasing a lasso around a class's densest spot to its gallery on screen."""
    box = page.locator(MAP_FRAME).bounding_box()
    seconds = []
    for label in (1, 7, 8):  # trousers, sneakers, bags: compact clusters
        xs = [x for x, k in zip(positions["xs"], positions["labels"], strict=True) if k == label]
        ys = [y for y, k in zip(positions["ys"], positions["labels"], strict=True) if k == label]
        cx, cy = sorted(xs)[len(xs) // 2], sorted(ys)[len(ys) // 2]
        corners = [
            (cx + radius * math.cos(a / 12 * math.pi), cy + radius * math.sin(a / 12 * math.pi))
            for a in range(25)
        ]
        page.mouse.move(box["x"] + corners[0][0], box["y"] + corners[0][1])
        page.mouse.down()
        for x, y in corners[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y, steps=2)
        page.mouse.up()
        sent = frame.wait_for_function("() => window.embeddingMap.state.lastSelection").json_value()
        shown = page.wait_for_function(GALLERY_OF, arg=[GALLERY_TITLES, sent["indices"]]).json_value()
        seconds.append((shown - sent["at"]) / 1000)
        page.wait_for_selector(IDLE)
        frame.evaluate("window.embeddingMap.state.lastSelection = null")
    return seconds


def first_visit(browser: Any, url: str, run_id: str) -> tuple[float, float]:
    """``open_map`` in a context closed afterwards: seconds to every point drawn, and to the sprite."""
    page, seconds, sprite = open_map(browser, url, run_id)
    page.context.close()
    return seconds, sprite


def browser_figures(artifacts: Path, run_id: str) -> list[Figure]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        log("browser: Map tab, first visit to each of 3 new servers (PCA computed on the server)")
        visits = []
        for _ in range(2):
            server = StreamlitServer(artifacts)
            try:
                visits.append(first_visit(browser, server.url, run_id))
            finally:
                server.stop()
        server = StreamlitServer(artifacts)  # its first visit, then the rest
        try:
            visits.append(first_visit(browser, server.url, run_id))
            log("browser: Map tab, 3 new sessions (PCA cached)")
            sessions = []
            for _ in range(3):
                page, seconds, _ = open_map(browser, server.url, run_id)
                sessions.append(seconds)
                if len(sessions) < 3:
                    page.context.close()
            log("browser: Map tab again, 3 times in the same session")
            again = [tab_again(page) for _ in range(3)]
            frame = map_frame(page)
            positions = frame.evaluate(POSITIONS)
            log("browser: hover 10 points")
            hovers = hover_seconds(page, frame, positions)
            log("browser: lasso 3 clusters")
            lassos = lasso_seconds(page, frame, positions)
        finally:
            server.stop()
        browser.close()
    firsts, sprites = [seconds for seconds, _ in visits], [sprite for _, sprite in visits]
    return [
        at_most(
            "map: Map tab to every point drawn, first visit",
            median(firsts),
            2,
            "s",
            f"empty browser cache, PCA computed; median of 3 new servers, max {max(firsts):.3f} s; "
            f"hover images loaded after {median(sprites):.1f} s",
        ),
        at_most(
            "map: Map tab to every point drawn, new session",
            median(sessions),
            2,
            "s",
            f"empty browser cache, median of 3, max {max(sessions):.3f} s",
        ),
        at_most(
            "map: Map tab to every point drawn, again", median(again), 2, "s", "median of 3, same session"
        ),
        at_most(
            "map: hover to thumbnail (median of 10)", median(hovers), 0.3, "s", f"max {max(hovers):.3f} s"
        ),
        at_most("map: lasso to gallery (median of 3)", median(lassos), 1, "s", f"max {max(lassos):.3f} s"),
    ]


def update_readme(readme: Path, table: str) -> bool:
    text = readme.read_text()
    pattern = re.compile(re.escape(MARKERS[0]) + ".*?" + re.escape(MARKERS[1]), re.DOTALL)
    if not pattern.search(text):
        return False
    readme.write_text(pattern.sub(lambda _: f"{MARKERS[0]}\n{table}\n{MARKERS[1]}", text, count=1))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--train-samples", type=int, default=6000)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "map_results.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help="'' to leave it alone")
    args = parser.parse_args(argv)
    workspace = Path(tempfile.mkdtemp(prefix="fmnist-map-bench-"))
    artifacts = workspace / "artifacts"
    try:
        log(f"training a cnn for 1 epoch on {args.train_samples:,} images")
        folder = train_run(artifacts, args.train_samples)
        pca, shape = pca_seconds(folder)
        figures = [at_most(f"map: PCA of {shape[0]:,} x {shape[1]} features", pca, 2, "s", "in-process")]
        figures += browser_figures(artifacts, folder.name)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    print()
    for figure in figures:
        print(
            f"{figure.name:<52} {figure.shown_value():>10}   target {figure.target:<10} {figure.verdict}  {figure.note}"
        )
    details = {
        "date": dt.date.today().isoformat(),
        "seconds": time.monotonic() - STARTED,
        "load_average": os.getloadavg(),
    }
    write_results(args.results, figures, details)
    header = f"Latest map bench ({details['date']}, cnn 1 epoch on {args.train_samples:,} images, 10,000 test features):"
    if (
        args.readme
        and args.readme.name
        and update_readme(args.readme, header + "\n\n" + markdown_table(figures))
    ):
        log(f"updated the map table in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
