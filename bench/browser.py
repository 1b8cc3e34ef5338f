"""Responsiveness in a real browser and the server's memory (items 4 and 5 of the benchmark).

Drives Debian's chromium through Playwright against ``streamlit run app.py``, reusing the browser
tests' server and chromium settings. Every measurement that cannot be made (a page or an element
that does not exist yet) becomes a "not measured (reason)" figure instead of an error.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench.report import Figure, at_most, median
from tests.e2e import conftest as e2e
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, StreamlitServer
from tests.e2e.test_draw_journey import BARS, canvas_box, stroke
from tests.e2e.test_evaluate_journey import CELL_POSITION

MATRIX = ".st-key-evaluate_matrix .js-plotly-plot"
GALLERY_TITLES = ".st-key-evaluate_gallery_chart .annotation-text"
READ_ONLY_PAGES = ("", "runs", "evaluate")  # Overview, Runs, Evaluate: must not load TensorFlow
TIMEOUT_MS = 60_000
# Records every change of the app's script state with the page clock (performance.now()), and the
# last mouse release, so a latency is measured inside the browser rather than across processes.
STATE_RECORDER = """(() => {
  window.__benchStates = [];
  window.__benchMouseUp = null;
  document.addEventListener('mouseup', () => { window.__benchMouseUp = performance.now(); }, true);
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.target.dataset && record.target.dataset.testid === 'stApp') {
        window.__benchStates.push([performance.now(), record.target.getAttribute('data-test-script-state')]);
      }
    }
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
})()"""
RUN_FINISHED_AFTER = """(since) => {
  let ran = false;
  for (const [time, state] of window.__benchStates) {
    if (time < since) continue;
    if (state === 'running') ran = true;
    else if (ran && state === 'notRunning') return time;
  }
  return false;
}"""

TITLES_SHOWN = """([selector, prefix]) => {
  const titles = [...document.querySelectorAll(selector)].map(e => e.textContent);
  return titles.length > 0 && titles.every(t => t.startsWith(prefix)) && performance.now();
}"""
CELLS = (("Shirt", "T-shirt/top"), ("Pullover", "Coat"), ("Coat", "Pullover"))


def not_measured(name: str, target: float, unit: str, error: BaseException) -> Figure:
    reason = str(error).strip().splitlines()[0][:140] if str(error).strip() else type(error).__name__
    return at_most(name, None, target, unit, note=reason)


def measured(name: str, target: float, unit: str, action: Callable[[], tuple[float, str]]) -> Figure:
    """Runs ``action`` (returning value and note); any failure becomes "not measured (reason)"."""
    try:
        value, note = action()
    except Exception as error:  # a page or element that does not exist (yet): report, do not crash
        return not_measured(name, target, unit, error)
    return at_most(name, value, target, unit, note)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue  # exited meanwhile
        rss = next((line for line in status.splitlines() if line.startswith("VmRSS:")), "VmRSS: 0 kB")
        total += int(rss.split()[1]) / 1024
        pending.extend(int(child) for child in children)
    return total


def tensorflow_loaded(pid: int) -> bool:
    """Whether the process has TensorFlow's shared library mapped (it was imported)."""
    return "libtensorflow" in Path(f"/proc/{pid}/maps").read_text()


def open_page(browser: Any) -> Any:
    """A page in a fresh browser context (a new Streamlit session) recording script states."""
    context = browser.new_context(viewport={"width": 1400, "height": 2200})
    context.add_init_script(script=STATE_RECORDER)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def close_page(page: Any) -> None:
    page.context.close()


@contextlib.contextmanager
def fixed_port() -> Iterator[None]:
    """Makes every StreamlitServer started inside use one port, so that the browser's HTTP cache
    (keyed by origin) stays warm across restarts, as it does for a user who restarts the app."""
    port = e2e.free_port()
    original = e2e.free_port
    e2e.free_port = lambda: port
    try:
        yield
    finally:
        e2e.free_port = original


def first_page_interactive(
    browser: Any, root: Path, repetitions: int
) -> tuple[list[float], list[float], bool | None]:
    """Seconds from ``streamlit run`` to the Overview page idle in the browser (and to the server
    answering its health check); after the last start, whether visiting Overview, Runs and Evaluate
    loaded TensorFlow into the server."""
    seconds, healthy, loaded = [], [], None
    with fixed_port():
        page = open_page(browser)
        try:
            for attempt in range(repetitions + 1):  # the first start warms the disk and HTTP caches
                start = time.perf_counter()
                server = StreamlitServer(root)
                try:
                    ready = time.perf_counter() - start
                    page.goto(server.url)
                    page.wait_for_selector(IDLE)
                    if attempt:
                        seconds.append(time.perf_counter() - start)
                        healthy.append(ready)
                    if attempt == repetitions:
                        for path in READ_ONLY_PAGES[1:]:
                            page.goto(f"{server.url}/{path}")
                            page.wait_for_selector(IDLE)
                        loaded = tensorflow_loaded(server.process.pid)
                finally:
                    server.stop()
        finally:
            close_page(page)
    return seconds, healthy, loaded


