"""Exporting the tutorial CNN: seconds for each format, file sizes, and the TFLite files' test accuracy.

Trains ``cnn`` (the tutorial CNN, 333,526 parameters) with ``python -m fmnist_core train`` into a
temporary artifacts root (``--epochs`` full-data epochs, default 1: the timing depends on the
model's size, not on how long it trained), then exports it to every format as ``python -m
fmnist_core export`` does, scores both TFLite files on the 10,000 test images, and times the
``export`` job's whole build (what the Download tab's "Prepare" button runs).

Targets (issue 21): TFLite float32 within 1e-5 of the stored probabilities; the dynamic-range
quantised file within 0.5 accuracy points of the original.

Usage: ``python -m bench.export_bench [--epochs N]``; prints a table, writes
bench/export_results.json and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/export_bench.py`

from fmnist_core.tensorflow_logs import tensorflow_log_level  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

from bench.report import Figure, at_most, markdown_table  # noqa: E402
from fmnist_core.exporting import bundle, convert, measure  # noqa: E402
from fmnist_core.exporting.formats import FORMATS, TFLITE  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("export_results.json")
CODES = ("keras", "savedmodel", "tflite", "tflite-int8")
FLOAT_TOLERANCE, QUANTISED_POINTS = 1e-5, 0.5


def train(artifacts: Path, epochs: int) -> Path:
    """Trains the tutorial CNN; returns its run folder."""
    command = [sys.executable, "-m", "fmnist_core", "train", "--model", "cnn", "--epochs", str(epochs)]
    command += ["--artifacts", str(artifacts)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return Path(result.stdout.strip().splitlines()[-1])


def measure_exports(folder: Path, out: Path) -> dict[str, dict]:
    """Per format: seconds to export, bytes; for TFLite also its scores and seconds to score."""
    results: dict[str, dict] = {}
    for code in CODES:
        started = time.perf_counter()
        path = convert.export_model(folder, code, out)
        results[code] = {"seconds": time.perf_counter() - started, "bytes": path.stat().st_size}
        if code in TFLITE:
            started = time.perf_counter()
            results[code] |= measure.score_tflite(path, folder).to_dict()
            results[code]["score_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    bundle.build_exports(folder)
    results["job"] = {"seconds": time.perf_counter() - started}
    return results


def figures(results: dict[str, dict]) -> list[Figure]:
    listed = []
    for code in CODES:
        entry = results[code]
        name = FORMATS[code].file_name
        note = "includes loading TensorFlow and the model once" if code == CODES[0] else ""
        listed.append(Figure(f"{code}: export seconds", entry["seconds"], "s", note=note))
        listed.append(Figure(f"{code}: size of {name}", entry["bytes"] / 1e6, "MB"))
    for code in TFLITE:
        entry = results[code]
        accuracy, note = entry["accuracy"], f"original {entry['original_accuracy']:.4f}"
        listed.append(Figure(f"{code}: test accuracy", accuracy, note=note, shown=f"{accuracy:.4f}"))
        listed.append(Figure(f"{code}: seconds to score 10,000 test images", entry["score_seconds"], "s"))
    float_entry, quantised = results["tflite"], results["tflite-int8"]
    largest = float_entry["max_difference"]
    closeness = at_most(
        "tflite: largest probability difference to the stored ones", largest, FLOAT_TOLERANCE, ""
    )
    closeness.shown = f"{largest:.1e}"
    listed.append(closeness)
    gained = 100 * (quantised["accuracy"] - quantised["original_accuracy"])
    distance = at_most(
        "tflite-int8: accuracy distance to the original", abs(gained), QUANTISED_POINTS, "points"
    )
    distance.note = f"{gained:+.2f} points"
    listed.append(distance)
    listed.append(Figure("export job (all three files, scored): seconds", results["job"]["seconds"], "s"))
    return listed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=1, help="full-data training epochs (default 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = train(Path(scratch) / "artifacts", args.epochs)
        out = Path(scratch) / "out"
        out.mkdir()
        results = measure_exports(folder, out)
    listed = figures(results)
    print(f"Exports of the tutorial CNN after {args.epochs} epoch(s).")
    print(markdown_table(listed))
    met = all(figure.met for figure in listed if figure.met is not None)
    RESULTS.write_text(
        json.dumps({"epochs": args.epochs, "results": results, "targets_met": met}, indent=2) + "\n"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
