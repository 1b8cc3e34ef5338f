"""The scikit-learn back end of the worker: logistic regression and SGD, saved with skops."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fmnist_core import data
from fmnist_core.evaluation.evaluation import accuracy, cross_entropy
from fmnist_core.inspection import features
from fmnist_core.models.models import create_model
from fmnist_core.models.sklearn_files import save_sklearn_model
from fmnist_core.runs import runs
from fmnist_core.training.config import TrainingConfig, TrainingData
from fmnist_core.training.reporting import EpochLogger, ProgressWriter, loss_diverged


def flatten(images: np.ndarray) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 784) in [0, 1], the same scaling the Keras models see."""
    return data.to_model_input(images).reshape(len(images), -1)


def count_params(pipeline: Pipeline) -> int:
    classifier = pipeline[-1]
    return int(classifier.coef_.size + classifier.intercept_.size)


def fit_logreg(folder: Path, config: TrainingConfig, split: TrainingData) -> Pipeline:
    """One solver run; one history line at the end.

    With ``input_scaling`` "raw" the solver sees the 0-255 pixels as float64, as scikit-learn
    converts the tutorial's uint8 array (in float32 its figures move by a few ten-thousandths); its
    coefficients are then multiplied by 255, which gives the same decisions on x / 255, the input
    every run of the app reads.
    """
    pipeline = make_pipeline(create_model("logreg", epochs=config.epochs, seed=config.seed))
    logger = EpochLogger(folder, split.y_val)
    x_train = flatten(split.x_train)
    raw = config.input_scaling == "raw"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(
            split.x_train.reshape(len(x_train), -1).astype(np.float64) if raw else x_train, split.y_train
        )
    if raw:
        pipeline[-1].coef_ *= 255.0
    log_epoch(logger, 1, pipeline, x_train, split)
    return pipeline


def fit_sgd(folder: Path, config: TrainingConfig, split: TrainingData) -> Pipeline:
    """``partial_fit`` one epoch at a time in shuffled mini-batches, checking the stop file after
    each; a model without a batch size (``sgd_tutorial``) gets the whole training set, in order,
    once per epoch, as the tutorial does."""
    x_train = flatten(split.x_train)
    scaler = StandardScaler().fit(x_train)
    classifier = create_model(config.model, learning_rate=config.learning_rate, seed=config.seed)
    pipeline = Pipeline([("scaler", scaler), ("classifier", classifier)])
    scaled = scaler.transform(x_train)
    logger, progress = EpochLogger(folder, split.y_val), ProgressWriter(folder, config.epochs)
    rng = np.random.default_rng(config.seed)
    batch_size = config.batch_size or len(scaled)
    batches = -(-len(scaled) // batch_size)
    for epoch in range(1, config.epochs + 1):
        order = rng.permutation(len(scaled)) if config.batch_size else np.arange(len(scaled))
        for batch in range(batches):
            rows = order[batch * batch_size : (batch + 1) * batch_size]
            classifier.partial_fit(scaled[rows], split.y_train[rows], classes=np.arange(data.NUM_CLASSES))
            progress.update(epoch, batch + 1, batches, float("nan"), float("nan"))
            if runs.stop_requested(folder):
                break
        line = log_epoch(logger, epoch, pipeline, x_train, split)
        if runs.stop_requested(folder) or loss_diverged(line["loss"]):
            break
    return pipeline


def log_epoch(
    logger: EpochLogger, epoch: int, pipeline: Pipeline, x_train: np.ndarray, split: TrainingData
) -> dict:
    with np.errstate(all="ignore"):
        train_probabilities = pipeline.predict_proba(x_train)
        val_probabilities = pipeline.predict_proba(flatten(split.x_val)) if len(split.y_val) else None
    loss = cross_entropy(train_probabilities, split.y_train)
    if not np.isfinite(train_probabilities).all():
        loss = float("nan")
    return logger.log(epoch, loss, accuracy(train_probabilities, split.y_train), val_probabilities)


def train(folder: Path, config: TrainingConfig, split: TrainingData) -> tuple[np.ndarray, int]:
    """Fits the scikit-learn model of ``config``; returns test probabilities and the parameter count."""
    pipeline = (fit_logreg if config.model == "logreg" else fit_sgd)(folder, config, split)
    save_sklearn_model(pipeline, folder / "model.skops")
    with np.errstate(all="ignore"):
        # What pipeline.predict_proba computes, with the final step's input kept as the features.
        test_features = features.pipeline_features(pipeline, flatten(split.x_test))
        probabilities = pipeline[-1].predict_proba(test_features).astype(np.float32)
    if np.isfinite(test_features).all():
        features.save_features(folder, test_features)
    return probabilities, count_params(pipeline)
