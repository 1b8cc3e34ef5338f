"""The Layers page's inputs: the run (shared with Evaluate and Draw) and the image to look through.

The image is a test image (random, typed, or named by a link such as
``/layers?run=<id>&test_index=<i>`` from the Evaluate gallery), the Draw page's current drawing
(session key `drawing_state.CURRENT_DRAWING`), or an uploaded picture (Draw's preprocessing and refusals).
Session-state keys start with ``layers_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from fmnist_core.data import to_model_input
from fmnist_core.drawing import drawing
from fmnist_core.models.models import REGISTRY
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import drawing_state, loaders, run_choice
from fmnist_ui.shared.i18n import class_name, error_text, t

SOURCE = "layers_source"
TEST_INDEX = "layers_test_index"
LINK_SEEN = "layers_link_seen"  # the URL's test_index already applied (a rerun must not undo a pick)
URL_INDEX = "test_index"
TEST, DRAWING, UPLOAD = "test", "drawing", "upload"  # the radio's values; labels: layers.source.*
SOURCES = (TEST, DRAWING, UPLOAD)


@dataclass(frozen=True)
class ChosenImage:
    """The (28, 28) float32 model input and a caption saying what it is."""

    image: np.ndarray
    caption: str


def pick_run(records: list[RunRecord]) -> RunRecord | None:
    """The shared run picker; None (with a hint) when no run has finished."""
    if not records:
        st.info(t("layers.no_runs"), icon=":material/info:")
        return None
    return run_choice.pick_run(
        records,
        "layers_run",
        run_choice.most_accurate,
        label=t("layers.run_label"),
        help=t("layers.run_help"),
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
            t("layers.bad_link", requested=repr(requested), last=num_test - 1), icon=":material/link_off:"
        )
        return
    st.session_state[SOURCE] = TEST
    st.session_state[TEST_INDEX] = int(requested)


def _source_name(code: str) -> str:
    return t(f"layers.source.{code}")


def _random_test_image() -> None:
    num_test = len(loaders.load_dataset().y_test)
    st.session_state[TEST_INDEX] = int(np.random.default_rng().integers(num_test))


def choose_image() -> ChosenImage | None:
    """The source radio and its control; returns the chosen image, or None (with a message)."""
    dataset = loaders.load_dataset()
    num_test = len(dataset.y_test)
    st.session_state.setdefault(TEST_INDEX, 0)
    apply_link(num_test)
    if st.session_state.get(SOURCE) not in SOURCES:  # e.g. a label kept from an older version
        st.session_state.pop(SOURCE, None)
    source = st.radio(t("layers.image_label"), SOURCES, format_func=_source_name, horizontal=True, key=SOURCE)
    if source == TEST:
        return _test_image(dataset, num_test)
    st.query_params.pop(URL_INDEX, None)  # the URL names a test image only while one is shown
    if source == DRAWING:
        image = st.session_state.get(drawing_state.CURRENT_DRAWING)
        if image is None:
            st.info(t("layers.nothing_drawn"), icon=":material/draw:")
            st.page_link("pages/draw.py", label=t("layers.go_draw"), icon=":material/draw:")
            return None
        return ChosenImage(image, t("layers.drawing_caption"))
    return _uploaded_image()


def _uploaded_image() -> ChosenImage | None:
    """A picture checked and framed like the Draw page's uploads (same refusals)."""
    uploaded = st.file_uploader(
        t("layers.upload_label"),
        type=["png", "jpg", "jpeg", "webp", "gif", "bmp"],
        key="layers_upload",
    )
    if uploaded is None:
        st.info(t("layers.upload_prompt"), icon=":material/upload:")
        return None
    try:
        image = drawing.preprocess_photo(drawing.load_image(uploaded.getvalue()))
    except drawing.ImageError as error:  # the browser's type filter is no check: validate here
        st.error(t("layers.bad_file", error=error_text(error)), icon=":material/error:")
        return None
    if image is None:
        st.warning(t("layers.no_garment"), icon=":material/warning:")
        return None
    return ChosenImage(image, t("layers.upload_caption", name=uploaded.name))


def _test_image(dataset, num_test: int) -> ChosenImage:
    with st.container(horizontal=True, vertical_alignment="bottom"):
        index = int(
            st.number_input(
                t("layers.test_index_label", last=num_test - 1),
                0,
                num_test - 1,
                step=1,
                key=TEST_INDEX,
                width=200,
            )
        )
        st.button(
            t("layers.random"), key="layers_random", icon=":material/casino:", on_click=_random_test_image
        )
    st.query_params[URL_INDEX] = st.session_state[LINK_SEEN] = str(index)
    label = class_name(int(dataset.y_test[index]))
    return ChosenImage(
        to_model_input(dataset.x_test[index]), t("layers.test_caption", index=index, label=label)
    )
