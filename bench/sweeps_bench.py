"""``make bench``, second part: sweeps and the app's scale.

- pruning: one 12-trial mlp sweep (3 epochs each) with and without pruning, same sampler seed:
  wall time and best validation accuracy of each;
- workers: trials per hour with 1 and 2 worker processes on this machine;
- scale: page reruns with 100, 1,000 and 10,000 runs on disk (bench/scale.py).

Writes ``bench/sweeps_results.json`` and the table between the sweep-bench markers of the README.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/sweeps_bench.py`

from bench.report import Figure, markdown_table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("<!-- bench-sweeps:start -->", "<!-- bench-sweeps:end -->")
STARTED = time.monotonic()
SEARCH = ["--param", "learning_rate=0.0001:0.03:log", "--param", "batch_size=32,64,128,256"]


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.0f} s] {message}", flush=True)


def cli(*args: str, artifacts: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "fmnist_core", *args, "--artifacts", str(artifacts)]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen) -> None:
    _, stderr = process.communicate()
    if process.returncode:
        raise RuntimeError(f"{process.args} failed: {stderr.decode()[-2000:]}")


def show(name: str, artifacts: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "fmnist_core", "sweep", "show", name, "--json", "--artifacts", str(artifacts)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)


def timed_sweep(name: str, artifacts: Path, trials: int, epochs: int, samples: int, *extra: str) -> dict:
    """One sweep run in the foreground; its wall time, best value and trial states."""
    started = time.monotonic()
    args = ["sweep", "start", name, "--model", "mlp", "--trials", str(trials), "--epochs", str(epochs)]
    finish(cli(*args, "--train-samples", str(samples), "--seed", "7", *SEARCH, *extra, artifacts=artifacts))
    seconds = time.monotonic() - started
    trials_seen = show(name, artifacts)["trials"]
    values = [t["value"] for t in trials_seen if t["value"] is not None and t["state"] == "complete"]
    states = [t["state"] for t in trials_seen]
    return {"seconds": seconds, "best": max(values), "pruned": states.count("pruned"), "states": states}


def pruning_figures(workspace: Path, samples: int) -> tuple[list[Figure], dict]:
    log("pruning: 12-trial mlp sweep, 3 epochs each, with pruning")
    pruned = timed_sweep("with-pruning", workspace / "prune", 12, 3, samples)
    log(f"  {pruned['seconds']:.0f} s, best {pruned['best']:.4f}, {pruned['pruned']} pruned")
    log("pruning: the same sweep without pruning")
    full = timed_sweep("without-pruning", workspace / "noprune", 12, 3, samples, "--no-prune")
    log(f"  {full['seconds']:.0f} s, best {full['best']:.4f}")
    saved = 1 - pruned["seconds"] / full["seconds"]
    lost = (full["best"] - pruned["best"]) * 100
    figures = [
        Figure("sweep 12 x 3 epochs (mlp): wall time without pruning", full["seconds"], "s"),
        Figure(
            "sweep 12 x 3 epochs (mlp): wall time with pruning",
            pruned["seconds"],
            "s",
            note=f"{pruned['pruned']} of 12 trials pruned",
        ),  # fmt: skip
        Figure("pruning: time saved", saved * 100, "%", ">= 30 %", saved >= 0.30),
        Figure(
            "pruning: best validation accuracy lost",
            lost,
            "points",
            "<= 0.3 points",
            lost <= 0.3,
            note=f"best {pruned['best']:.4f} with, {full['best']:.4f} without",
        ),  # fmt: skip
    ]
    return figures, {"with_pruning": pruned, "without_pruning": full}


def workers_figures(workspace: Path, samples: int, trials: int = 6) -> tuple[list[Figure], dict]:
    """Trials per hour with one worker, and with two worker processes on this machine (each with
    its own machine lock, as two machines sharing an artifacts folder would)."""
    rates = {}
    for count in (1, 2):
        artifacts = workspace / f"workers{count}"
        name = f"workers-{count}"
        args = [
            "sweep",
            "start",
            name,
            "--model",
            "mlp",
            "--trials",
            str(trials),
            "--epochs",
            "2",
            "--no-prune",
        ]
        log(f"workers: {trials} trials with {count} worker process(es)")
        started = time.monotonic()
        processes = [cli(*args, "--train-samples", str(samples), "--seed", "3", *SEARCH, artifacts=artifacts,
                         env={"FMNIST_MACHINE_LOCK_DIR": str(workspace / f"lock{count}-0")})]  # fmt: skip
        if count == 2:
            time.sleep(3)  # the sweep exists once its creator has started
            processes.append(cli("sweep", "work", name, artifacts=artifacts,
                                 env={"FMNIST_MACHINE_LOCK_DIR": str(workspace / "lock2-1")}))  # fmt: skip
        for process in processes:
            finish(process)
        rates[count] = trials / (time.monotonic() - started) * 3600
        log(f"  {rates[count]:.0f} trials per hour")
    ratio = rates[2] / rates[1]
    figures = [
        Figure("sweep trials per hour, 1 worker (mlp, 2 epochs)", rates[1], "trials/h"),
        Figure(
            "sweep trials per hour, 2 worker processes",
            rates[2],
            "trials/h",
            note=f"{ratio:.2f}x one worker: the mlp trains on one thread (registry hint), so a "
            "second worker uses the second core, minus the shared memory bandwidth and the "
            "per-trial start-up (TensorFlow import, data loading)",
        ),  # fmt: skip
    ]
    return figures, {"trials_per_hour": rates}


def scale_stage(workspace: Path) -> list[Figure]:
    from bench.scale import scale_figures

    source = next((workspace / "prune" / "runs").iterdir())
    shutil.copytree(workspace / "prune" / "sweeps", workspace / "scale" / "sweeps")  # for the Sweep page
    log("scale: page reruns with 100, 1,000 and 10,000 runs on disk")
    return scale_figures(source, workspace, log)


def update_readme(readme: Path, table: str) -> None:
    text = readme.read_text()
    pattern = re.compile(re.escape(MARKERS[0]) + ".*?" + re.escape(MARKERS[1]), re.DOTALL)
    if pattern.search(text):
        readme.write_text(pattern.sub(lambda _: f"{MARKERS[0]}\n{table}\n{MARKERS[1]}", text, count=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-samples", type=int, default=60_000)
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "sweeps_results.json")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)
    workspace = Path(tempfile.mkdtemp(prefix="fmnist-sweep-bench-"))
    load = os.getloadavg()
    try:
        figures, details = pruning_figures(workspace, args.train_samples)
        worker_figs, worker_details = workers_figures(workspace, args.train_samples)
        figures += worker_figs + scale_stage(workspace)
        details |= worker_details
    finally:
        shutil.rmtree(workspace, ignore_errors=True)
    for figure in figures:
        print(
            f"{figure.name:<62} {figure.shown_value():>16}   target {figure.target or '-':<14} {figure.verdict}"
        )
    write_results(args.results, figures, {**details, "seconds": time.monotonic() - STARTED})
    header = (
        f"Latest sweep bench ({time.strftime('%Y-%m-%d')}, {time.monotonic() - STARTED:.0f} s, load average "
        f"at start {', '.join(f'{v:.1f}' for v in load)}; mlp on {args.train_samples:,} training images):"
    )
    if args.readme.name:
        update_readme(args.readme, header + "\n\n" + markdown_table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
