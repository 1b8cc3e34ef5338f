"""The Layers page under AppTest, for each model family, checked against the model itself."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from fmnist_core.data import CLASS_NAMES, load_fashion_mnist, to_model_input
from fmnist_core.drawing.drawing import preprocess_photo
from fmnist_core.inspection import layer_ranking, layers
from fmnist_core.models.inference import load_run_model
from fmnist_core.runs import runs
from fmnist_ui.layers import inputs as layers_input
from fmnist_ui.shared import drawing_state, loaders
from tests.conftest import train_tiny_run

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "layers.py")


def run_id_of(model: str) -> str:
    return next(record.id for record in runs.list_runs() if record.model == model)


def open_page(model: str | None = None, *, korean: bool = False, **query: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    if korean:
        at.query_params["lang"] = "ko"
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if model:
        at.selectbox(key="layers_run").set_value(run_id_of(model)).run()
        assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> list[str]:
    return [caption for image in at.get("image") for caption in image.captions]


def texts(at: AppTest) -> str:
    return "\n".join(element.value for kind in ("markdown", "caption") for element in at.get(kind))


def dataset_images(index: int | slice) -> np.ndarray:
    return to_model_input(load_fashion_mnist().x_test[index])


def assert_map_captions(at: AppTest, model_id: str, image: np.ndarray) -> None:
    """One picture per convolution and pooling layer, captioned with that layer's range on this image."""
    probe = layers.map_probe(load_run_model(runs.run_path(model_id)))
    outputs = probe.outputs(image[None])
    expected = [
        f"{shape[-1]} maps, values {output.min():.3g} to {output.max():.3g}"
        for shape, output in zip(probe.shapes, outputs, strict=True)
    ]
    assert [caption for caption in captions(at) if " maps, values " in caption] == expected


def test_cnn_shows_feature_maps_filters_top9_offer_and_summary(seeded_artifacts: Path) -> None:
    at = open_page("cnn")
    run_id = run_id_of("cnn")
    assert_map_captions(at, run_id, dataset_images(0))
    label = CLASS_NAMES[int(load_fashion_mnist().y_test[0])]
    assert f"Test image 0: a {label}" in captions(at)
    assert "**conv2d** · output 28 × 28 × 32" in texts(at)
    assert "The 32 kernels of conv2d (3 × 3 pixels each)" in texts(at)
    assert any(button.label == "Rank the test images" for button in at.button)
    model = load_run_model(runs.run_path(run_id)).model
    (table,) = at.table
    frame = table.value
    assert frame["Parameters"].tolist() == [
        f"{layer.count_params():,}" for layer in model.layers if type(layer).__name__ != "InputLayer"
    ]
    assert f"Total parameters: **{model.count_params():,}**" in texts(at)
    assert at.query_params["test_index"] == "0" and at.query_params["run"] == run_id

    at.number_input(key=layers_input.TEST_INDEX).set_value(42).run()  # another image, other maps
    assert not at.exception, at.exception
    assert_map_captions(at, run_id, dataset_images(42))
    assert at.query_params["test_index"] == "42"


def test_a_gallery_link_opens_its_test_image_and_a_bad_one_is_explained(seeded_artifacts: Path) -> None:
    run_id = run_id_of("cnn")
    at = open_page(run=run_id, test_index="123")
    assert at.selectbox(key="layers_run").value == run_id
    assert at.number_input(key=layers_input.TEST_INDEX).value == 123
    assert_map_captions(at, run_id, dataset_images(123))

    at = open_page(run=run_id, test_index="10000")
    assert "numbered 0 to 9,999" in at.error[0].value
    assert at.number_input(key=layers_input.TEST_INDEX).value == 0  # the page still works


def test_cnn_top9_shows_the_stored_ranking(seeded_artifacts: Path) -> None:
    run_id = run_id_of("cnn")
    folder = runs.run_path(run_id)
    probe = layers.map_probe(load_run_model(folder))
    layer_ranking.save_tops(folder, layer_ranking.rank_channels(probe, dataset_images(slice(0, 100))))
    second_conv = probe.names[2]  # Keras numbers layer names per process: do not spell one out
    at = open_page("cnn")
    at.selectbox(key="layers_top9_layer").set_value(second_conv).run()
    at.number_input(key="layers_top9_channel").set_value(7).run()
    assert not at.exception, at.exception
    indices, values = layer_ranking.load_tops(folder).top(second_conv, 7)
    labels = load_fashion_mnist().y_test
    top9 = [caption for caption in captions(at) if caption.startswith("#")]
    assert top9 == [
        f"#{i} {CLASS_NAMES[int(labels[i])]} · {v:.3f}" for i, v in zip(indices, values, strict=True)
    ]


