"""Tutorials: the classic Fashion-MNIST recipes, each one click away, the published figure beside ours."""

import streamlit as st

from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router
from fmnist_ui.tutorials import view as tutorials_view

ensure_app_router()

st.title(t("tutorials.title"))
st.caption(t("tutorials.intro"))
tutorials_view.show_tutorials()
