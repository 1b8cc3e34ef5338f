"""Plotly figure builders: the figures hold exactly the data they were given."""

from __future__ import annotations

import numpy as np
import pytest

from fmnist_core.data import CLASS_NAMES
from fmnist_core.plots import plots, recipe_plots

HISTORY = [
    {"epoch": 1, "loss": 0.9, "accuracy": 0.70, "val_loss": 0.8, "val_accuracy": 0.75},
    {"epoch": 2, "loss": 0.6, "accuracy": 0.80, "val_loss": 0.7, "val_accuracy": 0.78},
]


@pytest.fixture
def labels() -> np.ndarray:
    return np.random.default_rng(1).integers(0, 10, size=500)


def test_sample_indices_cover_every_class_in_class_order(labels: np.ndarray) -> None:
    indices = plots.sample_indices(labels, count=25, seed=3)
    picked = labels[indices]
    assert len(set(indices.tolist())) == 25
    assert set(picked.tolist()) == set(range(10))
    assert np.bincount(picked, minlength=10).min() >= 2
    assert (np.diff(picked) >= 0).all()
    np.testing.assert_array_equal(indices, plots.sample_indices(labels, count=25, seed=3))


def test_sample_grid_has_one_labelled_image_per_sample(labels: np.ndarray) -> None:
    images = np.random.default_rng(0).integers(0, 256, size=(25, 28, 28), dtype=np.uint8)
    chosen = labels[:25]
    fig = plots.plot_sample_grid(images, chosen)
    assert [trace.type for trace in fig.data] == ["image"]  # one composed image
    titles = [note.text for note in fig.layout.annotations]
    assert titles == [CLASS_NAMES[label] for label in chosen]


def test_sample_mosaic_places_every_image_under_its_label() -> None:
    images = np.random.default_rng(1).integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    mosaic, anchors = plots.sample_mosaic(images, columns=3, gap=2, band=9)
    assert mosaic.shape == (3 * 37, 3 * 30 - 2) and mosaic.dtype == np.uint8
    for image, (x, y) in zip(images, anchors, strict=True):
        top, left = int(y + 0.5), int(x - 13.5)  # the label sits on the tile's top edge, centred
        np.testing.assert_array_equal(mosaic[top : top + 28, left : left + 28], image)
    assert (mosaic[:9] == 255).all()  # the label band over the first row is blank


def test_class_balance_counts_each_set(labels: np.ndarray) -> None:
    test_labels = labels[:100]
    fig = plots.plot_class_balance(labels, test_labels)
    train_bar, test_bar = fig.data
    assert list(train_bar.x) == list(CLASS_NAMES)
    np.testing.assert_array_equal(train_bar.y, np.bincount(labels, minlength=10))
    np.testing.assert_array_equal(test_bar.y, np.bincount(test_labels, minlength=10))


def test_training_curves_plot_train_and_validation_of_both_metrics() -> None:
    fig = plots.plot_training_curves(HISTORY)
    by_axis = {(trace.xaxis, trace.name): trace for trace in fig.data}
    assert set(by_axis) == {(axis, name) for axis in ("x", "x2") for name in ("training", "validation")}
    assert list(by_axis["x", "validation"].y) == [0.75, 0.78]
    assert list(by_axis["x2", "training"].y) == [0.9, 0.6]
    # Both charts span the two epochs that exist, whatever was planned.
    assert list(fig.layout.xaxis.range) == list(fig.layout.xaxis2.range) == [0.5, 2.5]
    assert list(fig.layout.yaxis.range) == pytest.approx([0.68, 0.82])  # never beyond 0-100%


def test_training_curves_without_validation_or_history() -> None:
    no_validation = [{"epoch": 1, "loss": 1.0, "accuracy": 0.6}]
    fig = plots.plot_training_curves(no_validation)
    points = {(trace.xaxis, trace.name): len(trace.x) for trace in fig.data}
    assert points[("x", "training")] == 1 and points[("x", "validation")] == 0
    assert all(len(trace.x) == 0 for trace in plots.plot_training_curves([]).data)


def test_overlay_draws_each_run_and_the_reference_accuracies() -> None:
    other = [{**line, "val_accuracy": line["val_accuracy"] + 0.1} for line in HISTORY]
    fig = plots.plot_runs_overlay({"mlp": HISTORY, "cnn": other}, "accuracy")
    names = [trace.name for trace in fig.data]
    assert names == ["mlp · validation", "mlp · training", "cnn · validation", "cnn · training"]
    assert list(fig.data[2].y) == pytest.approx([0.85, 0.88])
    lines = sorted(shape.y0 for shape in fig.layout.shapes)
    assert lines == [0.835, 0.897]


def test_overlay_of_loss_has_no_reference_lines_and_can_hide_training() -> None:
    fig = plots.plot_runs_overlay({"mlp": HISTORY}, "loss", show_training=False)
    assert [trace.name for trace in fig.data] == ["mlp · validation"]
    assert list(fig.data[0].y) == [0.8, 0.7]
    assert not fig.layout.shapes
    with pytest.raises(ValueError, match="metric"):
        plots.plot_runs_overlay({"mlp": HISTORY}, "f1")


def test_accuracy_against_time_sums_the_epochs_seconds_and_skips_epochs_without_validation() -> None:
    history = [
        {"epoch": 1, "seconds": 12.5, "val_accuracy": 0.88},
        {"epoch": 2, "seconds": 10.0},  # a run without validation split writes no val_accuracy
        {"epoch": 3, "seconds": 10.0, "val_accuracy": 0.91},
    ]
    assert recipe_plots.accuracy_against_time(history) == ([12.5, 32.5], [0.88, 0.91])
    figure = recipe_plots.plot_accuracy_against_time(history)  # no target: no lines
    assert not figure.layout.shapes and figure.layout.yaxis.range == (0.87, 0.92)
