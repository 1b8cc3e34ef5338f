"""Train: pick a model and its hyperparameters, start or stop a run, watch its curves grow."""

import streamlit as st

from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router
from fmnist_ui.train import inputs as train_inputs
from fmnist_ui.train import view as train_view

ensure_app_router()

st.title(t("train.title"))
st.caption(t("train.caption"))

spec = train_inputs.model_picker(loaders.list_runs())
settings = train_inputs.hyperparameter_inputs(spec)
config, problem = train_view.check_settings(spec.name, settings)
if widgets.start_button(t("train.train_button"), "train_start", problem, verb="train"):
    train_view.start_and_report(config)

st.divider()
train_view.show_current_run()
