"""Train: pick a model and its hyperparameters, start or stop a run, watch its curves grow."""

import streamlit as st

from fmnist_ui import train_view, widgets
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("Train a model")
st.caption(
    "Training runs in a separate process: refreshing the page, opening a second tab or clicking "
    "around never stops it. One run trains at a time."
)

spec = widgets.model_picker()
settings = widgets.hyperparameter_inputs(spec)
if st.button("Train", type="primary", key="train_start", icon=":material/play_arrow:"):
    train_view.start_and_report(spec.name, settings)

st.divider()
train_view.show_current_run()
