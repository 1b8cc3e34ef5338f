"""Training measurements side by side, each in a fresh process, and the figures they give.

Repetitions interleave the three variants and reverse their order every repetition (A B C, C B A,
...), so that a slow stretch of the shared machine does not fall on one variant only; figures are
medians, and speed is quoted as the ratio of medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Figure, at_least, at_most, cumulative_curve, median

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("tutorial", "worker", "quiet")
ACCURACY_POINTS = 0.5  # worker and tutorial test accuracy must agree within this many points


def run_child(kind: str, arguments: dict[str, Any], root: Path, timeout_s: float = 900) -> dict[str, Any]:
    """Runs ``python -m bench.measure kind arguments`` with ``root`` as the artifacts root."""
    env = {**os.environ, "FMNIST_ARTIFACTS": str(root), "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "bench.measure", kind, json.dumps(arguments)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s)
    if result.returncode != 0:
        raise RuntimeError(f"{kind} {arguments} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def interleaved(
    arguments: dict[str, Any],
    repetitions: int,
    root: Path,
    log: Callable[[str], None],
    time_left: Callable[[], bool] = lambda: True,
) -> dict[str, list[dict[str, Any]]]:
    """Up to ``repetitions`` of each variant, interleaved; returns the samples per variant.

    Repetition i trains with seed i + 1 in every variant, so the accuracy comparison averages over
    shuffles and initialisations rather than comparing one draw. Repetitions past the second run
    only while ``time_left()``.
    """
    samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in VARIANTS}
    for repetition in range(repetitions):
        if repetition >= 2 and not time_left():
            log(f"  skipping repetitions {repetition + 1}-{repetitions}: time budget")
            break
        order = VARIANTS if repetition % 2 == 0 else VARIANTS[::-1]
        for kind in order:
            sample = run_child(kind, {**arguments, "seed": repetition + 1}, root)
            samples[kind].append(sample)
            log(
                f"  {arguments['model']} {kind:<8} seed {repetition + 1}  fit {sample['fit_seconds']:6.2f} s  "
                f"test accuracy {sample['test_accuracy']:.4f}"
            )
    return samples


def fit_median(samples: dict[str, list[dict[str, Any]]], kind: str) -> float | None:
    return median([sample["fit_seconds"] for sample in samples[kind]])


def spread(samples: list[dict[str, Any]]) -> str:
    accuracies = [sample["test_accuracy"] for sample in samples]
    return f"{min(accuracies):.4f}-{max(accuracies):.4f}"


def throughput_figures(
    model: str, epochs: int, samples: dict[str, list[dict[str, Any]]], speedup_target: float
) -> list[Figure]:
    """Speed-up, accuracy agreement and reporting overhead of the worker for one model."""
    tutorial, worker, quiet = (fit_median(samples, kind) for kind in VARIANTS)
    accuracy = {kind: statistics.mean(s["test_accuracy"] for s in samples[kind]) for kind in VARIANTS}
    gap = (accuracy["worker"] - accuracy["tutorial"]) * 100
    direct = median([100 * s["reporting_seconds"] / s["fit_seconds"] for s in samples["worker"]])
    runs = f"{len(samples['worker'])} runs each"
    return [
        Figure(f"{model}: tutorial `model.fit`, {epochs} epoch(s)", tutorial, "s", note=runs),
        Figure(f"{model}: our worker, {epochs} epoch(s)", worker, "s", note=runs),
        at_least(f"{model}: worker speed-up over the tutorial", tutorial / worker, speedup_target, "x"),
        Figure(
            f"{model}: test accuracy, worker minus tutorial",
            gap,
            "points",
            f"within +-{ACCURACY_POINTS}",
            abs(gap) <= ACCURACY_POINTS,
            f"means over seeds: worker {accuracy['worker']:.4f} ({spread(samples['worker'])}), "
            f"tutorial {accuracy['tutorial']:.4f} ({spread(samples['tutorial'])})",
        ),
        at_most(
            f"{model}: reporting overhead, worker with vs without",
            100 * (worker - quiet) / quiet,
            3,
            "%",
            f"medians {worker:.2f} s vs {quiet:.2f} s; run-to-run noise here is several %",
        ),
        at_most(f"{model}: time inside the reporting callbacks", direct, 3, "%", "timed in the worker"),
    ]


def flops_figures(samples: dict[str, list[dict[str, Any]]], matmul: dict) -> list[Figure]:
    """The CNN's achieved training GFLOP/s and its fraction of a plain matmul's."""
    worker = samples["worker"][0]
    flops_per_image = worker["flops_per_image"]
    epochs = len(worker["history"])
    work = flops_per_image * worker["train_images"] * epochs
    achieved = {kind: work / fit_median(samples, kind) / 1e9 for kind in ("tutorial", "worker")}
    peak = matmul["gflops_median"]
    return [
        Figure(
            "float32 2048x2048 matmul through TensorFlow",
            peak,
            "GFLOP/s",
            note=f"median of 5 blocks; best {matmul['gflops_best']:.0f}",
        ),
        Figure(
            "cnn: training work per epoch",
            flops_per_image * worker["train_images"] / 1e12,
            "TFLOP",
            note=f"{flops_per_image / 1e6:.1f} MFLOP per image x {worker['train_images']:,} images, from the layer shapes",
        ),
        Figure("cnn: achieved training GFLOP/s, our worker", achieved["worker"], "GFLOP/s"),
        Figure(
            "cnn: worker GFLOP/s as a fraction of matmul",
            100 * achieved["worker"] / peak,
            "%",
            note=f"tutorial code: {100 * achieved['tutorial'] / peak:.0f}%",
        ),
    ]


def time_to_accuracy_figures(sample: dict[str, Any]) -> list[Figure]:
    """cnn_fast with its registry defaults: test accuracy and training seconds."""
    seconds = sample["fit_seconds"]
    note = f"stretch <= 60 s: {'met' if seconds <= 60 else 'not met'}; whole worker {sample['worker_seconds']:.0f} s"
    return [
        at_least("cnn_fast: test accuracy (registry defaults)", sample["test_accuracy"], 0.915, ""),
        at_most("cnn_fast: training time for it", seconds, 90, "s", note),
    ]


def curves(samples: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Accuracy against wall time per model, from the worker runs' histories."""
    return {model: cumulative_curve(sample["history"]) for model, sample in samples.items()}
