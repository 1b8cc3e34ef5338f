"""Tutorials: the classic Fashion-MNIST recipes, each one click away, the published figure beside ours."""

import streamlit as st

from fmnist_ui import tutorials_view
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("The tutorials, reproduced")
st.caption(
    "The classic Fashion-MNIST tutorials, each with its exact settings and the figure its author "
    "published. Run one (or 3 seeds, to see how much the figure moves) and compare: each run is an "
    "ordinary run, so Runs and Evaluate show it too. One run trains at a time."
)
tutorials_view.show_tutorials()
