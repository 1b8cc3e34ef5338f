"""Overview: what Fashion-MNIST is, the runs so far, and where to go next."""

import streamlit as st

from fmnist_ui import loaders, overview_view, widgets
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("Fashion-MNIST model explorer")
st.markdown(
    "**Fashion-MNIST** is 70,000 grayscale product photos from Zalando, shrunk to 28x28 pixels: "
    "60,000 to train on and 10,000 to test, in 10 classes of clothing. It is a drop-in, harder "
    "replacement for handwritten digits: people agree on only 83.5% of the labels, and the classic "
    "scikit-learn models reach 84-90%. Train neural networks here, watch them learn, and find out "
    "which garments they confuse."
)

records = loaders.list_runs()
active = {record.id: record.status for record in records if record.is_active}
if overview_view.needs_starter(records):
    st.info(
        f"**No trained models yet.** Train the starter models ({overview_view.starter_description()}) "
        "so that every page has something to show: it takes a few minutes.",
        icon=":material/rocket_launch:",
    )
    if st.button(
        "Train starter models", type="primary", key="overview_starter", icon=":material/play_arrow:"
    ):
        overview_view.start_starter_models()
if active:
    st.subheader("Training now")
    overview_view.watch_active_runs(active)
else:
    overview_view.show_finished_notice(records)

st.subheader("The dataset")
overview_view.show_dataset()

st.subheader("Recent runs")
if records:
    overview_view.show_recent_runs(records)
else:
    st.caption("No runs yet.")

st.subheader("Where next")
widgets.page_links(
    ("pages/train.py", "Train", ":material/model_training:", "Pick a model, press Train, watch it learn."),
    ("pages/runs.py", "Runs", ":material/table_rows:", "Compare curves, or load your own .keras model."),
    ("pages/sweep.py", "Sweep", ":material/tune:", "Let a search find better hyperparameters."),
    ("pages/evaluate.py", "Evaluate", ":material/grid_on:", "See which garments a model confuses."),
    ("pages/draw.py", "Draw", ":material/draw:", "Draw a garment and see what each model thinks."),
)
