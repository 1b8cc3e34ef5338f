"""Evaluation numbers against independent references (plain numpy and Keras' own loss)."""

import numpy as np
import pytest

from fmnist_core import evaluation


@pytest.fixture(scope="module")
def predictions() -> evaluation.Predictions:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 2_000)
    logits = rng.normal(size=(2_000, 10)) + 3 * np.eye(10)[labels]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return evaluation.Predictions(probabilities.astype(np.float32), labels)


def test_confusion_matrix_counts_every_pair(predictions):
    matrix = evaluation.confusion_matrix(predictions.predicted, predictions.labels)
    expected = np.zeros((10, 10), int)
    np.add.at(expected, (predictions.labels, predictions.predicted), 1)
    assert (matrix == expected).all()
    normalized = evaluation.confusion_matrix(predictions.predicted, predictions.labels, normalize=True)
    assert np.allclose(normalized, expected / expected.sum(axis=1, keepdims=True))


def test_per_class_metrics_match_their_definitions(predictions):
    table = evaluation.per_class_metrics(predictions.predicted, predictions.labels)
    for k in range(10):
        true_positive = np.sum((predictions.predicted == k) & (predictions.labels == k))
        precision = true_positive / np.sum(predictions.predicted == k)
        recall = true_positive / np.sum(predictions.labels == k)
        assert table.iloc[k]["precision"] == pytest.approx(precision)
        assert table.iloc[k]["recall"] == pytest.approx(recall)
        assert table.iloc[k]["f1"] == pytest.approx(2 * precision * recall / (precision + recall))
        assert table.iloc[k]["support"] == np.sum(predictions.labels == k)
    assert evaluation.per_class_accuracy(predictions.predicted, predictions.labels) == pytest.approx(
        list(table["recall"])
    )


def test_accuracy_and_loss_match_keras(predictions):
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy()(predictions.labels, predictions.probabilities)
    assert evaluation.cross_entropy(predictions.probabilities, predictions.labels) == pytest.approx(
        float(loss), rel=1e-5
    )
    assert evaluation.accuracy(predictions.probabilities, predictions.labels) == np.mean(
        predictions.predicted == predictions.labels
    )


def test_misclassified_are_exactly_the_pair_sorted_by_confidence(predictions):
    indices = evaluation.misclassified(predictions, 6, 0)
    expected = np.flatnonzero((predictions.labels == 6) & (predictions.predicted == 0))
    assert sorted(indices) == sorted(expected)
    confidences = predictions.confidence[indices]
    assert (np.diff(confidences) <= 0).all()


def test_predictions_round_trip_and_malformed_files_are_refused(tmp_path, predictions):
    (tmp_path / "predictions.npz").write_bytes(
        evaluation.predictions_bytes(predictions.probabilities, predictions.labels)
    )
    loaded = evaluation.load_predictions(tmp_path)
    assert np.array_equal(loaded.labels, predictions.labels)
    (tmp_path / "predictions.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="unreadable"):
        evaluation.load_predictions(tmp_path)
