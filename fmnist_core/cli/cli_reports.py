"""The ``report`` command of ``python -m fmnist_core``: one offline HTML report of a run, of two
runs compared or of a sweep (English: the Korean words live in the app's catalog)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fmnist_core.runs import runs

USAGE = "give one run id, or --compare A B, or --sweep NAME"


def build_report(args: argparse.Namespace) -> str:
    """The page the arguments ask for."""
    from fmnist_core import reports

    if args.sweep:
        from fmnist_core.reports.sweep_report import build_sweep_report

        return build_sweep_report(args.sweep, args.artifacts)
    if args.compare:
        folder_a, folder_b = (runs.run_path(run_id, args.artifacts) for run_id in args.compare)
        return reports.build_compare_report(folder_a, folder_b)
    return reports.build_run_report(runs.run_path(args.run_id, args.artifacts))


def report(args: argparse.Namespace) -> int:
    """Checks the destination first (a typo costs no build), builds, writes atomically."""
    from fmnist_core import reports
    from fmnist_core.reports.writing import check_destination

    chosen = [bool(args.run_id), bool(args.compare), bool(args.sweep)]
    if chosen.count(True) != 1:
        raise ValueError(f"report: {USAGE}.")
    out = check_destination(Path(args.out))
    size = reports.write_report(build_report(args), out)
    print(f"wrote {out} ({reports.size_text(size)})")
    return 0


def add_report_commands(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "report", help="write an offline HTML report of a run, two runs or a sweep", description=USAGE
    )
    parser.add_argument("run_id", nargs="?", help="the run to report on")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare run B with the baseline A")
    parser.add_argument("--sweep", metavar="NAME", help="report on a sweep")
    parser.add_argument("--out", required=True, metavar="FILE.html", help="the file to write")
    parser.set_defaults(handler=report)
