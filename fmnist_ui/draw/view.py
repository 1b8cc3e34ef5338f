"""The Draw page's building blocks: the inputs (canvas, upload, test image) and one image's analysis.

Each input ends as a 28x28 image that `draw_analysis` explains. Session-state keys start with
``draw_``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from fmnist_core.data import CLASS_NAMES, to_model_input
from fmnist_core.drawing import drawing
from fmnist_core.models import inference
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.draw import analysis as draw_analysis
from fmnist_ui.draw import canvas as draw_canvas
from fmnist_ui.draw import map_view as draw_map
from fmnist_ui.draw import plots as draw_plots
from fmnist_ui.draw import recommend as draw_recommend
from fmnist_ui.shared import drawing_state, loaders, run_choice
from fmnist_ui.shared.i18n import class_name, class_names, error_text, t

CANVAS_VERSION = "draw_canvas_version"  # bumped by Clear: a new canvas key gives an empty canvas
TEST_INDEX = "draw_test_index"
TEST_CLASS = "draw_test_class"
# The class filter's values: this, or a dataset class name (English, language-neutral); the
# select box shows them through `_class_options`.
ANY_CLASS = "Any class"
# The hint beside the canvas (draw.hint) exists because the models only know the dataset's photos:
# a sneaker drawn toe-right scored "Bag 100%".


@dataclass(frozen=True)
class ReferenceImage:
    """A test image shown next to the drawing: its index, model input and true class (an index)."""

    index: int
    image: np.ndarray
    true_class: int

    @property
    def label(self) -> str:
        """The true class's name in the session's language."""
        return class_name(self.true_class)


@dataclass(frozen=True)
class DrawSettings:
    """The canvas controls."""

    tool: str
    stroke_width: int
    fill_holes: bool


def init_state() -> None:
    """Session defaults of the page."""
    st.session_state.setdefault(CANVAS_VERSION, 0)
    st.session_state.setdefault(TEST_INDEX, None)


def pick_run(records: list[RunRecord]) -> RunRecord | None:
    """A select box of finished runs; None (with a hint) when there are none.

    Opens at the run picked last (here, on Evaluate or in the URL), else at the most accurate run
    of ``cnn_draw``, the model trained for drawings, else at the most accurate run.
    """
    if not records:
        st.info(t("draw.no_runs"), icon=":material/info:")
        return None
    return run_choice.pick_run(
        records,
        "draw_run",
        draw_recommend.default_run,
        label=t("draw.run_label"),
        help=t("draw.run_help"),
    )


def load_model(record: RunRecord) -> inference.RunModel | None:
    """The run's cached model, or None after showing why it cannot be used."""
    try:
        return loaders.load_run_model(record.id)
    except ValueError as error:  # ModelLoadError, or a run deleted meanwhile
        st.error(t("draw.model_unusable", error=error_text(error)), icon=":material/error:")
        return None


# ---------------------------------------------------------------- inputs


def drawing_controls() -> DrawSettings:
    """Tool, brush width, filling and the Clear button."""
    # The values stay the English tool names; a dict of this run's labels shows them in the
    # session's language (AppTest calls format_func outside the run, where t() would say English).
    tool_names = {name: t(f"draw.tool.{mode}") for name, mode in draw_canvas.TOOLS.items()}
    tool = st.radio(
        t("draw.tool_label"),
        list(draw_canvas.TOOLS),
        format_func=tool_names.get,
        horizontal=True,
        key="draw_tool",
        help=t("draw.tool_help"),
    )
    # One row that wraps instead of squeezing its labels when the canvas side is narrow.
    with st.container(horizontal=True, vertical_alignment="bottom"):
        stroke_width = st.slider(
            t("draw.brush"), 4, 70, draw_canvas.DEFAULT_STROKE_WIDTH, step=1, key="draw_brush", width=120
        )
        fill_holes = st.checkbox(
            t("draw.fill"),
            value=True,
            key="draw_fill",
            help=t("draw.fill_help"),
        )
        st.button(t("draw.clear"), key="draw_clear", icon=":material/delete:", on_click=_clear_canvas)
    return DrawSettings(tool, stroke_width, fill_holes)


def _clear_canvas() -> None:
    st.session_state[CANVAS_VERSION] += 1


def drawing_input() -> np.ndarray | None:
    """The canvas with its controls and hint; returns the 28x28 model input, or None when nothing is drawn."""
    settings = drawing_controls()
    st.caption(t("draw.hint"))
    st.space("medium")  # room for the canvas's own toolbar, which pops up above its top edge
    rgba = draw_canvas.canvas_image(
        tool=settings.tool,
        stroke_width=settings.stroke_width,
        key=f"draw_canvas_{st.session_state[CANVAS_VERSION]}",
    )
    if rgba is None:
        return None
    return drawing.preprocess_drawing(rgba, fill_holes=settings.fill_holes)


