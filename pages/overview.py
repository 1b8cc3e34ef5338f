"""Overview: what Fashion-MNIST is, the runs so far, and where to go next."""

import streamlit as st

from fmnist_ui.overview import view as overview_view
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router

ensure_app_router()

st.title(t("overview.title"))
st.markdown(t("overview.intro"))

records = loaders.list_runs()
active = {record.id: record.status for record in records if record.is_active}
if overview_view.needs_starter(records):
    st.info(
        t("overview.no_models", starters=overview_view.starter_description()), icon=":material/rocket_launch:"
    )
    if st.button(
        t("overview.starter_button"), type="primary", key="overview_starter", icon=":material/play_arrow:"
    ):
        overview_view.start_starter_models()
if active:
    st.subheader(t("overview.training_now"))
    overview_view.watch_active_runs(active)
else:
    overview_view.show_finished_notice(records)

st.subheader(t("overview.dataset"))
overview_view.show_dataset()

st.subheader(t("overview.recent_runs"))
if records:
    overview_view.show_recent_runs(records)
else:
    st.caption(t("overview.no_runs"))

st.subheader(t("overview.where_next"))
widgets.page_links(
    ("pages/train.py", t("app.train"), ":material/model_training:", t("overview.next_train")),
    ("pages/runs.py", t("app.runs"), ":material/table_rows:", t("overview.next_runs")),
    ("pages/sweep.py", t("app.sweep"), ":material/tune:", t("overview.next_sweep")),
    ("pages/evaluate.py", t("app.evaluate"), ":material/grid_on:", t("overview.next_evaluate")),
    ("pages/draw.py", t("app.draw"), ":material/draw:", t("overview.next_draw")),
)
