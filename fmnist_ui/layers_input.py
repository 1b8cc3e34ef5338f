"""The Layers page's inputs: the run (shared with Evaluate and Draw) and the image to look through.

The image is a test image (random, typed, or named by a link such as
``/layers?run=<id>&test_index=<i>`` from the Evaluate gallery), the Draw page's current drawing
(session key `draw_canvas.CURRENT_DRAWING`), or an uploaded picture (Draw's preprocessing and refusals).
Session-state keys start with ``layers_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from fmnist_core import drawing
from fmnist_core.data import CLASS_NAMES, to_model_input
from fmnist_core.models import REGISTRY
from fmnist_core.runs import RunRecord
from fmnist_ui import draw_canvas, loaders, run_choice

SOURCE = "layers_source"
TEST_INDEX = "layers_test_index"
LINK_SEEN = "layers_link_seen"  # the URL's test_index already applied (a rerun must not undo a pick)
URL_INDEX = "test_index"
TEST, DRAWING, UPLOAD = "A test image", "The current drawing", "An uploaded picture"
SOURCES = (TEST, DRAWING, UPLOAD)


@dataclass(frozen=True)
class ChosenImage:
    """The (28, 28) float32 model input and a caption saying what it is."""

    image: np.ndarray
    caption: str


def pick_run(records: list[RunRecord]) -> RunRecord | None:
    """The shared run picker; None (with a hint) when no run has finished."""
    if not records:
        st.info(
            "No finished runs yet. Train a Keras model on the **Train** page first (a CNN shows the most "
            "here), then come back to look inside it.",
            icon=":material/info:",
        )
        return None
    return run_choice.pick_run(
        records,
        "layers_run",
        run_choice.most_accurate,
        label="Model run",
        help="The finished run whose layers you look into. The run picked here, on Evaluate or on Draw "
        "stays chosen on all three.",
    )


def is_sklearn(record: RunRecord) -> bool:
    """True for scikit-learn runs, known from the registry without loading their model."""
    spec = REGISTRY.get(record.model)
    return spec is not None and spec.family == "sklearn"


def apply_link(num_test: int) -> None:
    """Opens the test image named by ``?test_index=`` once; a bad value is explained and ignored."""
    requested = st.query_params.get(URL_INDEX)
    if requested is None or requested == st.session_state.get(LINK_SEEN):
        return
    st.session_state[LINK_SEEN] = requested
    if not requested.isdigit() or int(requested) >= num_test:
        st.error(
            f"The link asks for test image {requested!r}, but test images are numbered 0 to "
            f"{num_test - 1:,}. Pick one below.",
            icon=":material/link_off:",
        )
        return
    st.session_state[SOURCE] = TEST
    st.session_state[TEST_INDEX] = int(requested)


def _random_test_image() -> None:
    num_test = len(loaders.load_dataset().y_test)
    st.session_state[TEST_INDEX] = int(np.random.default_rng().integers(num_test))


def choose_image() -> ChosenImage | None:
    """The source radio and its control; returns the chosen image, or None (with a message)."""
    dataset = loaders.load_dataset()
    num_test = len(dataset.y_test)
    st.session_state.setdefault(TEST_INDEX, 0)
    apply_link(num_test)
    source = st.radio("Image", SOURCES, horizontal=True, key=SOURCE)
    if source == TEST:
        return _test_image(dataset, num_test)
    st.query_params.pop(URL_INDEX, None)  # the URL names a test image only while one is shown
    if source == DRAWING:
        image = st.session_state.get(draw_canvas.CURRENT_DRAWING)
        if image is None:
            st.info(
                "Nothing is drawn yet. Draw a garment on the **Draw** page, then come back: the Layers "
                "page shows your current drawing as the model sees it.",
                icon=":material/draw:",
            )
            st.page_link("pages/draw.py", label="Go to Draw", icon=":material/draw:")
            return None
        return ChosenImage(image, "Your current drawing (from the Draw page)")
    return _uploaded_image()


def _uploaded_image() -> ChosenImage | None:
    """A picture checked and framed like the Draw page's uploads (same refusals)."""
    uploaded = st.file_uploader(
        "A photo or picture of one garment (PNG, JPEG, WebP, GIF or BMP)",
        type=["png", "jpg", "jpeg", "webp", "gif", "bmp"],
        key="layers_upload",
    )
    if uploaded is None:
        st.info("Upload a picture to see what the model's layers make of it.", icon=":material/upload:")
        return None
    try:
        image = drawing.preprocess_photo(drawing.load_image(uploaded.getvalue()))
    except drawing.ImageError as error:  # the browser's type filter is no check: validate here
        st.error(f"**This file cannot be used.** {error}", icon=":material/error:")
        return None
    if image is None:
        st.warning(
            "No garment stands out from the background of this picture. Use a photo of one item on a "
            "plain background of a different colour.",
            icon=":material/warning:",
        )
        return None
    return ChosenImage(image, f"Your picture ({uploaded.name}) as the model sees it")


def _test_image(dataset, num_test: int) -> ChosenImage:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        index = int(
            st.number_input(
                f"Test image (0 to {num_test - 1:,})", 0, num_test - 1, step=1, key=TEST_INDEX, width=200
            )
        )
        st.button(
            "Random test image", key="layers_random", icon=":material/casino:", on_click=_random_test_image
        )
    st.query_params[URL_INDEX] = st.session_state[LINK_SEEN] = str(index)
    label = CLASS_NAMES[int(dataset.y_test[index])]
    return ChosenImage(to_model_input(dataset.x_test[index]), f"Test image {index}: a {label}")
