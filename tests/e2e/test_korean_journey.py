"""Real browser, in Korean: a new learner trains a tiny run, refuses a bad model file, clicks a
cell of the confusion matrix, draws a stroke, refuses an odd picture and looks inside the layers,
and no page shows an English text of the catalog or an English class name. Switching the language
keeps the page, the chosen run and the form's values."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fmnist_core.runs import runs
from tests.app.korean import english_in
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_choices_journey import choose
from tests.e2e.test_draw_journey import BARS, TROUSER_STROKES, canvas_box, stroke
from tests.e2e.test_evaluate_journey import CELL_POSITION, MATRIX, seeded_runs

pytestmark = pytest.mark.e2e

# Streamlit's own frame (main menu, "Running..." status, deploy button) is not the app's text, and
# code (the tutorials' listings, identifiers) reads the same in both languages.
VISIBLE_TEXTS = """() => {
    const chrome = '[data-testid="stToolbar"], [data-testid="stStatusWidget"], [data-testid="stHeader"], '
        + '[data-testid="stDecoration"], script, style, noscript, pre, code';  // code is code in both
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const texts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        const parent = node.parentElement;
        if (!text || !parent || parent.closest(chrome)) continue;
        if (!parent.getClientRects().length || getComputedStyle(parent).visibility === "hidden") continue;
        texts.push(text);
    }
    return texts;
}"""


def visible_texts(page) -> list[str]:
    """Every visible text node of the page and of its frames (the map and the canvas are iframes)."""
    texts: list[str] = []
    for frame in page.frames:
        try:
            texts.extend(frame.evaluate(VISIBLE_TEXTS))
        except Exception:  # noqa: BLE001 - a frame that navigated away has nothing to show
            continue
    return texts


def assert_korean(page, name: str, identifiers: tuple[str, ...] = ()) -> None:
    """No visible English catalog text or class name (apart from ``identifiers``, names that are
    code in both languages); a screenshot to look at."""
    wait_idle(page)
    page.wait_for_timeout(700)  # charts draw after the script run ends
    screenshot(page, f"ko_{name}")
    leftovers = english_in([text for text in visible_texts(page) if text not in identifiers])
    assert leftovers == [], (name, leftovers)


def open_page(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    wait_idle(page)


def switch_language(page, name: str) -> None:
    page.locator(".st-key-lang").get_by_role("radio", name=name, exact=True).click()
    wait_idle(page)


def set_field(page, key: str, value: int) -> None:
    field = page.locator(f".st-key-{key} input")
    expect(field).to_have_count(1, timeout=15_000)  # a model change briefly shows both forms
    field.fill(str(value))
    field.press("Enter")
    wait_idle(page)


def wait_for_new_run(root: Path, before: set[str], timeout: float = 240) -> runs.RunRecord:
    """The run started after ``before`` was listed, once it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [record for record in runs.list_runs(root) if record.id not in before]
        if new and new[0].status in runs.FINAL_STATUSES:
            return new[0]
        time.sleep(1)
    raise AssertionError("the tiny run did not finish")


def test_a_korean_journey_through_every_page(server, seeded_artifacts: Path, page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 2000})
    page.goto(f"{server.url}/?lang=ko")
    wait_idle(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="학습", exact=True).wait_for()
    assert_korean(page, "overview")

    open_page(page, "학습")  # a tiny run: 1 epoch of 600 images
    choose(page, "train_model", "mlp")
    set_field(page, "train_mlp_epochs", 1)
    set_field(page, "train_mlp_train_samples", 600)
    before = {record.id for record in runs.list_runs(seeded_artifacts)}
    page.locator(".st-key-train_start button").click()
    wait_idle(page)
    finished = wait_for_new_run(seeded_artifacts, before)
    assert finished.model == "mlp" and finished.config["epochs"] == 1
    page.reload()
    assert_korean(page, "train")

    set_field(page, "train_mlp_epochs", 7)  # the language switch keeps the page and the form
    switch_language(page, "English")
    expect(page).to_have_url(re.compile(r"/train\?.*lang=en"))
    expect(page.locator(".st-key-train_mlp_epochs input")).to_have_value("7")
    page.get_by_role("button", name="Train", exact=True).wait_for()
    switch_language(page, "한국어")
    expect(page).to_have_url(re.compile(r"/train\?.*lang=ko"))
    expect(page.locator(".st-key-train_mlp_epochs input")).to_have_value("7")

    open_page(page, "튜토리얼")
    assert_korean(page, "tutorials")

    open_page(page, "실행 기록")  # a file that is not a Keras model is refused, in Korean
    bad = tmp_path / "not_a_model.keras"
    bad.write_bytes(b"this is not a zip archive")
    page.locator(".st-key-runs_upload_0 input[type=file]").set_input_files(str(bad))
    wait_idle(page)
    page.locator(".st-key-runs_import button").click()
    wait_idle(page)
    refusal = page.locator('[data-testid="stAlert"]').last
    expect(refusal).to_contain_text("모델")
    assert_korean(page, "runs_refused_upload")

    open_page(page, "스윕")
    assert_korean(page, "sweep")

    ids = seeded_runs(seeded_artifacts)
    page.goto(f"{server.url}/evaluate?lang=ko&run={ids['cnn']}")
    wait_idle(page)
    page.wait_for_selector(MATRIX)
    page.wait_for_timeout(500)
    position = page.evaluate(CELL_POSITION, [MATRIX, "티셔츠/탑", "셔츠"])
    page.mouse.move(position["x"], position["y"])
    page.wait_for_timeout(300)
    page.mouse.click(position["x"], position["y"])
    page.locator(".st-key-evaluate_gallery_chart .js-plotly-plot").first.wait_for()
    assert_korean(page, "evaluate_gallery")
    for tab in page.get_by_role("tab").all()[1:]:
        tab.click()
        assert_korean(page, f"evaluate_tab_{tab.inner_text().strip()}")

    switch_language(page, "English")  # the chosen run stays chosen
    expect(page).to_have_url(
        re.compile(rf"/evaluate\?.*run={ids['cnn']}.*lang=en|/evaluate\?.*lang=en.*run={ids['cnn']}")
    )
    switch_language(page, "한국어")

    open_page(page, "그리기")
    stroke(page, canvas_box(page), TROUSER_STROKES[0])
    page.locator(BARS).first.wait_for(timeout=60_000)
    assert_korean(page, "draw_stroke")
    page.get_by_role("tab").nth(1).click()  # the upload tab
    wait_idle(page)
    odd = tmp_path / "garment.png"
    odd.write_bytes(b"GIF89a but not really a picture")
    page.locator(".st-key-draw_upload input[type=file]").set_input_files(str(odd))
    wait_idle(page)
    expect(page.locator('[data-testid="stAlert"]').last).to_be_visible()
    assert_korean(page, "draw_refused_upload")

    open_page(page, "레이어")
    assert_korean(page, "layers", identifiers=("dropout", "Dropout"))  # a Keras layer's name and class