def sidebar_link(page: Any, name: str) -> Any:
    return page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name)


def evaluate_render(browser: Any, url: str, repetitions: int) -> list[float]:
    """Seconds from clicking Evaluate in the sidebar (from Overview) to its confusion matrix drawn
    and the script idle; Evaluate shows the newest finished run (10,000 test predictions)."""
    page = open_page(browser)
    try:
        page.goto(url)
        page.wait_for_selector(IDLE)
        seconds = []
        for _ in range(repetitions):
            start = time.perf_counter()
            sidebar_link(page, "Evaluate").click()
            page.wait_for_selector(MATRIX)
            page.wait_for_selector(IDLE)
            seconds.append(time.perf_counter() - start)
            sidebar_link(page, "Overview").click()
            page.wait_for_selector(MATRIX, state="detached")
            page.wait_for_selector(IDLE)
        return seconds
    finally:
        close_page(page)


def evaluate_in_new_tab(browser: Any, url: str, run_id: str) -> float:
    """Seconds to open Evaluate by its link in a fresh browser profile (cold HTTP cache)."""
    page = open_page(browser)
    try:
        start = time.perf_counter()
        page.goto(f"{url}/evaluate?run={run_id}")
        page.wait_for_selector(MATRIX)
        page.wait_for_selector(IDLE)
        return time.perf_counter() - start
    finally:
        close_page(page)


def cell_to_gallery(browser: Any, url: str, run_id: str) -> list[float]:
    """Seconds from a real click on a confusion cell to that cell's gallery titles on screen."""
    page = open_page(browser)
    try:
        page.goto(f"{url}/evaluate?run={run_id}")
        page.wait_for_selector(MATRIX)
        page.wait_for_selector(IDLE)
        seconds = []
        for truth, predicted in CELLS:
            position = page.evaluate(CELL_POSITION, [MATRIX, predicted, truth])
            page.mouse.move(position["x"], position["y"])  # Plotly selects the point under the hover
            page.wait_for_timeout(300)
            page.mouse.click(position["x"], position["y"])
            shown = page.wait_for_function(
                TITLES_SHOWN, arg=[GALLERY_TITLES, f"true {truth} / pred {predicted}"]
            )
            seconds.append((shown.json_value() - page.evaluate("window.__benchMouseUp")) / 1000)
            page.wait_for_selector(IDLE)
        return seconds
    finally:
        close_page(page)


def open_draw(browser: Any, url: str) -> Any:
    """The Draw page after one stroke, so that its model is loaded and warm."""
    page = open_page(browser)
    page.goto(f"{url}/draw")
    page.wait_for_selector(IDLE)
    stroke(page, canvas_box(page), [(0.42, 0.15), (0.40, 0.85)])
    page.locator(BARS).first.wait_for()
    page.wait_for_selector(IDLE)
    return page


STROKES = ([(0.42, 0.15), (0.58, 0.15)], [(0.58, 0.15), (0.60, 0.85)], [(0.30, 0.30), (0.70, 0.30)])


def stroke_to_probabilities(browser: Any, url: str) -> list[float]:
    """Seconds from releasing the mouse after a stroke to the script run with new probabilities
    finished, with the model already loaded."""
    page = open_draw(browser, url)
    try:
        seconds = []
        for points in STROKES:
            since = page.evaluate("performance.now()")
            stroke(page, canvas_box(page), points)
            done = page.wait_for_function(RUN_FINISHED_AFTER, arg=since).json_value()
            seconds.append((done - page.evaluate("window.__benchMouseUp")) / 1000)
        return seconds
    finally:
        close_page(page)


def memory_with_sessions(browser: Any, server: StreamlitServer, run_id: str, sessions: int) -> list[float]:
    """Server resident MB after each of ``sessions`` browser sessions opened Evaluate and Draw."""
    pages, resident = [], []
    try:
        for _ in range(sessions):
            evaluate = open_page(browser)
            evaluate.goto(f"{server.url}/evaluate?run={run_id}")
            evaluate.wait_for_selector(MATRIX)
            evaluate.wait_for_selector(IDLE)
            pages += [evaluate, open_draw(browser, server.url)]
            time.sleep(1.0)  # let the server settle after the last rerun
            resident.append(rss_mb(server.process.pid))
        return resident
    finally:
        for page in pages:
            close_page(page)


