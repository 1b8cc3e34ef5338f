"""What storing the test set's features adds to a training run (target: <= 5%).

Trains a real ``cnn`` for one epoch on all 60,000 images (the shortest run a user makes, so the
worst case for a fixed cost), then times, in one process on its saved model, the worker's old
test-set ``predict`` against the one-pass ``predict_with_features`` plus ``save_features``. The
difference, divided by the run's wall time, is the overhead.

Usage: ``python -m bench.features_bench``; prints the figures and exits 1 when the target is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fmnist_core.tensorflow_logs import tensorflow_log_level

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

from fmnist_core import data
from fmnist_core.inspection import features
from fmnist_core.models import inference
from fmnist_core.runs import run_summary, runs  # noqa: E402

TARGET = 0.05


def median_seconds(action, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    from fmnist_core.training import TrainingConfig, keras_backend, keras_callbacks, run_worker

    root = Path(tempfile.mkdtemp(prefix="fmnist-features-bench-"))
    config = TrainingConfig.for_model("cnn", epochs=1, seed=1)
    folder = runs.create_run("cnn", config.to_dict(), root)
    record = run_worker(folder)
    assert record.status == "finished", record.error
    run_seconds = run_summary.elapsed_seconds(record)
    model = inference.load_run_model(folder).model
    x_test = keras_backend.to_model_input(data.load_fashion_mnist().x_test, model)
    keras_backend.predict_with_features(model, x_test)  # build both graphs before timing
    keras_callbacks.predict(model, x_test)
    plain = median_seconds(lambda: keras_callbacks.predict(model, x_test))

    def with_features() -> None:
        _, test_features = keras_backend.predict_with_features(model, x_test)
        features.save_features(folder, test_features)

    both = median_seconds(with_features)
    overhead = max(both - plain, 0.0) / run_seconds
    print(f"cnn, 1 epoch on 60,000 images: run {run_seconds:.1f} s")
    print(f"test predictions alone {plain:.3f} s; with features + save {both:.3f} s")
    print(f"features add {overhead:.1%} of the run (target <= {TARGET:.0%})")
    return 0 if overhead <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
