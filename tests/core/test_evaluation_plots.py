"""The Plotly builders of the Evaluate page encode exactly the numbers they are given."""

import numpy as np
import pandas as pd
import pytest

from fmnist_core import error_analysis, evaluation_plots
from fmnist_core.data import CLASS_NAMES


@pytest.fixture(scope="module")
def counts() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 500, size=(10, 10))


def as_streamlit_point(figure, index: int) -> dict:
    """A clicked marker as Streamlit hands it to Python (customdata arrives as a dict)."""
    trace = figure.data[0]
    custom = trace.customdata[index]
    return {"x": trace.x[index], "y": trace.y[index], "customdata": {str(k): v for k, v in enumerate(custom)}}


def test_confusion_scatter_has_one_square_marker_per_cell(counts):
    figure = evaluation_plots.plot_confusion_matrix(counts)
    (trace,) = figure.data
    assert trace.type == "scatter" and trace.marker.symbol == "square" and len(trace.x) == 100
    for point in range(100):
        i, j = divmod(point, 10)
        assert (trace.y[point], trace.x[point]) == (CLASS_NAMES[i], CLASS_NAMES[j])
        assert list(trace.customdata[point]) == [i, j, counts[i, j]]
        assert trace.text[point] == str(counts[i, j])
    assert list(trace.marker.color) == list(counts.ravel())
    assert list(figure.layout.yaxis.categoryarray) == list(CLASS_NAMES[::-1])  # T-shirt/top on top


def test_every_clicked_marker_maps_back_to_its_cell(counts):
    figure = evaluation_plots.plot_confusion_matrix(counts)
    cells = [evaluation_plots.cell_from_point(as_streamlit_point(figure, k)) for k in range(100)]
    assert cells == [divmod(k, 10) for k in range(100)]
    assert evaluation_plots.cell_from_point({"x": "T-shirt/top", "y": "Shirt"}) == (6, 0)
    assert evaluation_plots.cell_from_point({"customdata": [6, 0, 12]}) == (6, 0)
    assert evaluation_plots.cell_from_point({"x": 3, "y": 4}) is None


def test_normalised_matrix_writes_percentages_on_a_fixed_scale(counts):
    fractions = counts / counts.sum(axis=1, keepdims=True)
    trace = evaluation_plots.plot_confusion_matrix(fractions, normalized=True).data[0]
    assert trace.text[0] == f"{fractions[0, 0]:.0%}"
    assert (trace.marker.cmin, trace.marker.cmax) == (0, 1.0)


def test_sub_matrix_keeps_the_real_class_indices_and_outlines_the_selection(counts):
    group = error_analysis.TOPS_GROUP
    figure = evaluation_plots.plot_confusion_matrix(
        error_analysis.sub_matrix(counts, group), group, selected=(6, 0)
    )
    cells, outline = figure.data
    assert len(cells.x) == 16 and list(cells.customdata[12][:2]) == [6, 0]
    assert cells.customdata[12][2] == counts[6, 0]
    assert (outline.y[0], outline.x[0]) == ("Shirt", "T-shirt/top") and outline.hoverinfo == "skip"
    assert len(evaluation_plots.plot_confusion_matrix(counts).data) == 1  # nothing selected: no outline


def test_difference_matrix_is_signed_on_a_diverging_scale():
    difference = np.zeros((10, 10), int)
    difference[6, 0], difference[6, 6] = -40, 25
    trace = evaluation_plots.plot_confusion_difference(difference, "cnn minus mlp").data[0]
    assert trace.text[60] == "-40" and trace.text[66] == "+25" and trace.text[0] == ""
    assert (trace.marker.cmin, trace.marker.cmid, trace.marker.cmax) == (-40, 0, 40)
    assert trace.marker.colorscale[0][1] != trace.marker.colorscale[-1][1]


def test_gallery_pairs_each_image_with_its_probability_bars():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    probabilities = rng.dirichlet(np.ones(10), size=5)
    probabilities[0] = np.eye(10)[0] * 0.93 + 0.07 / 10  # a confident T-shirt/top ...
    labels = np.array([6, 1, 2, 3, 4])  # ... that is really a Shirt
    indices = np.array([42, 7, 300, 9999, 0])
    figure = evaluation_plots.plot_gallery(images, probabilities, labels, indices, columns=3)
    heatmaps = [t for t in figure.data if t.type == "heatmap"]
    bars = [t for t in figure.data if t.type == "bar"]
    assert len(heatmaps) == len(bars) == 5
    assert np.array_equal(np.asarray(heatmaps[0].z), images[0])
    assert list(bars[0].x) == pytest.approx(list(probabilities[0]))
    colours = bars[0].marker.color
    assert colours[6] == evaluation_plots.TRUE_COLOUR and colours[0] == evaluation_plots.PREDICTED_COLOUR
    titles = [a.text for a in figure.layout.annotations]
    assert titles[0] == "true Shirt / pred T-shirt/top (p=0.94)<br>test #42"
    assert all(f"test #{index}" in title for index, title in zip(indices, titles, strict=True))


def test_correct_prediction_is_drawn_green():
    probabilities = np.eye(10)[[3]] * 0.9 + 0.01
    figure = evaluation_plots.plot_gallery(
        np.zeros((1, 28, 28), np.uint8), probabilities, np.array([3]), np.array([5])
    )
    colours = figure.data[1].marker.color
    assert colours[3] == evaluation_plots.TRUE_COLOUR and evaluation_plots.PREDICTED_COLOUR not in colours


def test_per_class_metrics_bars_show_the_table():
    table = pd.DataFrame(
        {"precision": np.linspace(0.1, 1, 10), "recall": np.linspace(1, 0.1, 10), "f1": 0.5, "support": 100},
        index=list(CLASS_NAMES),
    )
    figure = evaluation_plots.plot_per_class_metrics(table)
    assert [t.name for t in figure.data] == ["precision", "recall", "f1"]
    assert list(figure.data[0].y) == pytest.approx(list(table["precision"]))
    assert list(figure.data[0].x) == list(CLASS_NAMES)
