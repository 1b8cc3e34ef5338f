"""Draw page: draw or upload a garment and see what the models think, and which pixels mattered."""

import streamlit as st

from fmnist_ui import draw_recommend, draw_view, loaders
from fmnist_ui.i18n import t
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title(t("draw.title"))
st.caption(t("draw.intro"))
draw_view.init_state()

finished = loaders.finished_runs()
draw_recommend.recommend_drawing_model(finished, loaders.list_runs())
record = draw_view.pick_run(finished)
if record is None:
    st.stop()
compare_all = st.toggle(t("draw.compare_all"), key="draw_compare_all", help=t("draw.compare_all_help"))
run_model = draw_view.load_model(record)
if run_model is None:
    st.stop()

draw_tab, upload_tab = st.tabs(
    [f":material/draw: {t('draw.tab_draw')}", f":material/upload: {t('draw.tab_upload')}"]
)
with draw_tab:
    draw_view.render_draw_tab(run_model, compare_all)
with upload_tab:
    draw_view.render_upload_tab(run_model, compare_all)