def upload_input() -> np.ndarray | None:
    """A file uploader checked on the server; returns the 28x28 model input or None (with a message)."""
    uploaded = st.file_uploader(
        t("draw.upload_label"),
        type=["png", "jpg", "jpeg", "webp", "gif", "bmp"],
        key="draw_upload",
        help=t("draw.upload_help"),
    )
    if uploaded is None:
        st.info(t("draw.upload_prompt"), icon=":material/upload:")
        return None
    try:
        rgba = drawing.load_image(uploaded.getvalue())
    except drawing.ImageError as error:  # the browser's type filter is no check: validate here
        st.error(t("draw.file_refused", error=error_text(error)), icon=":material/error:")
        return None
    st.image(rgba, caption=t("draw.your_picture"), width=260)
    image = drawing.preprocess_photo(rgba)
    if image is None:
        st.warning(t("draw.no_garment"), icon=":material/warning:")
    return image


def pick_test_index(labels: np.ndarray, class_name: str, rng: np.random.Generator) -> int:
    """A random test-image index, of the given class unless `ANY_CLASS`."""
    if class_name == ANY_CLASS:
        return int(rng.integers(len(labels)))
    return int(rng.choice(np.flatnonzero(labels == CLASS_NAMES.index(class_name))))


def _pick_test_image() -> None:
    labels = loaders.load_dataset().y_test
    st.session_state[TEST_INDEX] = pick_test_index(
        labels, st.session_state[TEST_CLASS], np.random.default_rng()
    )


# ---------------------------------------------------------------- the page's two tabs


def render_draw_tab(run_model: inference.RunModel, compare_all: bool) -> None:
    """Canvas on the left; on the right the drawing's 28x28 input beside a real test image, then
    what the model makes of each."""
    # A fixed-width canvas side never cuts the canvas off: the results take the rest of the row, or
    # wrap below the canvas when the screen is too narrow for both.
    with st.container(horizontal=True, gap="medium"):
        canvas_side = st.container(width=draw_canvas.CANVAS_SIZE + 16)
        result_side = st.container()
    with canvas_side:
        image = drawing_input()
    st.session_state[drawing_state.CURRENT_DRAWING] = image  # read by the Layers page
    with result_side:
        reference = choose_reference()
        render_side_by_side(image, reference)
        if image is not None:
            draw_analysis.render_analysis(run_model, image, slot="drawing", show_input=False)
        if reference is not None:
            st.markdown("##### " + t("draw.real_heading", label=reference.label))
            draw_analysis.render_analysis(
                run_model, reference.image, slot="test", true_class=reference.true_class, show_input=False
            )
    if image is not None:
        draw_map.render_drawing_map(run_model, image)
    if compare_all and image is not None:
        st.markdown("##### " + t("draw.every_run_drawing"))
        draw_analysis.render_all_models(image)


def choose_reference() -> ReferenceImage | None:
    """Class filter and pick button; returns the picked test image, None before the first pick."""
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox(
            t("draw.test_class"),
            [ANY_CLASS, *CLASS_NAMES],
            format_func=_class_options().get,
            key=TEST_CLASS,
            label_visibility="collapsed",
            width=200,
        )
        st.button(
            t("draw.test_pick"), key="draw_test_pick", icon=":material/casino:", on_click=_pick_test_image
        )
    index = st.session_state[TEST_INDEX]
    if index is None:
        return None
    dataset = loaders.load_dataset()
    image = to_model_input(dataset.x_test[index])
    return ReferenceImage(index, image, int(dataset.y_test[index]))


def _class_options() -> dict[str, str]:
    """The class filter's options (`ANY_CLASS` and the English class names) -> their names in the
    session's language."""
    return {ANY_CLASS: t("draw.any_class"), **dict(zip(CLASS_NAMES, class_names(), strict=True))}


def render_side_by_side(image: np.ndarray | None, reference: ReferenceImage | None) -> None:
    """The drawing's 28x28 input next to the real test image, at the same scale, or prompts for them."""
    pictures, captions = [], []
    if image is not None:
        pictures.append(draw_plots.enlarge(image))
        captions.append(t("draw.drawing_caption"))
    if reference is not None:
        pictures.append(draw_plots.enlarge(reference.image))
        captions.append(t("draw.reference_caption", label=reference.label, index=reference.index))
    if pictures:
        st.image(pictures, caption=captions, width=draw_plots.ENLARGED_SIZE)  # both at the same scale
    if image is None:
        st.info(t("draw.empty_prompt"), icon=":material/draw:")
    if reference is None:
        st.caption(t("draw.reference_prompt"))


def render_upload_tab(run_model: inference.RunModel, compare_all: bool) -> None:
    """Uploader on the left; the picture's analysis on the right."""
    upload_column, result_column = st.columns([9, 11], gap="medium")
    with upload_column:
        image = upload_input()
    if image is None:
        return
    with result_column:
        st.markdown("##### " + t("draw.your_picture"))
        draw_analysis.render_analysis(run_model, image, slot="upload")
    if compare_all:
        st.markdown("##### " + t("draw.every_run_picture"))
        draw_analysis.render_all_models(image)