def test_mlp_shows_weight_images_and_its_most_active_units(seeded_artifacts: Path) -> None:
    at = open_page("mlp")
    run_model = load_run_model(runs.run_path(run_id_of("mlp")))
    activations = layers.dense_probe(run_model).outputs(dataset_images(0)[None])[0][0]
    (chart,) = at.get("plotly_chart")
    bars = json.loads(chart.proto.spec)["data"][0]
    order = np.argsort(-activations, kind="stable")[:20]
    assert bars["y"] == [f"unit {unit}" for unit in order]
    np.testing.assert_allclose(bars["x"], activations[order], rtol=1e-5)
    assert [caption for caption in captions(at) if caption.startswith("unit ")] == [
        f"unit {unit} · {activations[unit]:.3g}" for unit in order[:8]
    ]
    assert "Every unit's 28 × 28 weights" in texts(at)
    assert not [caption for caption in captions(at) if " maps, values " in caption]  # no feature maps
    assert "Rank the test images" not in [button.label for button in at.button]


def test_a_scikit_learn_run_is_refused_politely(seeded_artifacts: Path) -> None:
    train_tiny_run(seeded_artifacts, "sgd")
    at = open_page("sgd")
    assert "is a scikit-learn model (sgd), so it has no layers to show" in at.info[0].value
    assert not at.get("image") and not at.table


def test_a_run_whose_model_file_is_missing_says_so(seeded_artifacts: Path) -> None:
    (runs.run_path(run_id_of("cnn")) / "model.keras").unlink()
    loaders.load_run_model.clear()  # earlier tests cached this run id's model (the copies share ids)
    at = open_page("cnn")
    assert "This run's model cannot be used" in at.error[0].value
    assert "no saved model" in at.error[0].value
    assert not at.get("image")


def test_the_current_drawing_is_looked_through(seeded_artifacts: Path) -> None:
    at = open_page("cnn")
    at.radio(key=layers_input.SOURCE).set_value(layers_input.DRAWING).run()
    assert "Nothing is drawn yet" in at.info[0].value
    drawing = np.zeros((28, 28), np.float32)
    drawing[2:26, 9:19] = 1.0  # a trouser-like bar
    at.session_state[drawing_state.CURRENT_DRAWING] = drawing
    at.run()
    assert not at.exception, at.exception
    assert "Your current drawing (from the Draw page)" in captions(at)
    assert_map_captions(at, run_id_of("cnn"), drawing)
    assert "test_index" not in at.query_params


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_picture_is_framed_like_draws_and_a_broken_file_refused(seeded_artifacts: Path) -> None:
    at = open_page("cnn")
    at.radio(key=layers_input.SOURCE).set_value(layers_input.UPLOAD).run()
    assert "Upload a picture" in at.info[0].value
    photo = np.full((200, 160, 3), 255, np.uint8)
    photo[20:180, 50:110] = 40  # a dark item on white
    at.file_uploader(key="layers_upload").set_value(("item.png", png_bytes(photo), "image/png")).run()
    assert not at.exception, at.exception
    assert "Your picture (item.png) as the model sees it" in captions(at)
    assert_map_captions(at, run_id_of("cnn"), preprocess_photo(photo))

    at.file_uploader(key="layers_upload").set_value(("fake.png", b"not a picture", "image/png")).run()
    assert "This file cannot be used" in at.error[0].value
    assert not [caption for caption in captions(at) if " maps, values " in caption]


def imported_model(kind: str, path: Path) -> Path:
    """A small functional model saved as .keras: with a convolution, with pooling only, or with
    neither feature maps nor a Dense layer reading the 784 pixels."""
    import keras

    inputs = keras.Input((28, 28))
    if kind == "conv":
        hidden = keras.layers.Reshape((28, 28, 1))(inputs)
        hidden = keras.layers.AveragePooling2D(2)(keras.layers.Conv2D(4, 3, activation="relu")(hidden))
    elif kind == "pooling":  # maps, but no convolution: no filters to show
        hidden = keras.layers.MaxPooling2D(2)(keras.layers.Reshape((28, 28, 1))(inputs))
    else:  # a Dense layer over rows of 56 values: neither maps nor 28 x 28 weight images
        hidden = keras.layers.Dense(8)(keras.layers.Reshape((14, 56))(inputs))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(hidden))
    keras.Model(inputs, outputs).save(path)
    return path


@pytest.mark.parametrize("kind", ["conv", "pooling", "neither"])
def test_imported_models_get_the_views_their_layers_allow(
    seeded_artifacts: Path, tmp_path: Path, kind: str
) -> None:
    from fmnist_core.models.importing import import_keras_model

    folder = import_keras_model(imported_model(kind, tmp_path / f"{kind}.keras"), seeded_artifacts)
    at = open_page(run=folder.name)
    assert at.selectbox(key="layers_run").value == folder.name
    maps = [caption for caption in captions(at) if " maps, values " in caption]
    if kind == "conv":
        assert_map_captions(at, folder.name, dataset_images(0))
        assert len(maps) == 2 and "The 4 kernels of" in texts(at)
    elif kind == "pooling":
        assert_map_captions(at, folder.name, dataset_images(0))
        assert len(maps) == 1 and "kernels of" not in texts(at)
    else:
        assert not maps
        assert "has no convolution layer and no Dense layer reading the 784 pixels" in at.info[0].value
    model = load_run_model(folder).model
    assert f"Total parameters: **{model.count_params():,}**" in texts(at)
