"""The Draw page with the canvas patched: predictions, the empty prompt, uploads, test images."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_core import runs
from fmnist_core.data import CLASS_NAMES
from fmnist_ui import draw_canvas

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "draw.py")


def drawn_rectangle() -> np.ndarray:
    """What the canvas returns after drawing a filled rectangle: dark ink on white, RGBA."""
    canvas = np.full((draw_canvas.CANVAS_SIZE, draw_canvas.CANVAS_SIZE, 4), 255, dtype=np.uint8)
    canvas[120:330, 70:320, :3] = 0
    return canvas


def open_page(monkeypatch: pytest.MonkeyPatch, canvas: np.ndarray | None) -> AppTest:
    monkeypatch.setattr(draw_canvas, "canvas_image", lambda **_: canvas)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def bar_charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def markdown_text(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def assert_probability_bars(figure: dict) -> None:
    bars = figure["data"][0]
    assert bars["type"] == "bar" and tuple(bars["y"]) == CLASS_NAMES
    assert sum(bars["x"]) == pytest.approx(1.0, abs=1e-4)
    top = int(np.argmax(bars["x"]))
    colours = bars["marker"]["color"]
    assert len(set(colours)) == 2 and colours.count(colours[top]) == 1  # only the top class stands out


def test_a_drawing_gets_probability_bars(seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    charts = bar_charts(at)
    assert len(charts) == 1
    assert_probability_bars(charts[0])
    assert "The model says" in markdown_text(at)
    assert not any("Draw a garment on the canvas" in info.value for info in at.info)
    captions = " ".join(caption.value for caption in at.caption)
    assert "Grad-CAM" in captions or "Gradient × input" in captions


@pytest.mark.parametrize(
    "canvas", [None, np.full((392, 392, 4), 255, np.uint8)], ids=["untouched", "cleared"]
)
def test_an_empty_canvas_shows_a_prompt_not_a_prediction(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch, canvas: np.ndarray | None
) -> None:
    at = open_page(monkeypatch, canvas)
    assert any("Draw a garment on the canvas" in info.value for info in at.info)
    assert not at.get("plotly_chart")
    assert "The model says" not in markdown_text(at)


@pytest.mark.parametrize(("model", "method"), [("cnn", "Grad-CAM"), ("mlp", "Gradient × input")])
def test_each_model_family_gets_its_saliency_map(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch, model: str, method: str
) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    run_id = next(record["id"] for record in runs.list_runs() if record["model"] == model)
    at.selectbox(key="draw_run").set_value(run_id).run()
    assert not at.exception, at.exception
    assert any(method in caption.value for caption in at.caption)


def test_an_uploaded_non_image_is_refused_clearly(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value(("garment.png", b"this is not an image", "image/png")).run()
    assert not at.exception, at.exception
    assert any("not a supported image" in error.value for error in at.error)
    assert not at.get("plotly_chart")


def test_an_uploaded_photo_is_judged(seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photo = Image.new("RGB", (300, 200), (230, 230, 220))
    photo.paste((40, 60, 90), (60, 40, 240, 170))  # a dark item on a light background
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG")
    at = open_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value(("photo.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert not at.exception, at.exception
    assert not at.error
    charts = bar_charts(at)
    assert len(charts) == 1
    assert_probability_bars(charts[0])


def test_a_test_image_of_a_chosen_class(seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    at.selectbox(key="draw_test_class").set_value("Sneaker").run()
    at.button(key="draw_test_pick").click().run()
    assert not at.exception, at.exception
    assert "it really is **Sneaker**" in markdown_text(at)
    charts = bar_charts(at)
    assert len(charts) == 2  # the drawing's and the test image's
    for figure in charts:
        assert_probability_bars(figure)


def test_compare_all_runs_lists_every_finished_run(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    at.toggle(key="draw_compare_all").set_value(True).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == 2 and table["1st"].isin(CLASS_NAMES).all()
    assert (table["1st %"] >= table["2nd %"]).all() and (table["2nd %"] >= table["3rd %"]).all()


def test_clear_gives_a_new_canvas(seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list[str] = []
    monkeypatch.setattr(draw_canvas, "canvas_image", lambda **kwargs: keys.append(kwargs["key"]))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    at.button(key="draw_clear").click().run()
    assert not at.exception, at.exception
    assert keys[0] != keys[-1]


def test_no_runs_yet_points_to_training(artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    assert any("No finished runs yet" in info.value for info in at.info)
    assert not at.get("plotly_chart")


def test_the_page_modules_do_not_start_tensorflow() -> None:
    """TensorFlow starts only when a Keras run's model is loaded, not when the page is imported."""
    code = (
        "import sys\nimport fmnist_ui.draw_view, fmnist_ui.draw_analysis, fmnist_ui.loaders\n"
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
