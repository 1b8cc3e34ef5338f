"""Evaluate: where and why does a finished run fail?

Reads only stored predictions (no TensorFlow), evaluated once per run: confusion matrix -> gallery
of the clicked cell, per-class metrics, a comparison of two runs and the validation confusion epoch
by epoch.
"""

import streamlit as st

from fmnist_ui import evaluate_compare, evaluate_view, loaders
from fmnist_ui.router import ensure_app_router

ensure_app_router()

st.title("Evaluate")
st.caption("Where and why does a model fail? Click a cell of the confusion matrix to see its images.")

records = loaders.finished_runs()
if not records:
    evaluate_view.render_empty_state()
    st.stop()

record = evaluate_view.pick_run(records)
run = evaluate_view.load_run_evaluation(record.id)
if run is None:
    st.stop()

tabs = evaluate_view.open_tabs()
with tabs["Confusion & gallery"]:
    if tabs["Confusion & gallery"].open:
        evaluate_view.render_errors_tab(run)
with tabs["Per-class metrics"]:
    if tabs["Per-class metrics"].open:
        evaluate_view.render_metrics_tab(run)
with tabs["Compare runs"]:
    if tabs["Compare runs"].open:
        evaluate_compare.render_compare_tab(records, record.id)
with tabs["Over time"]:
    if tabs["Over time"].open:
        evaluate_compare.render_over_time_tab(record)
