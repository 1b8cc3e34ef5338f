"""The Layers page's views: what one image does inside a Keras model, and the model's layers.

Convolutional models: every convolution and pooling layer's feature maps, the first layer's filters
and each channel's top 9 test images. Dense models: the first Dense layer's units as 28 x 28 weight
images and their activations. Every Keras model: its summary table. Session keys start with ``layers_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from fmnist_core import inference, layer_plots, layers
from fmnist_core.data import CLASS_NAMES
from fmnist_core.runs import RunRecord
from fmnist_ui import layers_input, layers_top9, loaders
from fmnist_ui.widgets import NO_TOOLBAR

SKLEARN_REFUSAL = (
    "**Run {run} is a scikit-learn model ({model}), so it has no layers to show.** Its pipeline "
    "(scaling, then one linear classifier over the 784 pixels) has no feature maps or hidden units. "
    "Pick a Keras run above (softmax, mlp, cnn, ...); the Draw page shows what this model's weights "
    "make of an image."
)


def load_model(record: RunRecord) -> inference.RunModel | None:
    """The run's Keras model from the shared cache, or None after saying why it cannot be shown."""
    if layers_input.is_sklearn(record):
        st.info(SKLEARN_REFUSAL.format(run=record.label, model=record.model), icon=":material/info:")
        return None
    try:
        run_model = loaders.load_run_model(record.id)
    except ValueError as error:  # ModelLoadError, or a run deleted meanwhile
        st.error(f"**This run's model cannot be used.** {error}", icon=":material/error:")
        return None
    if run_model.family != "keras":  # an unregistered model name with a scikit-learn file
        st.info(SKLEARN_REFUSAL.format(run=record.label, model=record.model), icon=":material/info:")
        return None
    return run_model


def render_image(run_model: inference.RunModel, chosen: layers_input.ChosenImage) -> None:
    """The image as the model receives it, and the model's verdict on it."""
    try:
        probabilities = inference.predict_probabilities(run_model, chosen.image[None])[0]
    except ValueError as error:  # e.g. an imported model producing NaN
        st.error(f"**The model could not judge this image.** {error}", icon=":material/error:")
        return
    top = int(np.argmax(probabilities))
    with st.container(horizontal=True, vertical_alignment="center"):
        st.image(layer_plots.gray_picture(chosen.image, 4), caption=chosen.caption, width=112)
        st.markdown(f"The model says **{CLASS_NAMES[top]}** ({probabilities[top]:.0%})")


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
        st.info(
            f"**{record.label} has no convolution layer and no Dense layer reading the 784 pixels**, so "
            "there are no feature maps or weight images to draw. Its layers are listed below.",
            icon=":material/info:",
        )
    render_summary(run_model)


def _reads_pixels(run_model: inference.RunModel) -> bool:
    try:
        layers.first_dense(run_model)
    except layers.LayersUnavailable:
        return False
    return True


def render_feature_maps(run_id: str, image: np.ndarray) -> None:
    """One tiled picture per convolution and pooling layer (channels left to right, top to bottom)."""
    st.subheader("Feature maps")
    try:
        probe = loaders.load_layer_probe(run_id, "maps")
    except layers.LayersUnavailable as error:
        st.warning(f"**No feature maps.** {error}", icon=":material/warning:")
        return
    st.caption(
        "What each convolution and pooling layer makes of the image: one small map per channel, 8 per "
        "row in channel order. Yellow is the layer's strongest response to this image, dark blue its "
        "weakest (the colour range is shared by a layer's maps, so a quiet channel looks dark)."
    )
    panels = layer_plots.feature_map_panels(probe, image)
    with st.container(horizontal=True, gap="medium", key="layers_maps"):
        for panel in panels:
            height, width, channels = panel.shape
            with st.container(width="content"):
                st.markdown(f"**{panel.name}** · output {height} × {width} × {channels}")
                st.image(
                    panel.picture,
                    caption=f"{channels} maps, values {panel.low:.3g} to {panel.high:.3g}",
                    width=min(panel.picture.shape[1], 480),
                )


def render_filters(run_model: inference.RunModel) -> None:
    """The first convolution layer's kernels on a diverging scale (nothing for pooling-only models)."""
    try:
        name, kernels = layers.first_filters(run_model)
    except layers.LayersUnavailable:
        return
    picture, limit = layer_plots.weight_picture(kernels, columns=8)
    st.subheader("First-layer filters")
    st.image(picture, width=min(picture.shape[1], 480))
    st.caption(
        f"The {len(kernels)} kernels of {name} ({kernels.shape[1]} × {kernels.shape[2]} pixels each): red "
        f"weights add the pixel they sit on, blue subtract it; full colour is ±{limit:.3g}. A map above "
        "is the image filtered with one of these."
    )


def render_dense_units(run_id: str, run_model: inference.RunModel, image: np.ndarray | None) -> None:
    """The first Dense layer's units as weight images, and their activations for the image."""
    name, weights = layers.dense_weight_images(run_model)
    _, limit = layer_plots.weight_picture(weights)  # one colour scale for every picture below
    st.subheader(f"Hidden units (layer {name})")
    if image is not None:
        render_unit_activations(run_id, weights, limit, image)
    picture, _ = layer_plots.weight_picture(weights, columns=16, limit=limit)
    st.markdown(
        f"**Every unit's {weights.shape[1]} × {weights.shape[2]} weights** (unit 0 top left, 16 per row)"
    )
    st.image(picture, width=min(picture.shape[1], 960))
    st.caption(
        "Red pixels raise the unit's activation when lit, blue ones lower it, white ones are ignored; "
        f"full colour is ±{limit:.3g} (99% of the weights lie within). A trained unit shows the edges and "
        "parts of garments it answers to; an untrained one looks like the random noise it started from."
    )


def render_unit_activations(run_id: str, weights: np.ndarray, limit: float, image: np.ndarray) -> None:
    """The most active units for the image as bars, then the weight images of the top 8."""
    try:
        probe = loaders.load_layer_probe(run_id, "dense")
    except layers.LayersUnavailable as error:  # e.g. a layer shared in an imported graph
        st.warning(f"**No unit activations.** {error}", icon=":material/warning:")
        return
    activations = probe.outputs(image[None])[0][0]
    count = min(20, len(activations))
    st.markdown(f"**The {count} most active of {len(activations)} units for this image**")
    st.plotly_chart(
        layer_plots.plot_unit_activations(activations, count), key="layers_units", config=NO_TOOLBAR
    )
    top = layer_plots.top_units(activations, 8)
    st.image(
        [layer_plots.weight_picture(weights[unit : unit + 1], limit=limit)[0] for unit in top],
        caption=[f"unit {unit} · {activations[unit]:.3g}" for unit in top],
        width=96,
    )
    st.caption("The weights of the 8 most active units: what each looks for in the image.")


def render_summary(run_model: inference.RunModel) -> None:
    """The model's layers as Keras's ``model.summary()`` lists them."""
    rows = layers.summary_rows(run_model)
    st.subheader("Model summary")
    table = pd.DataFrame(
        [[row.name, row.kind, row.output_shape, f"{row.params:,}"] for row in rows],
        columns=["Layer", "Type", "Output shape", "Parameters"],
    )
    st.table(table, hide_index=True)  # static: wraps on a phone instead of scrolling
    st.caption(f"Total parameters: **{run_model.model.count_params():,}**, as in Keras's model.summary().")
