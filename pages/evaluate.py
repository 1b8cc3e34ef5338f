"""Evaluate: where and why does a finished run fail?

Reads only stored predictions and features (no TensorFlow), evaluated once per run: confusion
matrix -> gallery of the clicked cell, the whole test set as a map, per-class metrics, calibration,
the test labels every finished run disbelieves, a comparison of two runs, the validation
confusion epoch by epoch, and the model's files to download.
"""

import streamlit as st

from fmnist_ui.evaluate import calibration as evaluate_calibration
from fmnist_ui.evaluate import compare as evaluate_compare
from fmnist_ui.evaluate import map_tab as evaluate_map
from fmnist_ui.evaluate import metrics as evaluate_metrics
from fmnist_ui.evaluate import suspicious as evaluate_suspicious
from fmnist_ui.evaluate import tabs as evaluate_tabs
from fmnist_ui.evaluate import view as evaluate_view
from fmnist_ui.shared import loaders, model_downloads, report_downloads
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.router import ensure_app_router

ensure_app_router()

st.title(t("evaluate.title"))
st.caption(t("evaluate.caption"))

records = loaders.finished_runs()
if not records:
    evaluate_view.render_empty_state()
    st.stop()

record = evaluate_view.pick_run(records)
run = evaluate_view.load_run_evaluation(record.id)
if run is None:
    st.stop()
report_downloads.render_run_report(record)

tabs = evaluate_tabs.open_tabs()
with tabs["errors"]:
    if tabs["errors"].open:
        evaluate_view.render_errors_tab(run)
with tabs["map"]:
    if tabs["map"].open:
        evaluate_map.render_map_tab(record, run)
with tabs["metrics"]:
    if tabs["metrics"].open:
        evaluate_metrics.render_metrics_tab(run)
with tabs["calibration"]:
    if tabs["calibration"].open:
        evaluate_calibration.render_calibration_tab(run)
with tabs["suspicious"]:
    if tabs["suspicious"].open:
        evaluate_suspicious.render_suspicious_tab(records)
with tabs["compare"]:
    if tabs["compare"].open:
        evaluate_compare.render_compare_tab(records, record.id)
with tabs["over_time"]:
    if tabs["over_time"].open:
        evaluate_compare.render_over_time_tab(record)
with tabs["download"]:
    if tabs["download"].open:
        model_downloads.render_download_section(record)
