"""How the pages' script time grows with the number of runs on disk (100, 1,000, 10,000 copies of a
real finished run).

Each page is run through Streamlit's AppTest in this process: the time is what the server spends
on one rerun (a click, a poll), the part that grows with the runs. The browser's own drawing is
timed by the browser stage.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Figure

COUNTS = (100, 1_000, 10_000)
PAGES = {
    "Overview": "pages/overview.py",
    "Runs": "pages/runs.py",
    "Evaluate (run picker)": "pages/evaluate.py",
    "Sweep": "pages/sweep.py",
}
TARGETS_S = {1_000: 1.5, 10_000: 3.0}
APP = Path(__file__).resolve().parent.parent / "app.py"


def make_runs(source: Path, root: Path, count: int) -> None:
    """Adds copies of the run folder ``source`` to ``root/runs`` until it holds ``count`` runs.

    Files are hard links (10,000 copies cost no disk); only ``run.json`` is new, with its own id.
    """
    runs_dir = root / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    record = json.loads((source / "run.json").read_text())
    for index in range(len(list(runs_dir.iterdir())), count):
        run_id = f"2026{index // 100_000 % 12 + 1:02d}01-{index // 3600 % 24:02d}{index // 60 % 60:02d}{index % 60:02d}-{record['model']}-{secrets.token_hex(3)}"
        folder = runs_dir / run_id
        shutil.copytree(source, folder, copy_function=os.link, ignore=shutil.ignore_patterns("run.json"))
        (folder / "run.json").write_text(json.dumps({**record, "id": run_id}))


def rerun_seconds(page: str, repeats: int = 3) -> float:
    """Median script time of a rerun of ``page`` (after a first run that fills the caches)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    at.switch_page(page).run()
    if at.exception:
        raise RuntimeError(f"{page} failed: {at.exception[0].message}")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def scale_figures(source: Path, workspace: Path, log: Callable[[str], None]) -> list[Figure]:
    """Times every page at each count; one figure per page and count, with the growth per run."""
    root = workspace / "scale"
    os.environ["FMNIST_ARTIFACTS"] = str(root)
    pages = {name: path for name, path in PAGES.items() if (APP.parent / path).is_file()}
    seconds: dict[str, dict[int, float]] = {name: {} for name in pages}
    for count in COUNTS:
        make_runs(source, root, count)
        for name, path in pages.items():
            seconds[name][count] = rerun_seconds(path)
            log(f"  {count:>6,} runs: {name} {seconds[name][count]:.2f} s")
    figures = []
    for name, by_count in seconds.items():
        for count, value in by_count.items():
            target = TARGETS_S.get(count)
            growth = (by_count[COUNTS[-1]] - by_count[COUNTS[0]]) / (COUNTS[-1] - COUNTS[0]) * 1000
            figures.append(
                Figure(
                    f"{name}: rerun with {count:,} runs on disk",
                    value,
                    "s",
                    f"<= {target} s" if target else "",
                    value <= target if target else None,
                    f"{growth:.2f} ms more per 1,000 runs (100 -> 10,000)" if count == COUNTS[-1] else "",
                )
            )
    return figures
