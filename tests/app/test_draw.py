"""The Draw page with the canvas patched: predictions, the empty prompt, uploads, test images.

What the page shows is checked against an independent computation: the run's ``model.keras``
loaded straight with Keras, predicting the preprocessed image.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_core.data import CLASS_NAMES, load_fashion_mnist
from fmnist_core.drawing.drawing import preprocess_drawing, preprocess_photo
from fmnist_core.runs import runs
from fmnist_ui.draw import canvas as draw_canvas
from fmnist_ui.draw import plots as draw_plots
from fmnist_ui.shared import training as shared_training

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "draw.py")
PROMPT = "Draw a garment on the canvas"
DRAWING_CAPTION = "Your drawing, as the model sees it (28 × 28)"


def drawn_rectangle() -> np.ndarray:
    """What the canvas returns after drawing a filled rectangle: dark ink on white, RGBA."""
    canvas = np.full((draw_canvas.CANVAS_SIZE, draw_canvas.CANVAS_SIZE, 4), 255, dtype=np.uint8)
    canvas[100:300, 60:280, :3] = 0
    return canvas


def open_page(monkeypatch: pytest.MonkeyPatch, canvas: np.ndarray | None) -> AppTest:
    monkeypatch.setattr(draw_canvas, "canvas_image", lambda **_: canvas)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def choose_run(at: AppTest, model: str) -> str:
    """Picks the run of ``model`` in the page's run picker; returns its id."""
    run_id = next(record.id for record in runs.list_runs() if record.model == model)
    at.selectbox(key="draw_run").set_value(run_id).run()
    assert not at.exception, at.exception
    return run_id


def keras_probabilities(run_id: str, image: np.ndarray) -> np.ndarray:
    """Reference: the run's model file loaded with Keras alone, predicting one (28, 28) image."""
    import keras

    model = keras.saving.load_model(runs.run_path(run_id) / "model.keras", compile=False)
    batch = image[None] if len(model.input_shape) == 3 else image[None, ..., None]
    return np.asarray(model.predict(batch, verbose=0))[0]


def bar_charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def markdown_text(at: AppTest) -> str:
    return "\n".join(element.value for element in at.markdown)


def image_captions(at: AppTest) -> list[str]:
    return [caption for image in at.get("image") for caption in image.captions]


def assert_bars_show(figure: dict, expected: np.ndarray) -> None:
    """The bars are exactly these probabilities, in class order, with only the top one highlighted."""
    bars = figure["data"][0]
    assert bars["type"] == "bar" and tuple(bars["y"]) == CLASS_NAMES
    np.testing.assert_allclose(bars["x"], expected, rtol=0, atol=1e-6)
    top = int(np.argmax(expected))
    assert [colour == draw_plots.TOP_COLOUR for colour in bars["marker"]["color"]] == [
        index == top for index in range(len(CLASS_NAMES))
    ]


def verdict(probabilities: np.ndarray) -> str:
    top = int(np.argmax(probabilities))
    return f"The model says **{CLASS_NAMES[top]}** ({probabilities[top]:.0%})"


@pytest.mark.parametrize(("model", "method"), [("cnn", "Grad-CAM"), ("mlp", "Gradient × input")])
def test_a_drawing_gets_the_chosen_runs_probabilities_and_saliency(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch, model: str, method: str
) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    run_id = choose_run(at, model)
    expected = keras_probabilities(run_id, preprocess_drawing(drawn_rectangle(), fill_holes=True))
    (figure,) = bar_charts(at)
    assert_bars_show(figure, expected)
    assert verdict(expected) in markdown_text(at)
    top = CLASS_NAMES[int(np.argmax(expected))]
    analysis = [caption for caption in image_captions(at) if not caption.startswith("Test image")]
    assert analysis == [DRAWING_CAPTION, f"{method}: what drove {top}"]
    assert not any(PROMPT in info.value for info in at.info)


@pytest.mark.parametrize(
    "canvas",
    [None, np.full((draw_canvas.CANVAS_SIZE, draw_canvas.CANVAS_SIZE, 4), 255, np.uint8)],
    ids=["untouched", "cleared"],
)
def test_an_empty_canvas_shows_a_prompt_not_a_prediction(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch, canvas: np.ndarray | None
) -> None:
    at = open_page(monkeypatch, canvas)
    assert any(PROMPT in info.value for info in at.info)
    assert not at.get("plotly_chart")
    assert not at.get("image")
    assert "The model says" not in markdown_text(at)


def test_the_hint_next_to_the_canvas_says_how_to_draw(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, None)
    (hint,) = [caption.value for caption in at.caption if "point left" in caption.value]
    assert "filled silhouette" in hint and "filling the canvas" in hint


