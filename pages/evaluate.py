"""Evaluate: where and why does a finished run fail?

Reads only stored predictions and features (no TensorFlow), evaluated once per run: confusion
matrix -> gallery of the clicked cell, the whole test set as a map, per-class metrics, calibration,
the test labels every finished run disbelieves, a comparison of two runs and the validation
confusion epoch by epoch.
"""

import streamlit as st

from fmnist_ui import (
    evaluate_calibration,
    evaluate_compare,
    evaluate_map,
    evaluate_suspicious,
    evaluate_view,
    loaders,
)
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
with tabs["Map"]:
    if tabs["Map"].open:
        evaluate_map.render_map_tab(record, run)
with tabs["Per-class metrics"]:
    if tabs["Per-class metrics"].open:
        evaluate_view.render_metrics_tab(run)
with tabs["Calibration"]:
    if tabs["Calibration"].open:
        evaluate_calibration.render_calibration_tab(run)
with tabs["Suspicious labels"]:
    if tabs["Suspicious labels"].open:
        evaluate_suspicious.render_suspicious_tab(records)
with tabs["Compare runs"]:
    if tabs["Compare runs"].open:
        evaluate_compare.render_compare_tab(records, record.id)
with tabs["Over time"]:
    if tabs["Over time"].open:
        evaluate_compare.render_over_time_tab(record)
