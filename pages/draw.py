"""Draw page: draw or upload a garment and see what the models think, and which pixels mattered."""

import streamlit as st

from fmnist_ui import draw_recommend, draw_view, loaders
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("Draw a garment")
st.caption(
    "Draw on the canvas or upload a picture. It is turned into a 28 × 28 image exactly like the "
    "dataset's (cropped, scaled to fill 28 pixels, centred, bright on black) and judged by a trained model."
)
draw_view.init_state()

finished = loaders.finished_runs()
draw_recommend.recommend_drawing_model(finished, loaders.list_runs())
record = draw_view.pick_run(finished)
if record is None:
    st.stop()
compare_all = st.toggle(
    "Compare all finished runs", key="draw_compare_all", help="Show the top 3 classes of every finished run."
)
run_model = draw_view.load_model(record)
if run_model is None:
    st.stop()

draw_tab, upload_tab = st.tabs([":material/draw: Draw", ":material/upload: Upload a picture"])
with draw_tab:
    draw_view.render_draw_tab(run_model, compare_all)
with upload_tab:
    draw_view.render_upload_tab(run_model, compare_all)
