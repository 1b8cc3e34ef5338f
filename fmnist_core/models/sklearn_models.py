"""The scikit-learn baselines of the registry (logistic regression, SGD as in the tutorials).

scikit-learn is imported inside the builders, as Keras is for the Keras models.
"""

from __future__ import annotations

from typing import Any

from fmnist_core.models.registry import register_model


@register_model(
    "logreg",
    "sklearn",
    7_850,
    epochs=100,
    validation_split=0.1,
)
def build_logreg(epochs: int, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=epochs, random_state=seed)


@register_model(
    "sgd",
    "sklearn",
    7_850,
    epochs=20,
    batch_size=1000,
    learning_rate=1e-3,
    validation_split=0.1,
)
def build_sgd(learning_rate: float, seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(
        loss="log_loss", learning_rate="constant", eta0=learning_rate, alpha=1e-4, random_state=seed
    )


@register_model(
    "sgd_tutorial",
    "sklearn",
    7_850,
    listed=False,
    epochs=300,
    validation_split=0.0,
)
def build_sgd_tutorial(seed: int) -> Any:
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(loss="log_loss", random_state=seed)
