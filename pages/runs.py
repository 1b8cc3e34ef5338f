"""Runs: every run in a table, curves of several runs overlaid, delete a run, load a .keras model."""

import streamlit as st

from fmnist_ui import loaders, runs_view
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("Runs")

records = loaders.list_runs()
if records:
    runs_view.show_runs_and_curves(records)
    st.subheader("Delete a run")
    runs_view.delete_section(records)
else:
    st.info("No runs yet: train one on the **Train** page, or load a model below.", icon=":material/info:")

st.subheader("Load a model")
runs_view.import_section()
