"""Error analysis against independent references: sklearn.metrics and plain numpy set logic."""

import numpy as np
import pytest
from sklearn import metrics

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation
from fmnist_core.training import EpochLogger


def make_predictions(seed: int, signal: float = 2.0, num: int = 2_000) -> evaluation.Predictions:
    rng = np.random.default_rng(seed)
    labels = np.random.default_rng(0).integers(0, 10, num)  # the same "test set" for every seed
    logits = rng.normal(size=(num, 10)) + signal * np.eye(10)[labels]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return evaluation.Predictions(probabilities.astype(np.float32), labels)


@pytest.fixture(scope="module")
def predictions() -> evaluation.Predictions:
    return make_predictions(1)


@pytest.fixture(scope="module")
def run(predictions) -> evaluation.RunEvaluation:
    return evaluation.RunEvaluation.from_predictions(predictions)


def test_gallery_of_every_cell_is_exactly_that_pair_most_confident_first(predictions, run):
    counts = metrics.confusion_matrix(predictions.labels, predictions.predicted, labels=range(10))
    for i in range(10):
        for j in range(10):
            indices = error_analysis.select_gallery(run, i, j)
            expected = np.flatnonzero((predictions.labels == i) & (predictions.predicted == j))
            assert set(indices) == set(expected) and len(indices) == counts[i, j]
            assert (np.diff(predictions.confidence[indices]) <= 0).all()


def test_filters_keep_only_matching_mistakes(predictions, run):
    wrong = predictions.predicted != predictions.labels
    everything = error_analysis.select_gallery(run)
    assert len(everything) == round(
        (1 - metrics.accuracy_score(predictions.labels, predictions.predicted)) * 2_000
    )
    assert set(everything) == set(np.flatnonzero(wrong))
    shirts = error_analysis.select_gallery(run, true_classes=6)
    assert set(shirts) == set(np.flatnonzero(wrong & (predictions.labels == 6)))
    as_coat = error_analysis.select_gallery(run, predicted_classes=4, min_confidence=0.4)
    expected = wrong & (predictions.predicted == 4) & (predictions.confidence >= 0.4)
    assert set(as_coat) == set(np.flatnonzero(expected)) and len(as_coat) > 0
    group = error_analysis.select_gallery(run, evaluation.TOPS_GROUP, evaluation.TOPS_GROUP)
    in_group = np.isin(predictions.labels, [0, 2, 4, 6]) & np.isin(predictions.predicted, [0, 2, 4, 6])
    assert set(group) == set(np.flatnonzero(wrong & in_group))
    assert len(error_analysis.select_gallery(run, min_confidence=1.01)) == 0


def test_pages_cover_the_gallery_once_in_order(run):
    indices = error_analysis.select_gallery(run)
    num_pages = error_analysis.count_pages(len(indices), 12)
    assert num_pages == -(-len(indices) // 12)
    pages = [error_analysis.page_of(indices, page, 12) for page in range(1, num_pages + 1)]
    assert all(len(page) == 12 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 12
    assert np.array_equal(np.concatenate(pages), indices)
    assert error_analysis.count_pages(0, 12) == 1 and len(error_analysis.page_of(indices[:0], 1, 12)) == 0
    with pytest.raises(ValueError, match="page must be between 1 and"):
        error_analysis.page_of(indices, num_pages + 1, 12)


def test_tops_group_sub_matrix(predictions):
    matrix = evaluation.confusion_matrix(predictions.predicted, predictions.labels)
    sub = error_analysis.sub_matrix(matrix, evaluation.TOPS_GROUP)
    assert sub.shape == (4, 4) and sub[3, 0] == matrix[6, 0]


def test_worst_classes_have_the_lowest_sklearn_f1(predictions):
    table = evaluation.per_class_metrics(predictions.predicted, predictions.labels)
    f1 = metrics.f1_score(predictions.labels, predictions.predicted, average=None)
    assert error_analysis.worst_classes(table, 3) == [
        CLASS_NAMES[k] for k in np.argsort(f1, kind="stable")[:3]
    ]


def test_comparison_sets_are_exact():
    a, b = make_predictions(1, signal=1.0), make_predictions(2, signal=3.0)
    comparison = error_analysis.compare_runs(a, b)
    right_a, right_b = a.predicted == a.labels, b.predicted == b.labels
    assert set(comparison.fixed) == set(np.flatnonzero(~right_a & right_b))
    assert set(comparison.broken) == set(np.flatnonzero(right_a & ~right_b))
    assert (np.diff(a.confidence[comparison.fixed]) <= 0).all()
    assert (np.diff(b.confidence[comparison.broken]) <= 0).all()
    assert comparison.accuracy_a == metrics.accuracy_score(a.labels, a.predicted)
    assert comparison.accuracy_b == metrics.accuracy_score(b.labels, b.predicted)
    assert comparison.net_gain == right_b.sum() - right_a.sum() > 0
    expected = metrics.confusion_matrix(b.labels, b.predicted) - metrics.confusion_matrix(
        a.labels, a.predicted
    )
    assert np.array_equal(comparison.confusion_difference, expected)
    assert comparison.confusion_difference.sum() == 0  # both runs classify the same images


def test_comparing_a_run_with_itself_changes_nothing(predictions):
    comparison = error_analysis.compare_runs(predictions, predictions)
    assert len(comparison.fixed) == len(comparison.broken) == 0
    assert not comparison.confusion_difference.any()


def test_runs_on_different_test_sets_are_refused(predictions):
    shorter = evaluation.Predictions(predictions.probabilities[:100], predictions.labels[:100])
    with pytest.raises(ValueError, match="different test sets"):
        error_analysis.compare_runs(predictions, shorter)


def test_confusion_over_time_reads_what_the_trainer_writes(tmp_path, predictions):
    """EpochLogger (the training side) writes val_predictions.npz; the history replays it."""
    labels = predictions.labels[:300]
    logger = EpochLogger(tmp_path, labels)
    epochs = [
        make_predictions(seed, signal=signal).probabilities[:300] for seed, signal in ((3, 0.5), (4, 4.0))
    ]
    for epoch, probabilities in enumerate(epochs, start=1):
        logger.log(epoch, 1.0, 0.5, probabilities)
    history = error_analysis.load_validation_history(tmp_path)
    assert history.num_epochs == 2
    for epoch, probabilities in enumerate(epochs, start=1):
        predicted = probabilities.argmax(axis=1)
        assert np.array_equal(
            history.confusion_at(epoch), metrics.confusion_matrix(labels, predicted, labels=range(10))
        )
        normalized = metrics.confusion_matrix(labels, predicted, labels=range(10), normalize="true")
        assert np.allclose(history.confusion_at(epoch, normalize=True), normalized)
        assert history.accuracy_at(epoch) == pytest.approx(metrics.accuracy_score(labels, predicted))
    assert np.trace(history.confusion_at(2)) > np.trace(history.confusion_at(1))  # the diagonal fills up
    with pytest.raises(ValueError, match="epoch must be between 1 and 2"):
        history.confusion_at(3)


def test_runs_without_or_with_broken_validation_predictions(tmp_path):
    assert error_analysis.load_validation_history(tmp_path) is None
    np.savez(
        tmp_path / "val_predictions.npz", labels=np.zeros(5, np.uint8), predicted=np.zeros((2, 4), np.uint8)
    )
    with pytest.raises(ValueError, match="shape"):
        error_analysis.load_validation_history(tmp_path)
    (tmp_path / "val_predictions.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="unreadable"):
        error_analysis.load_validation_history(tmp_path)
