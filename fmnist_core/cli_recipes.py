"""The tutorial commands of ``python -m fmnist_core``: ``recipes`` lists the recipes, ``recipe NAME``
trains one in the foreground (one run per seed) and prints the run directories last."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from fmnist_core import recipes, runs
from fmnist_core.training.config import TrainingConfig

MAX_SEEDS = 10


def print_recipes(args: argparse.Namespace) -> int:
    for name in recipes.list_recipes():
        recipe = recipes.get_recipe(name)
        print(f"{name:<24} {recipe.reported.text:<58} {recipe.source}")
    return 0


def epoch_line(line: dict) -> str:
    val = f"  val_accuracy {line['val_accuracy']:.4f}" if line.get("val_accuracy") is not None else ""
    return f"  epoch {line['epoch']:>3}  loss {line['loss']:.4f}  accuracy {line['accuracy']:.4f}{val}"


def print_epochs(folder: Path, done: threading.Event) -> None:
    """Prints each epoch of the run in ``folder`` as the worker appends it, until ``done``."""
    printed = 0
    while True:
        finished = done.is_set()
        history = runs.read_history(folder)
        for line in history[printed:]:
            print(epoch_line(line), flush=True)
        printed = len(history)
        if finished:
            return
        done.wait(0.5)


def train_one(config: TrainingConfig, root: str | None) -> tuple[Path, runs.RunRecord]:
    """Creates the run of ``config`` and trains it here, printing its epochs."""
    from fmnist_core.training import run_worker

    folder = runs.create_run(config.model, config.to_dict(), root)
    print(f"{config.recipe} seed {config.seed}: training {config.model} in {folder.name}", flush=True)
    done = threading.Event()
    printer = threading.Thread(target=print_epochs, args=(folder, done))
    printer.start()
    try:
        record = run_worker(folder)
    except KeyboardInterrupt:
        runs.request_stop(folder)
        raise
    finally:
        done.set()
        printer.join()
    return folder, record


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
