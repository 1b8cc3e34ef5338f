"""The tutorial commands of ``python -m fmnist_core``: ``recipes`` lists the recipes, ``recipe NAME``
trains one in the foreground (one run per seed) and prints the run directories last."""

from __future__ import annotations

import argparse
from pathlib import Path

from fmnist_core.recipes import recipes
from fmnist_core.runs import runs
from fmnist_core.training import foreground
from fmnist_core.training.config import TrainingConfig

MAX_SEEDS = 10


def print_recipes(args: argparse.Namespace) -> int:
    for name in recipes.list_recipes():
        recipe = recipes.get_recipe(name)
        print(f"{name:<24} {recipe.reported.text:<58} {recipe.source}")
    return 0


def train_one(config: TrainingConfig, root: str | None) -> tuple[Path, runs.RunRecord]:
    """Creates the run of ``config`` and trains it here, printing its epochs."""
    folder = runs.create_run(config.model, config.to_dict(), root)
    print(f"{config.recipe} seed {config.seed}: training {config.model} in {folder.name}", flush=True)
    return folder, foreground.train_in_foreground(folder)


def outcome_line(record: runs.RunRecord) -> str:
    if record.status == "failed":
        return f"  failed: {record.error}"
    return f"  {record.status}: test accuracy {record.test['accuracy']:.4f}"


def run_recipe(args: argparse.Namespace) -> int:
    """Trains seeds 0..K-1 of a recipe one after the other under the training lock; non-zero if
    any run failed."""
    from fmnist_core.training import acquire_training_lock

    if not 1 <= args.seeds <= MAX_SEEDS:
        raise ValueError(f"--seeds must be between 1 and {MAX_SEEDS}, got {args.seeds}.")
    configs = [recipes.recipe_config(args.name, seed) for seed in range(args.seeds)]
    lock = acquire_training_lock(args.artifacts)
    folders, failed = [], False
    try:
        for config in configs:
            folder, record = train_one(config, args.artifacts)
            print(outcome_line(record), flush=True)
            folders.append(folder)
            failed = failed or record.status == "failed"
    finally:
        lock.close()
    for folder in folders:
        print(folder)
    return 1 if failed else 0


def add_recipe_commands(commands: argparse._SubParsersAction) -> None:
    """Adds ``recipes`` and ``recipe`` to the command parsers."""
    commands.add_parser("recipes", help="list the tutorial recipes").set_defaults(handler=print_recipes)
    runner = commands.add_parser("recipe", help="reproduce a tutorial recipe (one run per seed)")
    runner.add_argument("name", choices=recipes.list_recipes(), metavar="NAME", help="a name from `recipes`")
    runner.add_argument(
        "--seeds",
        type=int,
        default=1,
        metavar="K",
        help=f"runs with seeds 0..K-1 (default 1, at most {MAX_SEEDS})",
    )
    runner.set_defaults(handler=run_recipe)
