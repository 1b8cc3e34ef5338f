"""Drawings the model understands: ``cnn_draw`` on clean test images and on drawings of them.

Trains ``cnn_draw`` with its registry defaults on the full data (``python -m fmnist_core train``,
into a temporary artifacts root), and for comparison ``cnn_fast`` (the same recipe without the
drawing augmentation). Then each model judges the first ``--drawings`` test images drawn as a person
would on the Draw page, by `fmnist_core.drawing.drawing_render` (numpy/scipy/Pillow, independent of the
TensorFlow augmentation): filled silhouettes, and outlines traced with a pen, both through the
page's preprocessing with its "Fill outlines" default. Also reported, without targets: outlines
with "Fill outlines" off, and silhouettes drawn pointing the other way.

Targets (issue 14): cnn_draw >= 0.92 on clean test images, >= 0.85 on the drawings (silhouettes and
outlines together), trained in <= 180 s here.

Usage: ``python -m bench.draw_bench [--drawings N] [--skip-reference]``; prints a table, writes
bench/draw_results.json and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/draw_bench.py`

from fmnist_core.tensorflow_logs import tensorflow_log_level  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

import numpy as np  # noqa: E402

from bench.report import Figure, at_least, at_most, markdown_table  # noqa: E402
from fmnist_core.data import load_fashion_mnist  # noqa: E402
from fmnist_core.drawing import drawing_render
from fmnist_core.runs import run_summary, runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("draw_results.json")
CLEAN_TARGET, DRAWING_TARGET, SECONDS_TARGET = 0.92, 0.85, 180.0
# name -> (style, render options): the two sets with targets first, then the extra looks.
DRAWING_SETS = {
    "silhouettes": ("silhouette", {}),
    "outlines": ("outline", {}),
    "outlines, Fill outlines off": ("outline", {"fill_outlines": False}),
    "silhouettes pointing the other way": ("silhouette", {"mirrored": True}),
}


def train(model: str, artifacts: Path) -> Path:
    """Trains ``model`` with its defaults on the full data; returns the run folder."""
    command = [sys.executable, "-m", "fmnist_core", "train", "--model", model, "--artifacts", str(artifacts)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return Path(result.stdout.strip().splitlines()[-1])


def render_sets(
    count: int, names: tuple[str, ...] = tuple(DRAWING_SETS)
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The drawing sets ``names`` of the first ``count`` test images, and their labels."""
    dataset = load_fashion_mnist()
    images = dataset.x_test[:count]
    drawn = {}
    for name in names:
        style, options = DRAWING_SETS[name]
        drawn[name] = drawing_render.render_drawings(images, style, **options)
    return drawn, dataset.y_test[:count]


def accuracies(folder: Path, drawn: dict[str, np.ndarray], labels: np.ndarray) -> dict[str, float]:
    """The run's stored test accuracy, and its accuracy on each drawing set."""
    from fmnist_core.models.inference import load_run_model, predict_probabilities

    run_model = load_run_model(folder)
    scores = {"clean test images": float(runs.read_run(folder).test["accuracy"])}
    for name, images in drawn.items():
        predicted = predict_probabilities(run_model, images).argmax(axis=1)
        scores[name] = float((predicted == labels).mean())
    scores["drawings (silhouettes and outlines)"] = round((scores["silhouettes"] + scores["outlines"]) / 2, 4)
    return scores


def measure(model: str, scratch: Path, drawn: dict[str, np.ndarray], labels: np.ndarray) -> dict:
    folder = train(model, scratch / model)
    seconds = run_summary.elapsed_seconds(runs.read_run(folder))
    return {"model": model, "training_seconds": round(seconds, 1), **accuracies(folder, drawn, labels)}


def figures(result: dict, targets: bool) -> list[Figure]:
    model = result["model"]
    if not targets:
        return [Figure(f"{model}: {key}", value) for key, value in result.items() if key != "model"]
    listed = [
        at_most(
            f"{model}: training time (worker, start to end)", result["training_seconds"], SECONDS_TARGET, "s"
        ),
        at_least(f"{model}: clean test images", result["clean test images"], CLEAN_TARGET, ""),
        at_least(
            f"{model}: drawings (silhouettes and outlines)",
            result["drawings (silhouettes and outlines)"],
            DRAWING_TARGET,
            "",
        ),
    ]
    listed += [Figure(f"{model}: {name}", result[name]) for name in DRAWING_SETS]
    return listed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--drawings", type=int, default=2000, help="test images drawn (default 2000)")
    parser.add_argument("--skip-reference", action="store_true", help="do not train cnn_fast")
    args = parser.parse_args()
    drawn, labels = render_sets(args.drawings)
    models = ["cnn_draw"] if args.skip_reference else ["cnn_draw", "cnn_fast"]
    with tempfile.TemporaryDirectory() as scratch:
        results = [measure(model, Path(scratch), drawn, labels) for model in models]
    listed = [figure for result in results for figure in figures(result, result["model"] == "cnn_draw")]
    print(f"Drawings of the first {args.drawings} test images.")
    print(markdown_table(listed))
    met = all(figure.met for figure in listed if figure.met is not None)
    RESULTS.write_text(
        json.dumps({"drawings": args.drawings, "results": results, "targets_met": met}, indent=2) + "\n"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
