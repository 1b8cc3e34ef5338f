"""The Evaluate page's Calibration tab: can the model's confidence be taken at its word?

Everything comes from the run's cached ``RunEvaluation.calibration`` (15 bins, computed once per
run), so the log-scale toggle only re-draws.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core import calibration_plots
from fmnist_core.calibration import Calibration
from fmnist_core.evaluation import RunEvaluation
from fmnist_ui.widgets import NO_TOOLBAR

LOG_KEY = "evaluate_calibration_log"
CALIBRATED_WITHIN = 0.005  # half a point between mean confidence and accuracy reads as calibrated


def verdict(calibration: Calibration) -> str:
    """Mean confidence against accuracy in words: "over-confident by 4.2 points", "under-confident
    by ..." or "well calibrated on average" (bins can still err both ways: the ECE tells)."""
    gap = calibration.over_confidence
    if abs(gap) < CALIBRATED_WITHIN:
        return "well calibrated on average"
    return f"{'over' if gap > 0 else 'under'}-confident by {abs(gap) * 100:.1f} points"


def explanation(calibration: Calibration) -> str:
    """Two plain sentences with the run's numbers, for a learner."""
    row = calibration.example_bin(0.9)
    images = "image" if row["count"] == 1 else "images"
    return (
        f"When this model says **{row['lower']:.0%}–{row['upper']:.0%}** sure, it is right "
        f"**{row['accuracy']:.1%}** of the time ({int(row['count']):,} test {images}). "
        f"On average it is {calibration.mean_confidence:.1%} sure and right {calibration.accuracy:.1%} "
        f"of the time: **{verdict(calibration)}**. Bars below the dashed diagonal mean over-confidence "
        "(red: the model claims more than it achieves), bars above it under-confidence (orange)."
    )


def bins_table(calibration: Calibration) -> pd.DataFrame:
    """The filled bins as the user reads them (percent text, counts)."""
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
    ece_col.metric(
        "ECE (15 bins)",
        f"{calibration.ece:.2%}",
        help="Expected calibration error: the gap between each bar and the diagonal, averaged over "
        "the bins weighted by their images (Guo et al. 2017). 0% is perfect.",
    )
    confidence_col.metric("Mean confidence", f"{calibration.mean_confidence:.2%}")
    accuracy_col.metric("Test accuracy", f"{calibration.accuracy:.2%}")
    diagram_col, histogram_col = st.columns(2)
    with diagram_col:
        figure = calibration_plots.plot_reliability_diagram(calibration)
        st.plotly_chart(figure, key="evaluate_reliability_chart", config=NO_TOOLBAR)
    with histogram_col:
        log_y = st.toggle(
            "Log scale for the counts",
            key=LOG_KEY,
            help="Shows the few wrong predictions next to the many right ones.",
        )
        figure = calibration_plots.plot_confidence_histogram(calibration, log_y=log_y)
        st.plotly_chart(figure, key="evaluate_confidence_histogram", config=NO_TOOLBAR)
        if len(run.mistakes) and len(run.correct):
            confidence = run.predictions.confidence
            st.caption(
                f"Right predictions are {confidence[run.correct].mean():.1%} sure on average, wrong ones "
                f"{confidence[run.mistakes].mean():.1%}: the further apart, the better a low confidence "
                "warns of a mistake."
            )
    with st.expander("The bins as a table"):
        st.dataframe(bins_table(calibration), hide_index=True, key="evaluate_calibration_table")
        st.caption(
            "Bins are (lower, upper]: a confidence on an edge counts in the bin that ends there, and "
            "100% in the last bin. Empty bins are left out and weigh nothing in the ECE."
        )


def render_compare_calibration(runs: list[tuple[str, RunEvaluation]]) -> None:
    """The reliability curves of the compared runs on one chart, each with its ECE."""
    st.subheader("Calibration of both runs")
    curves = [(name, run.calibration) for name, run in runs]
    figure = calibration_plots.plot_reliability_comparison(curves)
    st.plotly_chart(figure, key="evaluate_compare_reliability_chart", config=NO_TOOLBAR)
    st.caption(
        "One point per confidence bin: its mean confidence (across) and accuracy (up). A curve below "
        "the diagonal is over-confident. "
        + " · ".join(f"{name}: ECE {curve.ece:.2%}, {verdict(curve)}" for name, curve in curves)
        + "."
    )
