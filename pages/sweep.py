"""Sweep: search hyperparameters with Optuna (every trial is an ordinary run), watch the trials, and
compare them in the HParams view."""

import streamlit as st

from fmnist_core import sweeps
from fmnist_ui.shared import widgets
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router
from fmnist_ui.sweep import form as sweep_form
from fmnist_ui.sweep import view as sweep_view

ensure_app_router()

st.title(t("sweep.title"))
st.caption(t("sweep.intro"))

existing = sweeps.list_sweeps()
with st.expander(t("sweep.new"), expanded=not existing, icon=":material/add_circle:"):
    spec, problem = sweep_form.new_sweep_form({sweep.name for sweep in existing})
    if widgets.start_button(t("sweep.start"), "sweep_start", problem, verb="start"):
        sweep_view.start_sweep(spec)

st.divider()
existing = sweeps.list_sweeps()
if existing:
    sweep_view.show_sweep(sweep_view.pick_sweep(existing))
else:
    st.info(t("sweep.none_yet"), icon=":material/info:")
