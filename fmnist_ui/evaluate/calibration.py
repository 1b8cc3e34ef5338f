"""The Evaluate page's Calibration tab: can the model's confidence be taken at its word?

Everything comes from the run's cached ``RunEvaluation.calibration`` (15 bins, computed once per
run), so the log-scale toggle only re-draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core.evaluation.calibration import Calibration
from fmnist_core.evaluation.evaluation import RunEvaluation
from fmnist_core.plots import calibration_plots
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.widgets import NO_TOOLBAR

LOG_KEY = "evaluate_calibration_log"
CALIBRATED_WITHIN = 0.005  # half a point between mean confidence and accuracy reads as calibrated


def verdict(calibration: Calibration) -> str:
    """Mean confidence against accuracy in words: "over-confident by 4.2 points", "under-confident
    by ..." or "well calibrated on average" (bins can still err both ways: the ECE tells)."""
    gap = calibration.over_confidence
    if abs(gap) < CALIBRATED_WITHIN:
        return t("evaluate.well_calibrated")
    return t("evaluate.over_confident" if gap > 0 else "evaluate.under_confident", points=abs(gap) * 100)


def explanation(calibration: Calibration) -> str:
    """Two plain sentences with the run's numbers, for a learner."""
    row = calibration.example_bin(0.9)
    return t(
        "evaluate.explanation_one" if row["count"] == 1 else "evaluate.explanation_many",
        lower=row["lower"],
        upper=row["upper"],
        accuracy=row["accuracy"],
        count=int(row["count"]),
        mean_confidence=calibration.mean_confidence,
        mean_accuracy=calibration.accuracy,
        verdict=verdict(calibration),
    )


BIN_COLUMNS = {
    "confidence bin": "evaluate.column_bin",
    "images": "evaluate.column_images",
    "wrong": "evaluate.column_wrong",
    "mean confidence": "evaluate.column_mean_confidence",
    "accuracy": "evaluate.column_accuracy",
    "confidence − accuracy (points)": "evaluate.column_gap",
}


def bins_table(calibration: Calibration) -> pd.DataFrame:
    """The filled bins as the user reads them (percent text, counts), English column names."""
    filled = calibration.bins[calibration.bins["count"] > 0]
    return pd.DataFrame(
        {
            "confidence bin": [
                f"{lo:.1%} – {hi:.1%}" for lo, hi in zip(filled["lower"], filled["upper"], strict=True)
            ],
            "images": filled["count"].to_numpy(),
            "wrong": (filled["count"] - filled["correct"]).to_numpy(),
            "mean confidence": [f"{value:.1%}" for value in filled["confidence"]],
            "accuracy": [f"{value:.1%}" for value in filled["accuracy"]],
            "confidence − accuracy (points)": [f"{value * 100:+.1f}" for value in filled["gap"]],
        }
    )


def render_calibration_tab(run: RunEvaluation) -> None:
    """Reliability diagram, ECE, and the confidence of right and wrong predictions of one run."""
    calibration = run.calibration
    st.markdown(explanation(calibration))
    ece_col, confidence_col, accuracy_col = st.columns(3)
    ece_col.metric(t("evaluate.ece"), f"{calibration.ece:.2%}", help=t("evaluate.ece_help"))
    confidence_col.metric(t("evaluate.mean_confidence"), f"{calibration.mean_confidence:.2%}")
    accuracy_col.metric(t("evaluate.test_accuracy"), f"{calibration.accuracy:.2%}")
    diagram_col, histogram_col = st.columns(2)
    with diagram_col:
        figure = calibration_plots.plot_reliability_diagram(calibration, t=t)
        st.plotly_chart(figure, key="evaluate_reliability_chart", config=NO_TOOLBAR)
    with histogram_col:
        log_y = st.toggle(t("evaluate.log_scale"), key=LOG_KEY, help=t("evaluate.log_scale_help"))
        figure = calibration_plots.plot_confidence_histogram(calibration, log_y=log_y, t=t)
        st.plotly_chart(figure, key="evaluate_confidence_histogram", config=NO_TOOLBAR)
        if len(run.mistakes) and len(run.correct):
            confidence = run.predictions.confidence
            st.caption(
                t(
                    "evaluate.right_and_wrong",
                    right=confidence[run.correct].mean(),
                    wrong=confidence[run.mistakes].mean(),
                )
            )
    with st.expander(t("evaluate.bins_expander")):
        table = bins_table(calibration).rename(columns=lambda column: t(BIN_COLUMNS[column]))
        st.dataframe(table, hide_index=True, key="evaluate_calibration_table")
        st.caption(t("evaluate.bins_note"))


def render_compare_calibration(runs: list[tuple[str, RunEvaluation]]) -> None:
    """The reliability curves of the compared runs on one chart, each with its ECE."""
    st.subheader(t("evaluate.compare_calibration"))
    curves = [(name, run.calibration) for name, run in runs]
    figure = calibration_plots.plot_reliability_comparison(curves, t=t)
    st.plotly_chart(figure, key="evaluate_compare_reliability_chart", config=NO_TOOLBAR)
    each = " · ".join(
        t("evaluate.compare_calibration_run", name=name, ece=curve.ece, verdict=verdict(curve))
        for name, curve in curves
    )
    st.caption(t("evaluate.compare_calibration_note", runs=each))
