"""Fashion-MNIST model explorer: the router. Run with `streamlit run app.py` (or `make run`)."""

import os

from fmnist_core.tensorflow_logs import tensorflow_log_level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())  # before anything imports TensorFlow

import streamlit as st

from fmnist_ui.shared.i18n import language_switch, t
from fmnist_ui.shared.router import route

st.set_page_config(page_title=t("app.title"), page_icon=":material/checkroom:", layout="wide")
language_switch()

PAGES = [
    st.Page("pages/overview.py", title=t("app.overview"), icon=":material/home:", default=True),
    st.Page("pages/train.py", title=t("app.train"), icon=":material/model_training:"),
    st.Page("pages/tutorials.py", title=t("app.tutorials"), icon=":material/menu_book:"),
    st.Page("pages/runs.py", title=t("app.runs"), icon=":material/table_rows:"),
    st.Page("pages/sweep.py", title=t("app.sweep"), icon=":material/tune:"),
    st.Page("pages/evaluate.py", title=t("app.evaluate"), icon=":material/grid_on:"),
    st.Page("pages/draw.py", title=t("app.draw"), icon=":material/draw:"),
    st.Page("pages/layers.py", title=t("app.layers"), icon=":material/layers:"),
]

route(PAGES)