def test_an_uploaded_non_image_is_refused_clearly(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value(("garment.png", b"this is not an image", "image/png")).run()
    assert not at.exception, at.exception
    assert any("not a supported image" in error.value for error in at.error)
    assert not at.get("plotly_chart")


def test_an_uploaded_photo_gets_the_chosen_runs_probabilities(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = Image.new("RGB", (300, 200), (230, 230, 220))
    photo.paste((40, 60, 90), (60, 40, 240, 170))  # a dark item on a light background
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG")
    at = open_page(monkeypatch, None)
    run_id = choose_run(at, "cnn")
    at.file_uploader(key="draw_upload").set_value(("photo.jpg", buffer.getvalue(), "image/jpeg")).run()
    assert not at.exception, at.exception
    assert not at.error
    decoded = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGBA"))
    (figure,) = bar_charts(at)
    assert_bars_show(figure, keras_probabilities(run_id, preprocess_photo(decoded)))


def test_a_test_image_of_a_chosen_class_sits_next_to_the_drawing(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    run_id = choose_run(at, "mlp")
    at.selectbox(key="draw_test_class").set_value("Sneaker").run()
    at.button(key="draw_test_pick").click().run()
    assert not at.exception, at.exception
    side_by_side = at.get("image")[0].captions
    assert side_by_side[0] == DRAWING_CAPTION
    match = re.fullmatch(r"A real Sneaker \(test image (\d+)\)", side_by_side[1])
    assert match, side_by_side
    dataset = load_fashion_mnist()
    index = int(match.group(1))
    assert CLASS_NAMES[dataset.y_test[index]] == "Sneaker"
    expected = keras_probabilities(run_id, dataset.x_test[index].astype(np.float32) / 255.0)
    assert f"{verdict(expected)} · it really is **Sneaker**" in markdown_text(at)
    _, test_bars = bar_charts(at)
    assert_bars_show(test_bars, expected)


def test_compare_all_runs_lists_every_finished_runs_top_3(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, drawn_rectangle())
    at.toggle(key="draw_compare_all").set_value(True).run()
    assert not at.exception, at.exception
    image = preprocess_drawing(drawn_rectangle(), fill_holes=True)
    expected = {}
    for record in runs.list_runs():
        probabilities = keras_probabilities(record.id, image)
        top3 = np.argsort(probabilities)[::-1][:3]
        expected[record.label] = [f"{CLASS_NAMES[i]} {probabilities[i]:.0%}" for i in top3]
    table = at.table[0].value
    assert list(table.columns) == ["Run", "1st", "2nd", "3rd"]
    shown = {row["Run"]: [row["1st"], row["2nd"], row["3rd"]] for row in table.to_dict("records")}
    assert shown == expected


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
        "import sys\nimport fmnist_ui.draw.view, fmnist_ui.draw.analysis, fmnist_ui.shared.loaders\n"
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_drawing_shows_its_three_nearest_test_images(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The look-alikes are the 3 test images nearest to the drawing's features, as the core finds them."""
    from fmnist_core.inspection import features, projection
    from fmnist_core.models import inference

    at = open_page(monkeypatch, drawn_rectangle())
    run_id = choose_run(at, "cnn")
    folder = runs.run_path(run_id)
    image = preprocess_drawing(drawn_rectangle(), fill_holes=True)
    drawn = features.extract_features(inference.load_run_model(folder), image[None])
    expected = projection.nearest_test_images(features.load_features(folder), drawn, 3)[0]
    labels = load_fashion_mnist().y_test
    captions = [caption for caption in image_captions(at) if caption.startswith("Test image")]
    assert captions == [f"Test image {i}: {CLASS_NAMES[labels[i]]}" for i in expected]


# ---------------------------------------------------------------- the model for drawings

RECOMMENDATION = "Drawings are recognised best by `cnn_draw`"


def recommended(at: AppTest) -> bool:
    return any(RECOMMENDATION in info.value for info in at.info)


def test_without_a_cnn_draw_run_the_page_recommends_it_and_its_button_starts_it(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmnist_core.training import TrainingConfig

    launched: list[TrainingConfig] = []

    def fake_launch(config: TrainingConfig) -> str:
        launched.append(config)
        return runs.create_run(config.model, config.to_dict(), pid=os.getpid()).name

    monkeypatch.setattr(shared_training, "launch_training", fake_launch)
    at = open_page(monkeypatch, None)
    assert recommended(at)
    at.button(key="draw_train_model").click().run()
    assert not at.exception, at.exception
    assert launched == [TrainingConfig.for_model("cnn_draw")]
    (started,) = [success.value for success in at.success]
    run_id = next(record.id for record in runs.list_runs() if record.model == "cnn_draw")
    assert run_id in started and "Train page" in started
    at.run()  # while it trains: said so, and no second button
    assert recommended(at)
    assert any(run_id in caption.value and "training now" in caption.value for caption in at.caption)
    assert not [button for button in at.button if button.key == "draw_train_model"]


def test_the_recommendations_button_says_when_another_run_is_training(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fmnist_core.training import TrainingConfig

    config = TrainingConfig.for_model("mlp", epochs=1).to_dict()
    busy = runs.create_run(
        "mlp",
        config,
        status="running",
        pid=os.getpid(),
        started_at=runs.now_iso(),
        heartbeat_at=runs.now_iso(),
    )
    at = open_page(monkeypatch, None)
    at.button(key="draw_train_model").click().run()
    assert not at.exception, at.exception
    (error,) = [error.value for error in at.error]
    assert "cnn_draw could not be started" in error and busy.name in error and "already training" in error
    assert not any(record.model == "cnn_draw" for record in runs.list_runs())


def test_a_finished_cnn_draw_run_is_picked_and_not_recommended_again(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import train_tiny_run

    folder = train_tiny_run(seeded_artifacts, "cnn_draw")
    at = open_page(monkeypatch, drawn_rectangle())
    assert not recommended(at)
    assert at.selectbox(key="draw_run").value == folder.name  # preferred over the more accurate cnn
    cnn = next(record.id for record in runs.list_runs() if record.model == "cnn")
    at.selectbox(key="draw_run").set_value(cnn).run()
    at.run()
    assert at.selectbox(key="draw_run").value == cnn  # the user's choice stays


def test_with_no_runs_at_all_the_page_recommends_cnn_draw(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(monkeypatch, None)
    assert recommended(at) and any("No finished runs yet" in info.value for info in at.info)
