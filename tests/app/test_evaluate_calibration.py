"""AppTest of the Evaluate page's Calibration tab and the calibration chart of Compare runs."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.evaluation import calibration, evaluation
from tests.app.test_evaluate import run_ids


def calibration_page(model: str | None) -> None:
    """The Evaluate page's Calibration and Compare tabs on their own (as pages/evaluate.py calls
    them), so these tests do not depend on the page's other tabs."""
    import streamlit as st

    from fmnist_ui.evaluate import calibration as evaluate_calibration
    from fmnist_ui.evaluate import compare as evaluate_compare
    from fmnist_ui.shared import loaders

    records = loaders.finished_runs()
    record = next(r for r in records if r.model == model) if model else records[0]
    if st.session_state.get("evaluate_tab") == "Compare runs":
        evaluate_compare.render_compare_tab(records, record.id)
    else:
        evaluate_calibration.render_calibration_tab(loaders.load_evaluation(record.id))


def open_page(tab: str, model: str | None = None) -> AppTest:
    at = AppTest.from_function(calibration_page, kwargs={"model": model}, default_timeout=60)
    at.session_state["evaluate_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def chart(at: AppTest, key: str) -> dict:
    """The Plotly spec of the chart drawn with widget key ``key``."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}") or f"-{key}-" in c.proto.id]
    assert len(found) == 1, [c.proto.id for c in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def values(array: list | dict) -> list:
    """A Plotly data array as a list (Plotly sends numpy arrays as base64 typed arrays)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def seeded_calibration(root, model: str) -> calibration.Calibration:
    predictions = evaluation.load_predictions(root / "runs" / run_ids(root)[model])
    return calibration.Calibration.from_probabilities(predictions.probabilities, predictions.labels)


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_tab_draws_the_diagram_with_the_runs_ece_and_explains_it(seeded_artifacts, model):
    at = open_page("Calibration", model)
    expected = seeded_calibration(seeded_artifacts, model)
    diagram = chart(at, "evaluate_reliability_chart")
    assert diagram["layout"]["title"]["text"].endswith(f"ECE {expected.ece:.1%}")
    bars = next(trace for trace in diagram["data"] if trace["name"] == "Accuracy")
    filled = expected.bins[expected.bins["count"] > 0]
    assert values(bars["y"]) == pytest.approx(filled["accuracy"].tolist())
    assert f"{expected.ece:.2%}" in [metric.value for metric in at.metric]
    text = " ".join(block.value for block in at.markdown)
    example = expected.example_bin(0.9)
    assert f"it is right **{example['accuracy']:.1%}** of the time ({int(example['count']):,} test" in text
    side = "over" if expected.over_confidence > 0 else "under"
    assert f"{side}-confident by {abs(expected.over_confidence) * 100:.1f} points" in text


def test_histogram_counts_every_prediction_and_switches_to_a_log_axis(seeded_artifacts):
    at = open_page("Calibration")
    histogram = chart(at, "evaluate_confidence_histogram")
    right, wrong = histogram["data"]
    predictions = evaluation.load_predictions(seeded_artifacts / "runs" / run_ids(seeded_artifacts)["cnn"])
    mistakes = int((predictions.predicted != predictions.labels).sum())
    assert (
        sum(values(wrong["y"])) == mistakes and sum(values(right["y"])) == len(predictions.labels) - mistakes
    )
    assert histogram["layout"]["yaxis"].get("type") != "log"
    at.toggle(key="evaluate_calibration_log").set_value(True).run()
    assert not at.exception
    assert chart(at, "evaluate_confidence_histogram")["layout"]["yaxis"]["type"] == "log"
    (table,) = [frame.value for frame in at.dataframe]  # the bins table, the only one
    assert table["images"].sum() == len(predictions.labels)


def test_compare_shows_both_reliability_curves_with_their_ece(seeded_artifacts):
    at = open_page("Compare runs")
    figure = chart(at, "evaluate_compare_reliability_chart")
    names = [trace["name"] for trace in figure["data"]]
    mlp, cnn = seeded_calibration(seeded_artifacts, "mlp"), seeded_calibration(seeded_artifacts, "cnn")
    assert names == ["Perfect calibration", f"mlp · ECE {mlp.ece:.1%}", f"cnn · ECE {cnn.ece:.1%}"]
    assert values(figure["data"][2]["y"]) == pytest.approx(
        cnn.bins.loc[cnn.bins["count"] > 0, "accuracy"].tolist()
    )
    caption = " ".join(block.value for block in at.caption)
    assert f"mlp: ECE {mlp.ece:.2%}" in caption and f"cnn: ECE {cnn.ece:.2%}" in caption


def test_the_verdict_names_the_side_and_calls_a_tiny_gap_calibrated():
    from fmnist_ui.evaluate.calibration import bins_table, verdict

    sure_and_right = calibration.Calibration.from_probabilities(np.eye(3), np.arange(3))
    assert verdict(sure_and_right) == "well calibrated on average"
    half_right = calibration.Calibration.from_probabilities(np.eye(2), np.array([0, 0]))  # 100% sure
    assert verdict(half_right) == "over-confident by 50.0 points"
    timid = calibration.Calibration.from_probabilities(np.array([[0.6, 0.4]] * 2), np.array([0, 0]))
    assert verdict(timid) == "under-confident by 40.0 points"
    table = bins_table(timid)
    assert table.to_dict("records") == [
        {
            "confidence bin": "53.3% – 60.0%",
            "images": 2,
            "wrong": 0,
            "mean confidence": "60.0%",
            "accuracy": "100.0%",
            "confidence − accuracy (points)": "-40.0",
        }
    ]
