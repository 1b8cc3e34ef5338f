"""The two performance targets of the tutorial recipes and the Train improvements, on the full data:

- augmentation cost: one ``cnn`` epoch (48,000 training images after its 20% hold-out) with and
  without ``shift_flip_zoom``, each trained by ``python -m fmnist_core train`` in its own process,
  alternating, ``--rounds`` times; the cost is the ratio of the median epoch times minus one (the
  history's per-epoch seconds, validation included in both). Target <= 15%.
- the improved recipe: ``python -m fmnist_core recipe improved`` once. Its validation accuracy
  against the training time so far, epoch by epoch, and its test accuracy against the time the
  run took (``started_at`` to ``finished_at`` in ``run.json``, TensorFlow's start included).
  Target: test accuracy >= 0.930 within 300 s (stretch 0.935).

Usage: ``python -m bench.recipes_bench [--rounds 2]``. Prints tables, writes
``bench/recipes_results.json``; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/recipes_bench.py`

from bench.report import at_least, at_most, markdown_table  # noqa: E402
from fmnist_core.recipes import recipes  # noqa: E402
from fmnist_core.runs import runs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "recipes_results.json"
AUGMENTATION_COST_TARGET = 0.15
IMPROVED = recipes.get_recipe("improved").reported
IMPROVED_TARGET, IMPROVED_STRETCH, IMPROVED_SECONDS = IMPROVED.value, 0.935, IMPROVED.within_seconds


def run_command(*args: str) -> Path:
    """Runs ``python -m fmnist_core ARGS``; returns the run directory it prints last."""
    result = subprocess.run(
        [sys.executable, "-m", "fmnist_core", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return Path(result.stdout.strip().splitlines()[-1])


def epoch_seconds(augmentation: str, artifacts: Path) -> float:
    folder = run_command(
        "train",
        "--model",
        "cnn",
        "--epochs",
        "1",
        "--augmentation",
        augmentation,
        "--artifacts",
        str(artifacts),
    )
    return runs.read_history(folder)[0]["seconds"]


def augmentation_cost(rounds: int, artifacts: Path) -> dict[str, float]:
    times: dict[str, list[float]] = {"none": [], "shift_flip_zoom": []}
    for _ in range(rounds):
        for name in times:
            times[name].append(epoch_seconds(name, artifacts))
    plain, augmented = (statistics.median(times[name]) for name in ("none", "shift_flip_zoom"))
    return {"plain_s": plain, "augmented_s": augmented, "cost": augmented / plain - 1, "times": times}


def run_seconds(record: runs.RunRecord) -> float:
    started, finished = (datetime.fromisoformat(value) for value in (record.started_at, record.finished_at))
    return (finished - started).total_seconds()


def improved_recipe(artifacts: Path) -> dict:
    folder = run_command("recipe", "improved", "--seeds", "1", "--artifacts", str(artifacts))
    record = runs.read_run(folder)
    if record.status != "finished":
        raise RuntimeError(f"the improved recipe's run ended {record.status}: {record.error}")
    elapsed, curve = 0.0, []
    for line in runs.read_history(folder):
        elapsed += line["seconds"]
        curve.append({"epoch": line["epoch"], "seconds": elapsed, "val_accuracy": line.get("val_accuracy")})
    return {"test_accuracy": record.test["accuracy"], "run_seconds": run_seconds(record), "curve": curve}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating epoch pairs for the augmentation cost"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cost = augmentation_cost(args.rounds, Path(tmp))
        improved = improved_recipe(Path(tmp))
    figures = [
        at_most(
            "shift_flip_zoom augmentation: extra cnn epoch time",
            100 * cost["cost"],
            100 * AUGMENTATION_COST_TARGET,
            "%",
            note=f"{cost['plain_s']:.1f} s -> {cost['augmented_s']:.1f} s per epoch",
        ),
        at_least(
            "improved recipe: test accuracy",
            improved["test_accuracy"],
            IMPROVED_TARGET,
            "",
            note=f"stretch {IMPROVED_STRETCH}",
        ),
        at_most("improved recipe: the run's time", improved["run_seconds"], IMPROVED_SECONDS, "s"),
    ]
    print(markdown_table(figures))
    print("\nimproved recipe, validation accuracy against training time:")
    print("| epoch | seconds | val accuracy |\n|---|---|---|")
    for point in improved["curve"]:
        print(f"| {point['epoch']} | {point['seconds']:.0f} | {point['val_accuracy']:.4f} |")
    RESULTS.write_text(json.dumps({"augmentation": cost, "improved": improved}, indent=1) + "\n")
    return 0 if all(figure.met for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
