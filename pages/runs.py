"""Runs: every run in a table, curves of several runs overlaid, download or delete a run, load a .keras model."""

import streamlit as st

from fmnist_ui.runs import view as runs_view
from fmnist_ui.shared import loaders, model_downloads
from fmnist_ui.shared import significance as significance_view
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router

ensure_app_router()

st.title(t("runs.title"))

records, damaged = loaders.scan_runs()
runs_view.show_damaged(damaged)
if records:
    runs_view.show_runs_and_curves(records)
    significance_view.render_seed_groups(records)
else:
    st.info(t("runs.empty"), icon=":material/info:")
if records:
    st.subheader(t("runs.download_heading"))
    model_downloads.render_runs_download(records)
if records or damaged:
    st.subheader(t("runs.delete_heading"))
    runs_view.delete_section(records, damaged)

st.subheader(t("runs.import_heading"))
runs_view.import_section()
