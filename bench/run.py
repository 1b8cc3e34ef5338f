"""``make bench``: training speed against the tutorials' code, time to accuracy, responsiveness, memory.

Runs everything side by side on this machine, prints every figure with its target and verdict,
writes ``bench/results.json`` and the table between the bench markers of the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/run.py` from anywhere

from bench import compare  # noqa: E402
from bench.report import Figure, curve_table, markdown_table, update_readme, write_results  # noqa: E402

ROOT = compare.ROOT
STARTED = time.monotonic()
BROWSER_S = 200  # the browser stage's usual length on a busy machine


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mlp-epochs", type=int, default=2)
    parser.add_argument("--mlp-repetitions", type=int, default=3)
    parser.add_argument("--cnn-epochs", type=int, default=1)
    parser.add_argument("--cnn-repetitions", type=int, default=3)
    parser.add_argument("--cnn-curve-epochs", type=int, default=3, help="0 skips the cnn curve run")
    parser.add_argument("--train-samples", type=int, default=None, help="fewer images (smoke runs)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--budget-s", type=float, default=800, help="skip optional runs that would end the bench past this"
    )
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md", help="'' to leave it alone")
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def time_left(args: argparse.Namespace, still_needed_s: float) -> Callable[[], bool]:
    """Whether another repetition fits, leaving ``still_needed_s`` for the stages after it."""
    return lambda: time.monotonic() - STARTED + still_needed_s < args.budget_s


def training_stage(args: argparse.Namespace, root: Path) -> tuple[list[Figure], dict[str, Any]]:
    """Items 1-3: throughput against the tutorials, distance to the machine's limit, time to accuracy."""
    common = {"train_samples": args.train_samples}
    log("matmul through TensorFlow")
    matmul = compare.run_child("matmul", {}, root)

    def against_tutorial(model: str, epochs: int, repetitions: int, still_needed_s: float) -> dict[str, Any]:
        log(f"{model}, {epochs} epoch(s), {repetitions} repetitions of tutorial / worker / quiet")
        settings = {"model": model, "epochs": epochs, **common}
        return compare.interleaved(settings, repetitions, root, log, time_left(args, still_needed_s))

    mlp = against_tutorial("mlp", args.mlp_epochs, args.mlp_repetitions, 550)
    cnn = against_tutorial("cnn", args.cnn_epochs, args.cnn_repetitions, 400)
    log("cnn_fast with its registry defaults (time to accuracy)")
    fast = compare.run_child("worker", {"model": "cnn_fast", **common}, root)
    log(f"  cnn_fast test accuracy {fast['test_accuracy']:.4f} after {fast['fit_seconds']:.1f} s of training")
    cnn_curve = cnn["worker"][0]
    expected = compare.fit_median(cnn, "worker") * args.cnn_curve_epochs / args.cnn_epochs + 30
    if args.cnn_curve_epochs and time_left(args, expected + BROWSER_S)():
        log(f"cnn for {args.cnn_curve_epochs} epochs through the worker (accuracy against time)")
        cnn_curve = compare.run_child(
            "worker", {"model": "cnn", "epochs": args.cnn_curve_epochs, **common}, root
        )
    figures = (
        compare.throughput_figures("mlp", args.mlp_epochs, mlp, 2.0)
        + compare.throughput_figures("cnn", args.cnn_epochs, cnn, 1.3)
        + compare.flops_figures(cnn, matmul)
        + compare.time_to_accuracy_figures(fast)
    )
    details = {
        "samples": {"mlp": mlp, "cnn": cnn, "cnn_fast": fast, "cnn_curve": cnn_curve},
        "matmul": matmul,
        "curves": compare.curves({"cnn_fast": fast, "cnn": cnn_curve}),
        "cnn_fast_test": {"accuracy": fast["test_accuracy"], "seconds": fast["fit_seconds"]},
        "cnn_curve_test": {"accuracy": cnn_curve["test_accuracy"], "seconds": cnn_curve["fit_seconds"]},
    }
    return figures, details


def browser_stage(root: Path, run_id: str | None) -> list[Figure]:
    """Items 4-5, in a real browser against `streamlit run app.py` serving the runs just trained."""
    from bench.browser import browser_figures
    from fmnist_core.data import load_fashion_mnist

    data = load_fashion_mnist()
    dataset_mb = sum(array.nbytes for array in (data.x_train, data.y_train, data.x_test, data.y_test)) / 2**20
    log("browser: startup, Evaluate, confusion cell, canvas stroke, memory")
    return browser_figures(root, run_id, dataset_mb)


def print_figures(figures: list[Figure]) -> None:
    print()
    for figure in figures:
        value = figure.shown_value()
        print(f"{figure.name:<62} {value:>16}   target {figure.target or '-':<14} {figure.verdict}")
        if figure.note and figure.value is not None:
            print(f"{'':<66}{figure.note}")
    print()


def readme_section(figures: list[Figure], details: dict[str, Any]) -> str:
    info = details["machine"]
    load = ", ".join(f"{value:.1f}" for value in info["load_average"])
    fast, cnn = details["cnn_fast_test"], details["cnn_curve_test"]
    return "\n".join(
        [
            f"Latest `make bench` ({details['date']}, {details['seconds']:.0f} s) on {info['cpu']}, "
            f"{info['cores']} cores, load average at start {load}:",
            "",
            markdown_table(figures),
            "",
            "Accuracy against training time (validation accuracy after each epoch; test accuracy at the "
            f"end: cnn_fast {fast['accuracy']:.4f} after {fast['seconds']:.0f} s, "
            f"cnn {cnn['accuracy']:.4f} after {cnn['seconds']:.0f} s):",
            "",
            curve_table(details["curves"]),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workspace = Path(tempfile.mkdtemp(prefix="fmnist-bench-"))
    root = workspace / "artifacts"
    details: dict[str, Any] = {"machine": machine(), "date": dt.date.today().isoformat()}
    try:
        figures, training = training_stage(args, root)
        details |= training
        run_id = training["samples"]["cnn_fast"]["run_id"]
        if not args.no_browser:
            figures += browser_stage(root, run_id)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    details["seconds"] = time.monotonic() - STARTED
    print_figures(figures)
    write_results(args.results, figures, details)
    log(f"wrote {args.results}")
    if args.readme and args.readme.name and update_readme(args.readme, readme_section(figures, details)):
        log(f"updated the Benchmark table in {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