def summarise(values: list[float], digits: int = 2) -> tuple[float | None, str]:
    """The median and a note listing every repetition."""
    shown = ", ".join(f"{value:.{digits}f}" for value in values)
    return median(values), f"median of {len(values)}: {shown}"


def startup_figures(browser: Any, root: Path, repetitions: int) -> list[Figure]:
    """First page interactive after ``streamlit run``, and TensorFlow kept out of read-only pages."""
    name = "first page interactive after `streamlit run`"
    try:
        seconds, healthy, loaded = first_page_interactive(browser, root, repetitions)
    except Exception as error:
        return [
            not_measured(name, 3, "s", error),
            Figure("TensorFlow imported by Overview/Runs/Evaluate", None, note=str(error)[:140]),
        ]
    value, note = summarise(seconds)
    tensorflow = Figure(
        "TensorFlow imported by Overview/Runs/Evaluate",
        float(loaded),
        target="no",
        met=not loaded,
        shown="yes" if loaded else "no",
        note="libtensorflow in the server's /proc/PID/maps after visiting the three pages",
    )
    ready = median(healthy)
    note += f"; warm disk and browser cache; server answers its health check after {ready:.2f} s"
    return [at_most(name, value, 3, "s", note), tensorflow]


def server_figures(
    browser: Any, root: Path, run_id: str, dataset_mb: float, sessions: int = 3
) -> list[Figure]:
    """Evaluate render, cell click, canvas stroke and memory, on one running server."""
    server = StreamlitServer(root)
    try:
        warm = open_page(browser)  # the server's own first run (imports) is not a page view
        warm.goto(server.url)
        warm.wait_for_selector(IDLE)
        close_page(warm)
        figures = [
            measured(
                "Evaluate page rendered (10,000 predictions)",
                1.5,
                "s",
                lambda: evaluate_figure(browser, server.url, run_id),
            ),
            measured(
                "confusion-cell click to gallery",
                1.0,
                "s",
                lambda: summarise(cell_to_gallery(browser, server.url, run_id)),
            ),
            measured(
                "canvas stroke to new probabilities (warm model)",
                0.5,
                "s",
                lambda: summarise(stroke_to_probabilities(browser, server.url)),
            ),
        ]
        figures += memory_figures(browser, server, run_id, dataset_mb, sessions)
        return figures
    finally:
        server.stop()


def evaluate_figure(browser: Any, url: str, run_id: str) -> tuple[float | None, str]:
    value, note = summarise(evaluate_render(browser, url, 3))
    cold = evaluate_in_new_tab(browser, url, run_id)
    return value, f"from the sidebar, {note}; by its link in a fresh browser profile: {cold:.2f} s"


def memory_figures(
    browser: Any, server: StreamlitServer, run_id: str, dataset_mb: float, sessions: int
) -> list[Figure]:
    name = f"server resident memory, {sessions} sessions on Evaluate and Draw"
    try:
        resident = memory_with_sessions(browser, server, run_id, sessions)
    except Exception as error:
        return [not_measured(name, 1200, "MB", error)]
    growth = (resident[-1] - resident[0]) / max(1, len(resident) - 1)
    steps = " -> ".join(f"{value:.0f}" for value in resident)
    return [
        at_most(name, resident[-1], 1200, "MB", f"after 1..{sessions} sessions: {steps} MB"),
        at_most(
            "memory added per extra session (dataset held once)",
            growth,
            round(dataset_mb, 1),
            "MB",
            "a second copy of the uint8 dataset per session would add its size",
        ),
    ]


def browser_figures(root: Path, run_id: str | None, dataset_mb: float, repetitions: int = 3) -> list[Figure]:
    """All browser and memory figures; "not measured" ones when chromium or a page is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        return [Figure("browser responsiveness", None, note=f"playwright missing: {error}")]
    if not Path(CHROMIUM).exists():
        return [Figure("browser responsiveness", None, note="chromium is not installed (make browser-deps)")]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            figures = startup_figures(browser, root, repetitions)
            if run_id is None:
                return figures + [
                    Figure("Evaluate, gallery, canvas and memory", None, note="no finished run")
                ]
            return figures + server_figures(browser, root, run_id, dataset_mb)
        finally:
            browser.close()
