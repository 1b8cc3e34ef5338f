"""Draw page: draw or upload a garment and see what the models think, and which pixels mattered."""

import streamlit as st

from fmnist_ui.draw import recommend as draw_recommend
from fmnist_ui.draw import view as draw_view
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router

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
