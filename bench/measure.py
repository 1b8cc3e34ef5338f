"""One training or matmul measurement, run in a fresh process by ``bench/run.py``.

A fresh process per measurement keeps TensorFlow's global state (thread pools, op determinism)
from leaking between the tutorials' code and our worker. Usage::

    python -m bench.measure tutorial '{"model": "mlp", "epochs": 2}'   # prints one JSON line

Kinds: ``tutorial`` (plain ``model.fit`` on NumPy arrays), ``worker`` (``run_worker`` with all
reporting), ``quiet`` (the worker's pipeline with reporting off), ``matmul``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

from fmnist_core.data import load_fashion_mnist
from fmnist_core.evaluation import evaluation
from fmnist_core.models.models import create_model
from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig, run_worker, split_data

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_end")


def tutorial_fit(
    model: str, epochs: int | None = None, seed: int = 1, train_samples: int | None = None
) -> dict[str, Any]:
    """The tutorials' own code: ``model.fit(x_numpy, y, batch_size, epochs, validation_split)``.

    Same model, optimizer, hyperparameters and images as the worker (registry defaults).
    """
    import keras
    import tensorflow as tf
    from tensorflow.python.framework.config import is_op_determinism_enabled  # as Keras checks it

    from fmnist_core.training.keras_backend import to_model_input

    config = TrainingConfig.for_model(model, epochs=epochs, seed=seed, train_samples=train_samples)
    data = load_fashion_mnist()
    count = config.train_samples or len(data.y_train)
    keras.utils.set_random_seed(seed)  # the same initial weights as the worker's run
    net = create_model(model, dropout=config.dropout)
    # The tutorials set no seed. With TensorFlow's global seed set, Keras's NumPy input pipeline
    # draws the same permutation every epoch (checked with Keras 3.15), which costs the MLP about
    # half a point of test accuracy after 2 epochs; unseeded, it reshuffles as the tutorials do.
    # (A process that already turned op determinism on, like the test suite, refuses unseeded ops.)
    if not is_op_determinism_enabled():
        tf.random.set_seed(None)
    net.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    x = to_model_input(data.x_train[:count], net)  # x / 255.0, as the tutorials do
    start = time.perf_counter()
    net.fit(
        x,
        data.y_train[:count],
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_split=config.validation_split or 0.0,
        verbose=0,
    )
    seconds = time.perf_counter() - start
    probabilities = net.predict(to_model_input(data.x_test, net), batch_size=1024, verbose=0)
    return {
        "fit_seconds": seconds,
        "test_accuracy": evaluation.accuracy(probabilities, data.y_test),
        "train_images": len(split_data(data, config).y_train),
    }


class FitTimer:
    """Times ``keras_trainer.fit_model`` and the time the callbacks spend outside validation."""

    def __init__(self) -> None:
        self.fit_seconds = 0.0
        self.hook_seconds = 0.0  # inside callbacks, validation excluded: the reporting cost
        self.validation_seconds = 0.0

    def timed(self, function: Callable[..., Any], attribute: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start, validation_before = time.perf_counter(), self.validation_seconds
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                if attribute == "hook_seconds":  # a hook's validation pass is not reporting
                    elapsed -= self.validation_seconds - validation_before
                setattr(self, attribute, getattr(self, attribute) + elapsed)

        return wrapper

    def install(self, trainer: Any, callbacks_module: Any) -> None:
        """Wraps the trainer module's fit, the callbacks' validation predict and every hook."""
        build_callbacks, predict = trainer.build_callbacks, callbacks_module.predict
        trainer.fit_model = self.timed(trainer.fit_model, "fit_seconds")

        def timed_callbacks(*args: Any, **kwargs: Any) -> list[Any]:
            callbacks = build_callbacks(*args, **kwargs)
            for callback in callbacks:
                for hook in HOOKS:
                    setattr(callback, hook, self.timed(getattr(callback, hook), "hook_seconds"))
            return callbacks

        callbacks_module.predict = self.timed(predict, "validation_seconds")
        trainer.build_callbacks = timed_callbacks


def worker_fit(
    model: str, epochs: int | None = None, seed: int = 1, train_samples: int | None = None
) -> dict[str, Any]:
    """Our worker, everything on: a real run folder (history, progress, heartbeat, TensorBoard)."""
    from fmnist_core.training import keras_backend as keras_trainer
    from fmnist_core.training import keras_callbacks

    timer = FitTimer()
    timer.install(keras_trainer, keras_callbacks)
    config = TrainingConfig.for_model(model, epochs=epochs, seed=seed, train_samples=train_samples)
    folder = runs.create_run(model, config.to_dict())
    start = time.perf_counter()
    record = run_worker(folder)
    if record.status != "finished":
        raise RuntimeError(f"the {model} run ended {record.status}: {record.error}")
    history = runs.read_history(folder)
    return {
        "fit_seconds": timer.fit_seconds,
        "reporting_seconds": timer.hook_seconds,
        "worker_seconds": time.perf_counter() - start,
        "test_accuracy": record.test["accuracy"],
        "run_id": record.id,
        "train_images": len(split_data(load_fashion_mnist(), config).y_train),
        "flops_per_image": training_flops(model),
        "history": [{k: line.get(k) for k in ("epoch", "seconds", "val_accuracy")} for line in history],
    }


def quiet_fit(
    model: str, epochs: int | None = None, seed: int = 1, train_samples: int | None = None
) -> dict[str, Any]:
    """The worker's pipeline with reporting off: only the per-epoch validation pass remains,
    which the tutorials' ``validation_split`` does too."""
    import keras

    from fmnist_core.training import keras_backend as keras_trainer
    from fmnist_core.training import keras_callbacks

    class ValidationOnly(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            keras_callbacks.predict(self.model, x_val)

    config = TrainingConfig.for_model(model, epochs=epochs, seed=seed, train_samples=train_samples)
    data = load_fashion_mnist()
    split = split_data(data, config)
    net, _ = keras_trainer.compile_model(config, split)
    x_val = keras_trainer.to_model_input(split.x_val, net)
    start = time.perf_counter()
    keras_trainer.fit_model(net, config, split, [ValidationOnly()])
    seconds = time.perf_counter() - start
    probabilities = keras_callbacks.predict(net, keras_trainer.to_model_input(data.x_test, net))
    return {
        "fit_seconds": seconds,
        "test_accuracy": evaluation.accuracy(probabilities, data.y_test),
        "train_images": len(split.y_train),
    }


def matmul_gflops(size: int = 2048, repeats: int = 8, blocks: int = 5) -> dict[str, Any]:
    """float32 ``size`` x ``size`` matmul through TensorFlow with its default threads, in GFLOP/s."""
    import tensorflow as tf

    a = tf.random.stateless_normal((size, size), seed=(1, 2))
    b = tf.random.stateless_normal((size, size), seed=(3, 4))
    tf.matmul(a, b).numpy()  # warm-up: thread pools, oneDNN primitive cache
    rates = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(repeats):
            product = tf.matmul(a, b)
        product.numpy()
        rates.append(2 * size**3 * repeats / (time.perf_counter() - start) / 1e9)
    rates.sort()
    return {"gflops_median": rates[len(rates) // 2], "gflops_best": rates[-1], "size": size}


def training_flops(model: str) -> float:
    """Training FLOPs per image of a registered Keras model, from its layer shapes."""
    from fmnist_core.training.keras_backend import training_flops_per_image

    return training_flops_per_image(create_model(model))


KINDS: dict[str, Callable[..., dict[str, Any]]] = {
    "tutorial": tutorial_fit,
    "worker": worker_fit,
    "quiet": quiet_fit,
    "matmul": matmul_gflops,
}


def main(argv: list[str]) -> int:
    kind, arguments = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = KINDS[kind](**arguments)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
