"""fmnist_core.inspection.layers, layer_ranking and layer_plots, checked against Keras and brute-force numpy."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fmnist_core.data import load_fashion_mnist, to_model_input
from fmnist_core.inspection import layer_ranking, layers
from fmnist_core.models.inference import RunModel, load_run_model
from fmnist_core.plots import layer_plots
from fmnist_core.runs import runs
from tests.conftest import train_tiny_run

ROOT = Path(__file__).resolve().parents[2]


def run_model_of(root: Path, model: str) -> RunModel:
    record = next(r for r in runs.list_runs(root) if r.model == model)
    return load_run_model(runs.run_path(record.id, root))


def dataset_images(count: int, start: int = 0) -> np.ndarray:
    return to_model_input(load_fashion_mnist().x_test[start : start + count])


def test_feature_maps_equal_a_hand_built_sub_model(trained_root: Path) -> None:
    import keras

    run_model = run_model_of(trained_root, "cnn")
    probe = layers.map_probe(run_model)
    assert probe.names == ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1") or all(
        "conv" in name or "pool" in name for name in probe.names
    )
    assert probe.shapes == ((28, 28, 32), (14, 14, 32), (14, 14, 64), (7, 7, 64))
    images = dataset_images(5)
    outputs = probe.outputs(images)
    for name, output in zip(probe.names, outputs, strict=True):
        reference = keras.Model(run_model.model.inputs[0], run_model.model.get_layer(name).output)
        expected = np.asarray(reference(images[..., None], training=False))
        np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-6)
    assert outputs[0].std() > 0  # a trained layer, not zeros


def test_the_page_draws_one_picture_per_layer_from_those_maps(trained_root: Path) -> None:
    probe = layers.map_probe(run_model_of(trained_root, "cnn"))
    image = dataset_images(1)[0]
    panels = layer_plots.feature_map_panels(probe, image)
    outputs = probe.outputs(image[None])
    assert [panel.name for panel in panels] == list(probe.names)
    for panel, output in zip(panels, outputs, strict=True):
        assert (panel.low, panel.high) == (float(output.min()), float(output.max()))
        height, width, channels = panel.shape
        scale = layer_plots.scale_for(height)
        rows = channels // 8
        assert panel.picture.shape == (rows * (height * scale + 1) - 1, 8 * (width * scale + 1) - 1, 3)
        # The brightest map pixel is painted in the colour scale's top colour, the dimmest in its bottom.
        top = layer_plots.colour_table(layer_plots.MAP_SCALE)[-1]
        assert (panel.picture.reshape(-1, 3) == top).all(axis=1).any()
    other = layer_plots.feature_map_panels(probe, dataset_images(1, start=1)[0])
    assert not np.array_equal(other[0].picture, panels[0].picture)  # another image, other maps


def test_top9_are_the_nine_largest_mean_activations(trained_root: Path) -> None:
    probe = layers.map_probe(run_model_of(trained_root, "cnn"))
    images = dataset_images(200)
    tops = layer_ranking.rank_channels(probe, images, batch_size=64)  # several batches: the merge is tested
    assert tops.names == probe.names
    for output, indices, values in zip(probe.outputs(images), tops.indices, tops.values, strict=True):
        means = output.mean(axis=(1, 2))  # (images, channels), brute force
        assert indices.shape == values.shape == (output.shape[-1], 9)
        for channel in range(output.shape[-1]):
            expected = np.argsort(-means[:, channel], kind="stable")[:9]
            np.testing.assert_allclose(values[channel], means[expected, channel], rtol=1e-5)
            # Same set as brute force (ties aside, which floats make vanishingly rare here).
            assert sorted(indices[channel]) == sorted(expected)
            assert np.all(np.diff(values[channel]) <= 0)


def test_top9_survive_a_round_trip_and_a_damaged_file_says_so(trained_root: Path, tmp_path: Path) -> None:
    probe = layers.map_probe(run_model_of(trained_root, "cnn"))
    tops = layer_ranking.rank_channels(probe, dataset_images(30), batch_size=16)
    assert layer_ranking.load_tops(tmp_path) is None
    layer_ranking.save_tops(tmp_path, tops)
    loaded = layer_ranking.load_tops(tmp_path)
    assert loaded.names == tops.names
    layer = tops.names[0]  # Keras numbers layer names per process: do not spell one out
    np.testing.assert_array_equal(loaded.top(layer, 5)[0], tops.top(layer, 5)[0])
    (tmp_path / layer_ranking.TOP9_FILE).write_bytes(b"not an npz")
    with pytest.raises(ValueError, match="damaged.*compute the top 9 again"):
        layer_ranking.load_tops(tmp_path)


def test_merge_keeps_the_k_largest_with_lower_index_first_on_ties() -> None:
    best_values, best_indices = np.array([[5.0, 3.0]]), np.array([[0, 1]])
    values, indices = np.array([[3.0, 9.0, 1.0]]), np.array([[2, 3, 4]])
    merged_values, merged_indices = layer_ranking._merge(best_values, best_indices, values, indices, 3)
    assert merged_values.tolist() == [[9.0, 5.0, 3.0]] and merged_indices.tolist() == [[3, 0, 1]]


def test_mlp_weight_images_are_its_first_kernels_columns(trained_root: Path) -> None:
    run_model = run_model_of(trained_root, "mlp")
    name, images = layers.dense_weight_images(run_model)
    kernel = run_model.model.get_layer(name).get_weights()[0]
    assert kernel.shape == (784, 128) and images.shape == (128, 28, 28)
    for unit in (0, 17, 127):
        np.testing.assert_array_equal(images[unit].reshape(-1), kernel[:, unit])
    picture, limit = layer_plots.weight_picture(images)
    assert limit == pytest.approx(float(np.percentile(np.abs(kernel), layer_plots.WEIGHT_PERCENTILE)))
    strongest = np.unravel_index(np.argmax(kernel), kernel.shape)  # beyond the limit: full red
    unit, pixel = strongest[1], strongest[0]
    scale, columns = layer_plots.scale_for(28), 16
    gap = max(2, scale // 4)
    top = (unit // columns) * (28 * scale + gap) + (pixel // 28) * scale
    left = (unit % columns) * (28 * scale + gap) + (pixel % 28) * scale
    assert picture[top, left].tolist() == layer_plots.colour_table(layer_plots.WEIGHT_SCALE)[-1].tolist()
    # Diverging scale centred on 0: a zero weight is the scale's middle (white-ish) colour.
    centre = layer_plots.colour_table(layer_plots.WEIGHT_SCALE)[128]
    assert centre.min() > 230
    with pytest.raises(layers.LayersUnavailable, match="no convolution"):
        layers.map_probe(run_model)
    activations = layers.dense_probe(run_model).outputs(dataset_images(1))[0][0]
    assert activations.shape == (128,) and activations.min() >= 0  # relu units


def test_cnn_has_no_pixel_reading_dense_layer_but_has_filters(trained_root: Path) -> None:
    run_model = run_model_of(trained_root, "cnn")
    with pytest.raises(layers.LayersUnavailable, match="784 pixels"):
        layers.first_dense(run_model)
    name, filters = layers.first_filters(run_model)
    kernel = run_model.model.get_layer(name).get_weights()[0]
    np.testing.assert_array_equal(filters, np.moveaxis(kernel[:, :, 0, :], -1, 0))


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_summary_parameters_match_keras(trained_root: Path, model: str) -> None:
    run_model = run_model_of(trained_root, model)
    rows = layers.summary_rows(run_model)
    keras_layers = [layer for layer in run_model.model.layers if type(layer).__name__ != "InputLayer"]
    assert [row.name for row in rows] == [layer.name for layer in keras_layers]
    assert [row.params for row in rows] == [layer.count_params() for layer in keras_layers]
    assert sum(row.params for row in rows) == run_model.model.count_params()
    assert [row.output_shape for row in rows] == [str(tuple(layer.output.shape)) for layer in keras_layers]
    assert rows[-1].output_shape.endswith("10)")


def test_a_model_without_conv_or_pixel_dense_layers_is_refused_for_both_views() -> None:
    import keras

    inputs = keras.Input((28, 28))
    pooled = keras.layers.AveragePooling1D(2)(inputs)  # (14, 28): no 2-D maps, and 392 values
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(pooled))
    run_model = RunModel("imported-run", "imported", "keras", keras.Model(inputs, outputs), 2)
    assert layers.map_layer_names(run_model) == []
    with pytest.raises(layers.LayersUnavailable, match="no feature maps"):
        layers.map_probe(run_model)
    with pytest.raises(layers.LayersUnavailable, match="784 pixels"):
        layers.dense_weight_images(run_model)
    assert [row.kind for row in layers.summary_rows(run_model)] == ["AveragePooling1D", "Flatten", "Dense"]


def test_a_scikit_learn_run_is_refused_with_a_reason(artifacts: Path) -> None:
    run_model = load_run_model(train_tiny_run(artifacts, "sgd"))
    with pytest.raises(layers.LayersUnavailable, match="scikit-learn model.*no layers"):
        layers.summary_rows(run_model)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fmnist_core", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )


def test_layers_command_prints_each_layers_shape_and_mean(trained_root: Path) -> None:
    run_model = run_model_of(trained_root, "cnn")
    result = run_cli(
        "layers", run_model.run_id, "--test-index", "7", "--json", "--artifacts", str(trained_root)
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [set(row) for row in rows] == [{"name", "output_shape", "mean_activation"}] * len(rows)
    assert [row["name"] for row in rows] == [row.name for row in layers.summary_rows(run_model)]
    assert rows[0]["output_shape"] == [28, 28, 32] and rows[-1]["output_shape"] == [10]
    probe = layers.make_probe(run_model)
    expected = [float(np.mean(output)) for output in probe.outputs(dataset_images(1, start=7))]
    np.testing.assert_allclose([row["mean_activation"] for row in rows], expected, rtol=1e-5)
    assert rows[-1]["mean_activation"] == pytest.approx(0.1, abs=1e-6)  # softmax output: mean 1/10


def test_layers_command_refuses_bad_input(trained_root: Path) -> None:
    run_id = run_model_of(trained_root, "mlp").run_id
    result = run_cli("layers", run_id, "--test-index", "10000", "--artifacts", str(trained_root))
    assert result.returncode == 2 and "between 0 and 9999" in result.stderr
    result = run_cli("layers", "no-such-run", "--artifacts", str(trained_root))
    assert result.returncode == 2 and result.stderr.startswith("error:")


def test_the_top9_job_ranks_the_whole_test_set_in_its_own_process(seeded_artifacts: Path) -> None:
    import time

    from fmnist_core.runs import jobs

    run_model = run_model_of(seeded_artifacts, "cnn")
    folder = runs.run_path(run_model.run_id, seeded_artifacts)
    status = jobs.start_job(folder, layer_ranking.JOB_NAME)
    assert status.is_running and status.pid != os.getpid()
    deadline = time.monotonic() + 240
    while jobs.job_status(folder, layer_ranking.JOB_NAME).is_running and time.monotonic() < deadline:
        time.sleep(0.5)
    status = jobs.job_status(folder, layer_ranking.JOB_NAME)
    assert status.is_done, status.error
    tops = layer_ranking.load_tops(folder)
    assert tops.names == layers.map_probe(run_model).names
    indices, values = tops.top(tops.names[0], 3)  # the first conv layer, whatever Keras named it
    assert indices.max() < 10_000 and len(set(indices.tolist())) == 9
    # The stored values are the winners' mean activations, as the model computes them here.
    output = layers.map_probe(run_model).outputs(dataset_images(10_000)[indices])[0]
    np.testing.assert_allclose(output[..., 3].mean(axis=(1, 2)), values, rtol=1e-4)


def test_a_layer_shared_in_an_imported_graph_shows_its_first_call() -> None:
    import keras

    inputs = keras.Input((28, 28))
    shared = keras.layers.Dense(784, activation="relu", name="shared")
    flat = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(shared(shared(flat)))  # called twice
    run_model = RunModel("imported-run", "imported", "keras", keras.Model(inputs, outputs), 2)
    rows = {row.name: row for row in layers.summary_rows(run_model)}
    assert rows["shared"].output_shape == "(None, 784)" and rows["shared"].params == 784 * 785
    assert sum(row.params for row in rows.values()) == run_model.model.count_params()
    image = dataset_images(1)
    first_call = np.asarray(shared(image.reshape(1, -1)))
    np.testing.assert_allclose(layers.dense_probe(run_model).outputs(image)[0], first_call, rtol=1e-5)
