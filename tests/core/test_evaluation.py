"""Evaluation numbers against independent references (plain numpy, sklearn.metrics, Keras' loss)."""

import numpy as np
import pytest
from sklearn import metrics

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import evaluation


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


def test_run_evaluation_matches_sklearn(predictions):
    run = evaluation.RunEvaluation.from_predictions(predictions)
    labels, predicted = predictions.labels, predictions.predicted
    assert np.array_equal(run.confusion, metrics.confusion_matrix(labels, predicted))
    assert np.allclose(
        run.confusion_normalized, metrics.confusion_matrix(labels, predicted, normalize="true")
    )
    precision, recall, f1, support = metrics.precision_recall_fscore_support(labels, predicted)
    assert list(run.metrics.index) == list(CLASS_NAMES)
    assert np.allclose(run.metrics[["precision", "recall", "f1"]].T, [precision, recall, f1])
    assert list(run.metrics["support"]) == list(support)
    assert run.accuracy == metrics.accuracy_score(labels, predicted)


def test_run_evaluation_ranks_mistakes_and_correct_images_by_confidence(predictions):
    run = evaluation.RunEvaluation.from_predictions(predictions)
    wrong = predictions.predicted != predictions.labels
    assert sorted(run.mistakes) == list(np.flatnonzero(wrong))
    assert sorted(run.correct) == list(np.flatnonzero(~wrong))
    for ranked in (run.mistakes, run.correct):
        assert (np.diff(predictions.confidence[ranked]) <= 0).all()


def test_run_evaluation_lists_every_confusion_and_the_tops_group(predictions):
    run = evaluation.RunEvaluation.from_predictions(predictions)
    assert [CLASS_NAMES[k] for k in evaluation.TOPS_GROUP] == ["T-shirt/top", "Pullover", "Coat", "Shirt"]
    assert len(run.confusions) == 90 and len(run.group_confusions) == 12
    for table in (run.confusions, run.group_confusions):
        assert list(table["images"]) == sorted(table["images"], reverse=True)
        for row in table.itertuples():
            assert row.images == run.confusion[row.true_index, row.predicted_index]
            assert (row.true, row.predicted) == (
                CLASS_NAMES[row.true_index],
                CLASS_NAMES[row.predicted_index],
            )
            assert row.true_index != row.predicted_index
    group_pairs = {(r.true_index, r.predicted_index) for r in run.group_confusions.itertuples()}
    assert group_pairs == {(i, j) for i in evaluation.TOPS_GROUP for j in evaluation.TOPS_GROUP if i != j}


def test_predictions_round_trip_and_malformed_files_are_refused(tmp_path, predictions):
    (tmp_path / "predictions.npz").write_bytes(
        evaluation.predictions_bytes(predictions.probabilities, predictions.labels)
    )
    loaded = evaluation.load_predictions(tmp_path)
    assert np.array_equal(loaded.labels, predictions.labels)
    (tmp_path / "predictions.npz").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="unreadable"):
        evaluation.load_predictions(tmp_path)
