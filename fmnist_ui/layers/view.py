"""The Layers page's views: what one image does inside a Keras model, and the model's layers.

Convolutional models: every convolution and pooling layer's feature maps, the first layer's filters
and each channel's top 9 test images. Dense models: the first Dense layer's units as 28 x 28 weight
images and their activations. Every Keras model: its summary table. Session keys start with ``layers_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_core.inspection import layers
from fmnist_core.models import inference
from fmnist_core.plots import layer_plots
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.layers import inputs as layers_input
from fmnist_ui.layers import top9 as layers_top9
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import class_name, error_text, t
from fmnist_ui.shared.widgets import NO_TOOLBAR, run_label

SUMMARY_COLUMNS = ("layer", "kind", "output_shape", "params")


def load_model(record: RunRecord) -> inference.RunModel | None:
    """The run's Keras model from the shared cache, or None after saying why it cannot be shown."""
    if layers_input.is_sklearn(record):
        st.info(
            t("layers.sklearn_refusal", run=run_label(record), model=record.model), icon=":material/info:"
        )
        return None
    try:
        run_model = loaders.load_run_model(record.id)
    except ValueError as error:  # ModelLoadError, or a run deleted meanwhile
        st.error(t("layers.model_unusable", error=error_text(error)), icon=":material/error:")
        return None
    if run_model.family != "keras":  # an unregistered model name with a scikit-learn file
        st.info(
            t("layers.sklearn_refusal", run=run_label(record), model=record.model), icon=":material/info:"
        )
        return None
    return run_model


def render_image(run_model: inference.RunModel, chosen: layers_input.ChosenImage) -> None:
    """The image as the model receives it, and the model's verdict on it."""
    try:
        probabilities = inference.predict_probabilities(run_model, chosen.image[None])[0]
    except ValueError as error:  # e.g. an imported model producing NaN
        st.error(t("layers.cannot_judge", error=error_text(error)), icon=":material/error:")
        return
    top = int(np.argmax(probabilities))
    with st.container(horizontal=True, vertical_alignment="center"):
        st.image(layer_plots.gray_picture(chosen.image, 4), caption=chosen.caption, width=112)
        st.markdown(t("layers.verdict", label=class_name(top), probability=probabilities[top]))


def render_views(record: RunRecord, run_model: inference.RunModel, image: np.ndarray | None) -> None:
    """Every view the model's layers allow (feature maps or dense units), then its summary."""
    if layers.map_layer_names(run_model):
        if image is not None:
            render_feature_maps(record.id, image)
        render_filters(run_model)
        layers_top9.render_top9(record.id)
    elif _reads_pixels(run_model):
        render_dense_units(record.id, run_model, image)
    else:
        st.info(t("layers.no_views", run=run_label(record)), icon=":material/info:")
    render_summary(run_model)


def _reads_pixels(run_model: inference.RunModel) -> bool:
    try:
        layers.first_dense(run_model)
    except layers.LayersUnavailable:
        return False
    return True


def render_feature_maps(run_id: str, image: np.ndarray) -> None:
    """One tiled picture per convolution and pooling layer (channels left to right, top to bottom)."""
    st.subheader(t("layers.maps_title"))
    try:
        probe = loaders.load_layer_probe(run_id, "maps")
    except layers.LayersUnavailable as error:
        st.warning(t("layers.no_maps", error=error_text(error)), icon=":material/warning:")
        return
    st.caption(t("layers.maps_caption"))
    panels = layer_plots.feature_map_panels(probe, image)
    with st.container(horizontal=True, gap="medium", key="layers_maps"):
        for panel in panels:
            height, width, channels = panel.shape
            with st.container(width="content"):
                st.markdown(
                    t("layers.map_heading", name=panel.name, height=height, width=width, channels=channels)
                )
                st.image(
                    panel.picture,
                    caption=t("layers.map_caption", channels=channels, low=panel.low, high=panel.high),
                    width=min(panel.picture.shape[1], 480),
                )


def render_filters(run_model: inference.RunModel) -> None:
    """The first convolution layer's kernels on a diverging scale (nothing for pooling-only models)."""
    try:
        name, kernels = layers.first_filters(run_model)
    except layers.LayersUnavailable:
        return
    picture, limit = layer_plots.weight_picture(kernels, columns=8)
    st.subheader(t("layers.filters_title"))
    st.image(picture, width=min(picture.shape[1], 480))
    count, height, width = kernels.shape
    st.caption(t("layers.filters_caption", count=count, name=name, height=height, width=width, limit=limit))


def render_dense_units(run_id: str, run_model: inference.RunModel, image: np.ndarray | None) -> None:
    """The first Dense layer's units as weight images, and their activations for the image."""
    name, weights = layers.dense_weight_images(run_model)
    _, limit = layer_plots.weight_picture(weights)  # one colour scale for every picture below
    st.subheader(t("layers.units_title", name=name))
    if image is not None:
        render_unit_activations(run_id, weights, limit, image)
    picture, _ = layer_plots.weight_picture(weights, columns=16, limit=limit)
    st.markdown(t("layers.units_weights", height=weights.shape[1], width=weights.shape[2]))
    st.image(picture, width=min(picture.shape[1], 960))
    st.caption(t("layers.units_caption", limit=limit))


def render_unit_activations(run_id: str, weights: np.ndarray, limit: float, image: np.ndarray) -> None:
    """The most active units for the image as bars, then the weight images of the top 8."""
    try:
        probe = loaders.load_layer_probe(run_id, "dense")
    except layers.LayersUnavailable as error:  # e.g. a layer shared in an imported graph
        st.warning(t("layers.no_units", error=error_text(error)), icon=":material/warning:")
        return
    activations = probe.outputs(image[None])[0][0]
    count = min(20, len(activations))
    st.markdown(t("layers.top_units", count=count, total=len(activations)))
    st.plotly_chart(
        layer_plots.plot_unit_activations(activations, count, t=t), key="layers_units", config=NO_TOOLBAR
    )
    top = layer_plots.top_units(activations, 8)
    st.image(
        [layer_plots.weight_picture(weights[unit : unit + 1], limit=limit)[0] for unit in top],
        caption=[t("layers.unit_caption", unit=int(unit), value=activations[unit]) for unit in top],
        width=96,
    )
    st.caption(t("layers.top_units_caption"))


def render_summary(run_model: inference.RunModel) -> None:
    """The model's layers as Keras's ``model.summary()`` lists them."""
    rows = layers.summary_rows(run_model)
    st.subheader(t("layers.summary_title"))
    table = pd.DataFrame(  # layer names and Keras class names are identifiers: never translated
        [[row.name, row.kind, row.output_shape, f"{row.params:,}"] for row in rows],
        columns=[t(f"layers.column.{column}") for column in SUMMARY_COLUMNS],
    )
    st.table(table, hide_index=True)  # static: wraps on a phone instead of scrolling
    st.caption(t("layers.summary_total", count=run_model.model.count_params()))
