"""Layers: look inside a Keras model. Feature maps, filters and each channel's top test images for
convolutional models; weight images and unit activations for dense ones; the model summary."""

import streamlit as st

from fmnist_ui.layers import inputs as layers_input
from fmnist_ui.layers import view as layers_view
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router

ensure_app_router()

st.title(t("app.layers"))
st.caption(t("layers.intro"))

record = layers_input.pick_run(loaders.finished_runs())
if record is None:
    st.stop()
run_model = layers_view.load_model(record)
if run_model is None:
    st.stop()
chosen = layers_input.choose_image()
if chosen is not None:
    layers_view.render_image(run_model, chosen)
layers_view.render_views(record, run_model, None if chosen is None else chosen.image)
