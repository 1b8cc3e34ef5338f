"""Offline HTML reports: seconds to build and write one, and the size of the file.

The run report is of a cnn run: the newest finished cnn in ``--artifacts`` (a tutorial-size run
when you have trained one), else a tiny one trained here (600 images, 1 epoch; its report has the
same 10,000 test predictions, only a shorter history). The compare report sets that run against an
mlp (tiny, trained here when none exists); the sweep report is of a 3-trial sgd sweep made here.
Each build is timed first in this process (plotly.js and the dataset read; the imports are warm
after training) and warm (median of 3 more, as a second click in the app); the run report also
through the CLI in a fresh process, imports included.

Targets (issue 21): a run report in <= 5 s, a file of <= 10 MB.

Usage: ``python -m bench.report_bench [--artifacts DIR]``; prints a table, writes
bench/report_results.json and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/report_bench.py`

from fmnist_core.tensorflow_logs import tensorflow_log_level  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

from bench.report import Figure, at_most, markdown_table  # noqa: E402
from fmnist_core import reports, sweeps
from fmnist_core.runs import runs  # noqa: E402

RESULTS = Path(__file__).with_name("report_results.json")
SECONDS_TARGET, MEGABYTES_TARGET = 5.0, 10.0
WARM_REPEATS = 3


def newest_finished(model: str, root: Path | None) -> runs.RunRecord | None:
    found = [record for record in runs.list_runs(root) if record.model == model and record.has_predictions]
    return found[0] if found else None


def tiny_run(model: str, root: Path) -> Path:
    from fmnist_core.training import TrainingConfig, run_worker

    config = TrainingConfig.for_model(model, epochs=1, train_samples=600, seed=1)
    folder = runs.create_run(model, config.to_dict(), root)
    run_worker(folder)
    return folder


def run_folder(model: str, artifacts: Path | None, scratch: Path) -> tuple[Path, str]:
    """(folder, how it was made) of the run a report is measured on."""
    record = newest_finished(model, artifacts)
    if record is not None:
        epochs = record.config.get("epochs")
        images = record.config.get("train_samples") or "all"
        return runs.run_path(
            record.id, artifacts
        ), f"existing {model} run {record.id} ({epochs} epochs, {images} images)"
    return tiny_run(model, scratch), f"tiny {model} run trained here (1 epoch, 600 images)"


def tiny_sweep(root: Path) -> str:
    space = {
        "learning_rate": sweeps.Param("float", 1e-4, 1e-1, log=True),
        "batch_size": sweeps.Param("int", 32, 256, log=True),
    }
    spec = sweeps.SweepSpec(
        name="bench", model="sgd", trials=3, space=space, epochs=1, train_samples=300, sampler="random"
    )
    sweeps.create_sweep(spec, root)
    sweeps.work("bench", root)
    return "bench"


def timed(build: Callable[[], str], out: Path) -> tuple[float, float, int]:
    """(cold seconds, warm median seconds, bytes) of building and writing one report."""
    seconds = []
    for _ in range(1 + WARM_REPEATS):
        start = time.perf_counter()
        size = reports.write_report(build(), out)
        seconds.append(time.perf_counter() - start)
    return seconds[0], statistics.median(seconds[1:]), size


def measure(name: str, build: Callable[[], str], out: Path, targets: bool, note: str) -> list[Figure]:
    cold, warm, size = timed(build, out)
    megabytes = size / 1e6
    if not targets:
        return [Figure(f"{name}: build + write, first", cold, "s", note=note), Figure(f"{name}: warm", warm, "s"),
                Figure(f"{name}: file size", megabytes, "MB")]  # fmt: skip
    return [
        at_most(f"{name}: build + write, first", cold, SECONDS_TARGET, "s", note),
        at_most(f"{name}: build + write, warm (median of {WARM_REPEATS})", warm, SECONDS_TARGET, "s"),
        at_most(f"{name}: file size", megabytes, MEGABYTES_TARGET, "MB"),
    ]


def cli_seconds(folder: Path, out: Path) -> Figure:
    """Wall time of ``python -m fmnist_core report RUN`` in a fresh process (imports included)."""
    import subprocess

    command = [sys.executable, "-m", "fmnist_core", "report", folder.name, "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        env={**os.environ, "FMNIST_ARTIFACTS": str(folder.parent.parent)},
    )
    return at_most("run report: the CLI in a fresh process", time.perf_counter() - start, SECONDS_TARGET, "s")


def main() -> int:
    from fmnist_core.reports.sweep_report import build_sweep_report

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--artifacts", type=Path, help="where to look for a trained cnn (default $FMNIST_ARTIFACTS)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        cnn, cnn_note = run_folder("cnn", args.artifacts, scratch)
        mlp, mlp_note = run_folder("mlp", args.artifacts, scratch)
        sweep = tiny_sweep(scratch)
        listed = measure(
            "run report", lambda: reports.build_run_report(cnn), scratch / "run.html", True, cnn_note
        )
        listed.append(cli_seconds(cnn, scratch / "cli.html"))
        listed += measure(
            "compare report",
            lambda: reports.build_compare_report(mlp, cnn),
            scratch / "c.html",
            False,
            f"against {mlp_note}",
        )
        listed += measure(
            "sweep report",
            lambda: build_sweep_report(sweep, scratch),
            scratch / "s.html",
            False,
            "3-trial sgd sweep",
        )
    print(markdown_table(listed))
    met = all(figure.met for figure in listed if figure.met is not None)
    details = {"run": cnn_note, "baseline": mlp_note, "targets_met": met}
    RESULTS.write_text(json.dumps({"figures": [vars(f) for f in listed], **details}, indent=2) + "\n")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
