"""The benchmark's helpers on tiny sizes (no timing assertions), and the trainer's speed levers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import compare, measure, report
from fmnist_core.models.models import create_model
from fmnist_core.runs import runs
from fmnist_core.training import keras_backend as keras_trainer
from tests.conftest import train_tiny_run

TUTORIAL_CNN_MULTIPLY_ADDS = 28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 3136 * 100 + 100 * 10


def test_training_flops_follow_the_layer_shapes():
    cnn = keras_trainer.training_flops_per_image(create_model("cnn"))
    assert cnn == 6 * TUTORIAL_CNN_MULTIPLY_ADDS
    assert cnn * 48_000 == pytest.approx(1.2e12, rel=0.01)  # the "about 1.2 TFLOP per epoch"
    assert keras_trainer.training_flops_per_image(create_model("mlp")) == 6 * (784 * 128 + 128 * 10)


@pytest.mark.parametrize(
    ("name", "batch_size", "num_steps", "expected"),
    [("mlp", 32, 1688, 100), ("cnn", 32, 1500, 20), ("cnn", 32, 7, 7), ("cnn", 4096, 12, 1)],
)
def test_steps_per_execution_is_sized_by_work_and_capped(name, batch_size, num_steps, expected):
    model = create_model(name)
    assert keras_trainer.choose_steps_per_execution(model, batch_size, num_steps) == expected


def test_one_cycle_warms_up_then_decays_to_zero():
    schedule = keras_trainer.learning_rate("one_cycle", 5e-3, 100)
    rates = [float(schedule(step)) for step in (0, 15, 30, 65, 100)]
    assert rates[0] == pytest.approx(2e-4) and rates[2] == pytest.approx(5e-3)
    assert rates[0] < rates[1] < rates[2] > rates[3] > rates[4] and rates[4] == pytest.approx(0, abs=1e-9)
    assert keras_trainer.learning_rate("constant", 1e-3, 100) == 1e-3
    with pytest.raises(ValueError, match="Unknown learning-rate schedule"):
        keras_trainer.learning_rate("warp", 1e-3, 100)


def test_dataset_pipeline_gives_bit_identical_inputs_in_shuffled_order():
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28), dtype=np.uint8)
    labels = np.arange(64)  # label = row index, to find each image's source
    expected = keras_trainer.to_model_input(images, create_model("cnn"))
    (x, y), *rest = keras_trainer.make_dataset(images, labels, 64, seed=1, channels=True).as_numpy_iterator()
    assert not rest and sorted(y) == list(range(64)) and list(y) != list(range(64))
    assert np.array_equal(x, expected[y])


def test_cnn_fast_trains_reproducibly_with_its_schedule(artifacts: Path):
    histories = []
    for _ in range(2):
        folder = train_tiny_run(artifacts, "cnn_fast", seed=3)
        histories.append(
            [{k: v for k, v in line.items() if k != "seconds"} for line in runs.read_history(folder)]
        )
    assert histories[0] == histories[1]
    assert runs.read_run(folder).params == 162_806


def test_measure_helpers_on_a_tiny_run(artifacts: Path):
    tutorial = measure.tutorial_fit("mlp", epochs=1, train_samples=600)
    worker = measure.worker_fit("mlp", epochs=1, train_samples=600)
    quiet = measure.quiet_fit("mlp", epochs=1, train_samples=600)
    for sample in (tutorial, worker, quiet):
        assert sample["fit_seconds"] > 0 and 0 < sample["test_accuracy"] < 1 and sample["train_images"] == 540
    assert 0 <= worker["reporting_seconds"] < worker["fit_seconds"] <= worker["worker_seconds"]
    assert [line["epoch"] for line in worker["history"]] == [1]
    assert worker["flops_per_image"] == 6 * (784 * 128 + 128 * 10)
    assert runs.read_run(runs.run_path(worker["run_id"], artifacts)).status == "finished"
    assert worker["test_accuracy"] == quiet["test_accuracy"]  # same seed, same pipeline: same model
    rates = measure.matmul_gflops(size=64, repeats=1, blocks=3)
    assert 0 < rates["gflops_median"] <= rates["gflops_best"]


def sample(seconds: float, accuracy: float, reporting: float = 0.0) -> dict:
    return {"fit_seconds": seconds, "test_accuracy": accuracy, "reporting_seconds": reporting}


def test_throughput_figures_quote_ratios_of_medians_and_verdicts():
    samples = {
        "tutorial": [sample(10, 0.850), sample(12, 0.852), sample(30, 0.851)],
        "worker": [sample(5, 0.853, 0.05), sample(6, 0.853, 0.06), sample(4, 0.853, 0.04)],
        "quiet": [sample(4.8, 0.853), sample(5.0, 0.853), sample(4.9, 0.853)],
    }
    figures = {f.name.split(": ", 1)[1]: f for f in compare.throughput_figures("mlp", 2, samples, 2.0)}
    speedup = figures["worker speed-up over the tutorial"]
    assert speedup.value == pytest.approx(12 / 5) and speedup.met
    gap = figures["test accuracy, worker minus tutorial"]
    assert gap.value == pytest.approx(0.2) and gap.met
    assert figures["reporting overhead, worker with vs without"].value == pytest.approx(100 * 0.1 / 4.9)
    assert figures["time inside the reporting callbacks"].value == pytest.approx(1.0)


def test_report_table_readme_markers_and_curve(tmp_path: Path):
    figures = [
        report.at_most("click", 0.4, 1, "s"),
        report.at_least("speed-up", 1.1, 1.3, "x"),
        report.at_most("stroke", None, 0.5, "s", note="no canvas on the Draw page"),
    ]
    assert [f.verdict for f in figures] == ["met", "NOT met", "not measured (no canvas on the Draw page)"]
    table = report.markdown_table(figures)
    assert "| click | 0.400 s | <= 1 s | met |" in table
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{report.README_START}\nold\n{report.README_END}\nrest\n")
    assert report.update_readme(readme, table)
    assert readme.read_text() == f"intro\n{report.README_START}\n{table}\n{report.README_END}\nrest\n"
    (tmp_path / "plain.md").write_text("no markers")
    assert not report.update_readme(tmp_path / "plain.md", table)
    curve = report.cumulative_curve(
        [
            {"epoch": 1, "seconds": 2.0, "val_accuracy": 0.8},
            {"epoch": 2, "seconds": 1.5, "val_accuracy": 0.85},
        ]
    )
    assert [point["seconds"] for point in curve] == [2.0, 3.5]


def test_browser_helpers_read_memory_and_loaded_libraries():
    import tensorflow  # noqa: F401 - loaded in this test process by the trainer anyway

    from bench import browser

    assert browser.tensorflow_loaded(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "print(flush=True); import time; time.sleep(30)"], stdout=subprocess.PIPE
    )
    try:
        child.stdout.readline()  # the interpreter is up
        assert not browser.tensorflow_loaded(child.pid)
        assert browser.rss_mb(os.getpid()) > browser.rss_mb(child.pid) > 1
    finally:
        child.kill()
        child.wait()

    def missing_page() -> tuple[float, str]:
        raise TimeoutError("Timeout 60000ms exceeded waiting for canvas.upper-canvas\ncall log ...")

    figure = browser.measured("canvas stroke", 0.5, "s", missing_page)
    assert figure.value is None and figure.verdict.startswith("not measured (Timeout 60000ms exceeded")
