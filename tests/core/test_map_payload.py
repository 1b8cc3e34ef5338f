"""The embedding map's payload: encodings that survive the trip, the chosen cell's points, the
selection the browser sends back, the sentences and the thumbnail sprite."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation
from fmnist_core.inspection import map_payload


def fake_run(count: int = 500, seed: int = 0) -> evaluation.RunEvaluation:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    probabilities = rng.dirichlet(np.ones(10) * 0.4, size=count).astype(np.float32)
    return evaluation.RunEvaluation.from_predictions(evaluation.Predictions(probabilities, labels))


def test_points_round_trip_through_base64():
    run = fake_run()
    coordinates = np.random.default_rng(1).normal(size=(500, 2)).astype(np.float32) * 100
    points = map_payload.points_payload(coordinates, run.predictions.labels, run.predictions.probabilities)
    assert points["count"] == 500
    assert np.array_equal(map_payload.decode(points["coordinates"], "float32", (500, 2)), coordinates)
    assert np.array_equal(map_payload.decode(points["labels"], "uint8", (500,)), run.predictions.labels)
    assert np.array_equal(map_payload.decode(points["predicted"], "uint8", (500,)), run.predictions.predicted)
    percent = map_payload.decode(points["percent"], "uint8", (500, 10)).astype(int)
    assert np.abs(percent - run.predictions.probabilities * 100).max() <= 0.5
    # rounding keeps the order: the predicted class still has the largest percent
    assert (percent.max(axis=1) == percent[np.arange(500), run.predictions.predicted]).all()


def test_data_key_changes_with_the_points_only():
    run = fake_run()
    coordinates = np.zeros((500, 2), np.float32)
    first = map_payload.points_payload(coordinates, run.predictions.labels, run.predictions.probabilities)
    same = map_payload.points_payload(coordinates, run.predictions.labels, run.predictions.probabilities)
    moved = map_payload.points_payload(coordinates + 1, run.predictions.labels, run.predictions.probabilities)
    assert first["data_key"] == same["data_key"] != moved["data_key"]


@pytest.mark.parametrize(
    ("coordinates", "message"),
    [
        (np.zeros((500, 3)), "expected (N, 2)"),
        (np.zeros((499, 2)), "499 coordinates but 500 labels"),
        (np.full((500, 2), np.nan), "NaN"),
    ],
)
def test_points_that_do_not_fit_are_refused(coordinates, message):
    run = fake_run()
    with pytest.raises(ValueError, match=re.escape(message)):
        map_payload.points_payload(coordinates, run.predictions.labels, run.predictions.probabilities)


def test_highlight_of_a_chosen_cell_is_label_true_and_prediction_pred():
    run = fake_run(2000)
    labels, predicted = run.predictions.labels, run.predictions.predicted
    for true_class, predicted_class in [(6, 0), (2, 4), (3, 3)]:
        chosen = error_analysis.select_gallery(run, true_class, predicted_class)
        expected = np.flatnonzero((labels == true_class) & (predicted == predicted_class))
        assert len(expected) > 0
        assert np.array_equal(np.sort(chosen), expected)
        args = map_payload.map_args(
            map_payload.points_payload(np.zeros((2000, 2)), labels, run.predictions.probabilities),
            colour="true",
            highlight=chosen,
        )
        assert np.array_equal(map_payload.decode(args["highlight"], "uint32", (len(chosen),)), chosen)


def test_map_args_carry_the_mark_and_refuse_unknown_colours():
    run = fake_run()
    points = map_payload.points_payload(
        np.zeros((500, 2)), run.predictions.labels, run.predictions.probabilities
    )
    args = map_payload.map_args(
        points, colour="confidence", marked=map_payload.MarkedPoint(1.5, -2.0, "Yours")
    )
    assert args["marked"] == {"x": 1.5, "y": -2.0, "text": "Yours"} and args["highlight"] is None
    assert args["class_names"] == list(CLASS_NAMES)
    with pytest.raises(ValueError, match="unknown colour mode 'rainbow'"):
        map_payload.map_args(points, colour="rainbow")


def test_selection_from_the_browser():
    value = {"indices": [5, 3, 3, 9999, -1, "x", 12], "kind": "lasso", "token": 4}
    assert map_payload.selected_indices(value, 4, 100).tolist() == [3, 5, 12]
    assert map_payload.selected_indices(value, 3, 100) is None  # made on an earlier map
    assert map_payload.selected_indices({"indices": [], "kind": "clear", "token": 4}, 4, 100) is None
    assert map_payload.selected_indices({"indices": [], "kind": "box", "token": 4}, 4, 100).tolist() == []
    assert map_payload.selected_indices(None, 4, 100) is None
    assert map_payload.selected_indices({"indices": "1,2", "token": 4}, 4, 100) is None


def test_sentences():
    labels = np.array([6] * 140 + [0] * 50 + [2] * 22)
    sentence = map_payload.describe_selection(np.arange(212), labels)
    assert sentence == "212 images selected: 140 Shirt, 50 T-shirt/top, 22 Pullover (true classes)."
    assert map_payload.describe_selection(np.array([0]), labels).startswith("1 image selected: 1 Shirt")
    neighbours = np.array([2, 2, 2, 2, 2, 2, 2, 4, 4, 6])
    assert map_payload.describe_neighbourhood(neighbours) == (
        "Your drawing sits among the **Pullovers** (7 of its 10 nearest test images)."
    )
    assert map_payload.plural("Dress") == "Dresses" and map_payload.plural("T-shirt/top") == "T-shirts/tops"


def test_sprite_places_image_i_at_its_tile():
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(250, 28, 28), dtype=np.uint8)
    grid = np.asarray(Image.open(io.BytesIO(map_payload.sprite_png(images, columns=100))))
    assert grid.shape == (3 * 28, 100 * 28)
    for index in (0, 99, 100, 249):
        row, column = divmod(index, 100)
        assert np.array_equal(grid[row * 28 : row * 28 + 28, column * 28 : column * 28 + 28], images[index])
    assert not grid[2 * 28 :, 50 * 28 :].any()  # the tiles after the last image stay black
