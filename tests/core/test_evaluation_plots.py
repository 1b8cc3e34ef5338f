"""The Plotly builders of the Evaluate page encode exactly the numbers they are given."""

import numpy as np
import pandas as pd
import pytest

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation
from fmnist_core.plots import evaluation_plots, gallery_plots


@pytest.fixture(scope="module")
def counts() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 500, size=(10, 10))


def as_streamlit_point(figure, index: int) -> dict:
    """A clicked marker as Streamlit hands it to Python (customdata arrives as a dict)."""
    trace = figure.data[1]
    custom = trace.customdata[index]
    return {"x": trace.x[index], "y": trace.y[index], "customdata": {str(k): v for k, v in enumerate(custom)}}


def test_confusion_cells_and_their_clickable_labels_hold_every_count(counts):
    figure = evaluation_plots.plot_confusion_matrix(counts)
    cells, labels = figure.data
    assert cells.type == "heatmap" and np.array_equal(np.asarray(cells.z), counts)
    assert list(cells.x) == list(cells.y) == list(CLASS_NAMES) and cells.hoverinfo == "skip"
    assert labels.type == "scatter" and len(labels.x) == 100
    for point in range(100):
        i, j = divmod(point, 10)
        assert (labels.y[point], labels.x[point]) == (CLASS_NAMES[i], CLASS_NAMES[j])
        assert list(labels.customdata[point]) == [i, j, counts[i, j]]
        assert labels.text[point] == str(counts[i, j])
    assert list(figure.layout.yaxis.categoryarray) == list(CLASS_NAMES[::-1])  # T-shirt/top on top
    assert figure.layout.hoverdistance == -1  # anywhere in a cell hovers (and clicks) its label


def test_dark_cells_get_white_numbers_and_long_numbers_a_smaller_font():
    counts = np.zeros((10, 10), int)
    counts[0, 0], counts[0, 1] = 900, 10
    labels = evaluation_plots.plot_confusion_matrix(counts).data[1]
    assert labels.textfont.color[:3] == ("white", "#262730", "#262730")
    assert labels.textfont.size == evaluation_plots.CELL_FONT_PX
    counts[0, 0] = 1000
    labels = evaluation_plots.plot_confusion_matrix(counts).data[1]
    assert labels.textfont.size == evaluation_plots.LONG_CELL_FONT_PX


def test_every_clicked_marker_maps_back_to_its_cell(counts):
    figure = evaluation_plots.plot_confusion_matrix(counts)
    cells = [evaluation_plots.cell_from_point(as_streamlit_point(figure, k)) for k in range(100)]
    assert cells == [divmod(k, 10) for k in range(100)]
    assert evaluation_plots.cell_from_point({"x": "T-shirt/top", "y": "Shirt"}) == (6, 0)
    assert evaluation_plots.cell_from_point({"customdata": [6, 0, 12]}) == (6, 0)
    assert evaluation_plots.cell_from_point({"x": 3, "y": 4}) is None


def test_normalised_matrix_writes_percentages_on_a_fixed_scale(counts):
    fractions = counts / counts.sum(axis=1, keepdims=True)
    cells, labels = evaluation_plots.plot_confusion_matrix(fractions, normalized=True).data
    assert labels.text[0] == f"{fractions[0, 0]:.0%}"
    assert (cells.zmin, cells.zmax) == (0, 1.0)


def test_sub_matrix_keeps_the_real_class_indices_and_outlines_the_selection(counts):
    group = evaluation.TOPS_GROUP
    figure = evaluation_plots.plot_confusion_matrix(
        error_analysis.sub_matrix(counts, group), group, selected=(6, 0)
    )
    labels = figure.data[1]
    assert len(labels.x) == 16 and list(labels.customdata[12][:2]) == [6, 0]
    assert labels.customdata[12][2] == counts[6, 0]
    (outline,) = figure.layout.shapes  # Shirt is the group's last row: the bottom one, position 0
    assert (outline.x0, outline.x1, outline.y0, outline.y1) == (-0.5, 0.5, -0.5, 0.5)
    assert not evaluation_plots.plot_confusion_matrix(counts).layout.shapes  # nothing selected


def test_difference_matrix_is_signed_on_a_diverging_scale():
    difference = np.zeros((10, 10), int)
    difference[6, 0], difference[6, 6] = -40, 25
    cells, labels = evaluation_plots.plot_confusion_difference(difference, "cnn minus mlp").data
    assert labels.text[60] == "-40" and labels.text[66] == "+25" and labels.text[0] == ""
    assert (cells.zmin, cells.zmid, cells.zmax) == (-40, 0, 40)
    assert cells.colorscale[0][1] != cells.colorscale[-1][1]


def test_gallery_item_pairs_the_image_with_its_probability_bars():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, size=(28, 28), dtype=np.uint8)
    probabilities = np.eye(10)[0] * 0.93 + 0.07 / 10  # a confident T-shirt/top ...
    figure = gallery_plots.plot_gallery_item(image, probabilities, 6, 42)  # ... that is really a Shirt
    heatmap, bars = figure.data
    assert np.array_equal(np.asarray(heatmap.z), image)
    assert list(bars.x) == pytest.approx(list(probabilities))
    assert bars.marker.color[6] == evaluation_plots.TRUE_COLOUR
    assert bars.marker.color[0] == evaluation_plots.PREDICTED_COLOUR
    assert [a.text for a in figure.layout.annotations] == [
        "true Shirt / pred T-shirt/top (p=0.94)<br>test #42"
    ]


def test_correct_prediction_is_drawn_green():
    probabilities = np.eye(10)[3] * 0.9 + 0.01
    figure = gallery_plots.plot_gallery_item(np.zeros((28, 28), np.uint8), probabilities, 3, 5)
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
