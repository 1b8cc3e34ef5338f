"""Tutorials: the classic Fashion-MNIST recipes, each one click away, the published figure beside ours."""

import streamlit as st

from fmnist_ui import tutorials_view
from fmnist_ui.i18n import t
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title(t("tutorials.title"))
st.caption(t("tutorials.intro"))
tutorials_view.show_tutorials()
