"""Evaluate's Map tab: the 10,000 test images placed by the run's penultimate-layer features.

Hovering a point shows its image and top 3 classes (in the browser, no rerun); a lasso or box
selection opens those images in the gallery below; the cell chosen on the confusion matrix is
highlighted on the map.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_core.evaluation import error_analysis, evaluation
from fmnist_core.evaluation.evaluation import RunEvaluation
from fmnist_core.inspection import map_payload
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.evaluate import gallery as evaluate_gallery
from fmnist_ui.evaluate import view as evaluate_view
from fmnist_ui.shared import embedding_map, map_data
from fmnist_ui.shared.i18n import class_name, error_text, t

METHOD_KEY = "evaluate_map_method"
COLOUR_KEY = "evaluate_map_colour"
MAP_KEY = "evaluate_map"
TOKEN_KEY = "evaluate_map_token"
CONTEXT_KEY = "evaluate_map_context"
GALLERY_KEY = "evaluate_map_gallery"


def how_to_select() -> str:
    """How to select points on the map (the gallery's empty state)."""
    return t("map.how_to_select")


def selection_token(context: tuple[str, str, str]) -> int:
    """A number that changes whenever the map changes (run, projection, colour): a selection made
    on an earlier map is then ignored, and the browser clears its lasso."""
    token = st.session_state.get(TOKEN_KEY, 0)
    if st.session_state.get(CONTEXT_KEY) != context:
        token += 1
        st.session_state[TOKEN_KEY], st.session_state[CONTEXT_KEY] = token, context
    return token


def chosen_cell_indices(run: RunEvaluation) -> tuple[np.ndarray | None, str]:
    """The test images of the cell chosen on the Confusion & gallery tab (the very images its
    gallery lists), and a sentence naming them; (None, "") when no cell is chosen."""
    true_class, predicted_class = evaluate_view.chosen_cell()
    if true_class == predicted_class == evaluate_view.ANY_CLASS:
        return None, ""
    indices = error_analysis.select_gallery(
        run,
        None if true_class == evaluate_view.ANY_CLASS else true_class,
        None if predicted_class == evaluate_view.ANY_CLASS else predicted_class,
    )

    def name(index: int) -> str:
        return t("map.any_class") if index == evaluate_view.ANY_CLASS else f"**{class_name(index)}**"

    kind = "map.kind_correct" if true_class == predicted_class else "map.kind_wrong"
    sentence = t(
        "map.highlighted",
        count=len(indices),
        kind=t(kind),
        true_name=name(true_class),
        predicted_name=name(predicted_class),
    )
    return indices, sentence


def _first_gallery_page() -> None:
    st.session_state[f"{GALLERY_KEY}_page"] = 1


def read_controls() -> tuple[str, str]:
    """Projection method and colour mode, side by side."""
    method_col, colour_col = st.columns([1, 3])
    with method_col:
        method = st.radio(
            t("map.projection"),
            list(map_data.METHODS),
            format_func=map_data.METHODS.get,
            horizontal=True,
            key=METHOD_KEY,
            help=t("map.projection_help"),
        )
    with colour_col:
        colour = st.radio(
            t("map.colour_by"),
            list(map_payload.COLOUR_MODES),
            format_func=lambda mode: map_payload.colour_mode_name(mode, t=t),
            horizontal=True,
            key=COLOUR_KEY,
        )
    return method, colour


def render_map_tab(record: RunRecord, run: RunEvaluation) -> None:
    """The map of the run's test images with its controls, highlight and selection gallery."""
    features = map_data.run_features(record.id, "evaluate_map")
    if features is None:
        return
    method, colour = read_controls()
    # What varies above the map (job progress, the highlight) lives in one container, so the map
    # keeps its place among the elements and its frame is not rebuilt on every change.
    with st.container():
        projection = map_data.run_projection(record.id, method, "evaluate_map")
        if projection is None:  # UMAP still to compute: show PCA meanwhile
            st.caption(t("map.meanwhile_pca"))
            method, projection = "pca", map_data.run_projection(record.id, "pca", "evaluate_map")
        predictions = run.predictions
        try:
            points = map_payload.points_payload(
                projection.coordinates, predictions.labels, predictions.probabilities
            )
        except ValueError as error:
            st.error(t("map.cannot_draw", error=error_text(error)), icon=":material/error:")
            return
        highlight, sentence = chosen_cell_indices(run)
        if sentence:
            text_col, button_col = st.columns([5, 1], vertical_alignment="center")
            text_col.markdown(sentence)
            button_col.button(
                t("map.clear"),
                key="evaluate_map_clear_cell",
                on_click=evaluate_view.reset_gallery,
                icon=":material/close:",
                help=t("map.clear_help"),
            )
        st.caption(map_data.describe_projection(projection) + " " + t("map.hover_hint"))
    token = selection_token((record.id, method, colour))
    args = map_payload.map_args(
        points, colour=colour, highlight=highlight, selection_token=token, highlight_name=t("map.chosen_cell")
    )
    value = embedding_map.embedding_map(args, key=MAP_KEY, on_change=_first_gallery_page)
    render_selection(map_payload.selected_indices(value, token, points["count"]), run)


def render_selection(indices: np.ndarray | None, run: RunEvaluation) -> None:
    """The selected images in the gallery, with a sentence counting them by class."""
    st.subheader(t("map.selected_images"))
    if indices is None:
        st.info(how_to_select(), icon=":material/gesture_select:")
        return
    if len(indices) == 0:
        st.info(t("map.empty_selection") + " " + how_to_select(), icon=":material/gesture_select:")
        return
    st.markdown(map_payload.describe_selection(indices, run.predictions.labels, t=t))
    evaluate_gallery.render_gallery(
        evaluation.rank_by_confidence(indices, run.predictions),
        run.predictions.probabilities,
        run.predictions.labels,
        GALLERY_KEY,
        how_to_select(),
    )
