"""Suspicious-label ranking over 10 finished runs (target: <= 1 s): ``predictions.npz`` files of the
real format (10,000 x 10 float32, compressed) in 10 run folders, read once each and combined.

Usage: ``python -m bench.label_review_bench [--runs 10]``; prints the median of 5 cold rankings and
of the ``suspicious --json`` command end to end, and exits 1 when the ranking misses its target.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fmnist_core.evaluation import evaluation, label_review
from fmnist_core.runs import runs

TARGET_S = 1.0
NUM_TEST = 10_000


def make_runs(root: Path, count: int) -> list[str]:
    """``count`` finished runs over the same labels, each with its own plausible probabilities."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, NUM_TEST)
    ids = []
    for _ in range(count):
        logits = rng.normal(size=(NUM_TEST, 10)) + 4 * np.eye(10)[labels]
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        folder = runs.create_run("mlp", {}, root)
        (folder / "predictions.npz").write_bytes(evaluation.predictions_bytes(probabilities, labels))
        runs.update_run(folder, status="finished", test={"accuracy": 0.9, "loss": 0.3})
        ids.append(folder.name)
    return ids


def time_ranking(root: Path, ids: list[str], repeats: int = 5) -> float:
    """Median seconds of load (each file once) + combine + rank + the top 20 rows."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        ensemble = label_review.load_ensemble(ids, root)
        label_review.suspicious_rows(ensemble, label_review.rank_suspicious(ensemble)[:20])
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_command(root: Path, repeats: int = 3) -> float:
    """Median seconds of ``python -m fmnist_core suspicious --json`` (start-up and imports included)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        command = [sys.executable, "-m", "fmnist_core", "--artifacts", str(root), "suspicious", "--json"]
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "artifacts"
        ids = make_runs(root, args.runs)
        ranking = time_ranking(root, ids)
        command = time_command(root)
    verdict = "met" if ranking <= TARGET_S else "NOT met"
    print(f"ranking over {args.runs} runs: {ranking:.3f} s (target {TARGET_S} s: {verdict})")
    print(f"`suspicious --json` end to end: {command:.2f} s")
    return 0 if ranking <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
