"""Fashion-MNIST model explorer: the router. Run with `streamlit run app.py` (or `make run`)."""

import os

from fmnist_core.tensorflow_logs import tensorflow_log_level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())  # before anything imports TensorFlow

import streamlit as st

from fmnist_ui.router import route

st.set_page_config(page_title="Fashion-MNIST explorer", page_icon=":material/checkroom:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/tutorials.py", title="Tutorials", icon=":material/menu_book:"),
    st.Page("pages/runs.py", title="Runs", icon=":material/table_rows:"),
    st.Page("pages/sweep.py", title="Sweep", icon=":material/tune:"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/grid_on:"),
    st.Page("pages/draw.py", title="Draw", icon=":material/draw:"),
    st.Page("pages/layers.py", title="Layers", icon=":material/layers:"),
]

route(PAGES)
