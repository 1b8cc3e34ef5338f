"""``python -m fmnist_core compare A B``: is run B really better than run A? ``seeds``: every
setting trained with several seeds, with its mean, spread and 95% interval."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from fmnist_core.evaluation import evaluation
from fmnist_core.runs import runs

if TYPE_CHECKING:  # scipy.stats takes half a second to import: every worker starts through here
    from fmnist_core.evaluation import significance


def compare(args: argparse.Namespace) -> int:
    """McNemar's exact test and the bootstrap interval of two runs, in words (or ``--json``)."""
    from fmnist_core.evaluation import significance

    records = [runs.read_run(runs.run_path(run_id, args.artifacts)) for run_id in (args.run_a, args.run_b)]
    a, b = (evaluation.load_predictions(runs.run_path(r.id, args.artifacts)) for r in records)
    test = significance.compare_predictions(a, b)
    if args.json:
        values = {
            key: getattr(test, key) for key in ("count", "accuracy_a", "accuracy_b", "only_a", "only_b")
        }
        values |= {"difference": test.difference, "p_value": test.p_value, "interval": list(test.interval)}
        print(json.dumps({"a": args.run_a, "b": args.run_b, **values, "significant": test.is_significant}))
        return 0
    names = [record.label for record in records]
    print(f"A: {names[0]}\nB: {names[1]}")
    print(significance.describe_paired(test, "A", "B"))
    return 0


def print_seed_groups(args: argparse.Namespace) -> int:
    """One line per setting with two or more seeds."""
    from fmnist_core.evaluation import significance

    groups = significance.seed_groups(runs.list_runs(args.artifacts))
    if args.json:
        print(json.dumps([_group_values(group) for group in groups]))
        return 0
    if not groups:
        print("no setting has runs with two or more seeds")
    for group in groups:
        low, high = group.interval
        print(
            f"{significance.describe_setting(group.setting)}: {group.size} seeds, mean {group.mean:.4f}, "
            f"sd {group.spread:.4f}, 95% interval {low:.4f}-{high:.4f}"
        )
    return 0


def _group_values(group: significance.SeedGroup) -> dict:
    return {
        "setting": dict(group.setting),
        "runs": list(group.run_ids),
        "seeds": list(group.seeds),
        "accuracies": list(group.accuracies),
        "mean": group.mean,
        "spread": group.spread,
        "interval": list(group.interval),
    }


def add_significance_commands(commands: argparse._SubParsersAction) -> None:
    comparer = commands.add_parser("compare", help="is run B really better than run A? (McNemar, bootstrap)")
    comparer.add_argument("run_a")
    comparer.add_argument("run_b")
    comparer.add_argument("--json", action="store_true", help="one JSON object")
    comparer.set_defaults(handler=compare)
    seeds = commands.add_parser("seeds", help="settings trained with several seeds: mean, spread, interval")
    seeds.add_argument("--json", action="store_true", help="one JSON list")
    seeds.set_defaults(handler=print_seed_groups)
