"""Command line: ``python -m fmnist_core {models,train,runs,evaluate,compare,seeds,suspicious,map,layers,delete,import,export,report,sweep}``."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from fmnist_core.tensorflow_logs import tensorflow_log_level

# Before anything imports TensorFlow: a worker or a training run may import it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

from fmnist_core.cli.cli_export import add_export_command
from fmnist_core.cli.cli_inspect import add_inspect_commands
from fmnist_core.cli.cli_recipes import add_recipe_commands
from fmnist_core.cli.cli_reports import add_report_commands
from fmnist_core.cli.cli_significance import add_significance_commands
from fmnist_core.cli.cli_sweeps import add_sweep_commands
from fmnist_core.data import DatasetError
from fmnist_core.models.models import (
    CHOICE_HYPERPARAMETERS,
    COMMON_HYPERPARAMETERS,
    HYPERPARAMETERS,
    get_model_spec,
    list_models,
)
from fmnist_core.runs import runs
from fmnist_core.training import foreground


def print_models(args: argparse.Namespace) -> int:
    for name in list_models():
        spec = get_model_spec(name)
        params = f"{spec.num_params:,} params" if spec.num_params else "params depend on data"
        defaults = " ".join(f"{key}={value}" for key, value in spec.defaults.items())
        print(f"{name:<12} {spec.family:<7} {params:<22} {defaults}  {spec.description}")
    return 0


def train(args: argparse.Namespace) -> int:
    """Runs the worker in the foreground; exits non-zero unless the run finished or was stopped."""
    from fmnist_core.training import TrainingConfig, acquire_training_lock

    settings = (*HYPERPARAMETERS, *CHOICE_HYPERPARAMETERS, *COMMON_HYPERPARAMETERS)
    overrides = {key: getattr(args, key) for key in settings}
    config = TrainingConfig.for_model(args.model, **overrides)
    lock = acquire_training_lock(args.artifacts)
    folder = runs.create_run(config.model, config.to_dict(), args.artifacts)
    print(f"training {config.model} in {folder}", flush=True)
    try:
        record = foreground.train_in_foreground(folder)
    finally:
        lock.close()
    if record.status == "failed":
        print(f"failed: {record.error}", file=sys.stderr)
        print(folder)
        return 1
    print(
        f"{record.status}: test accuracy {record.test['accuracy']:.4f}, test loss {record.test['loss']:.4f}"
    )
    print(folder)
    return 0


def worker(args: argparse.Namespace) -> int:
    """Entry of the process started by ``launch_queue`` (it already holds the lock)."""
    from fmnist_core.training import run_worker

    statuses = [run_worker(Path(folder)).status for folder in args.run_dirs]
    return 1 if "failed" in statuses else 0


def list_run_records(args: argparse.Namespace) -> int:
    records, damaged = runs.scan_runs(args.artifacts)
    if not records and not damaged:
        print(f"no runs in {runs.runs_dir(args.artifacts)}")
    for record in records:
        accuracy = f"{record.test_accuracy:.4f}" if record.test_accuracy is not None else "-"
        print(f"{record.id:<40} {record.model:<12} {record.status:<9} test_accuracy {accuracy}")
    for run in damaged:
        print(f"{run.id:<40} {'?':<12} {'damaged':<9} {run.problem}; `delete {run.id}` removes it")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Accuracy, ECE (15 bins) and per-class metrics of a run's test predictions; ``--json``: one object."""
    import json

    from fmnist_core.evaluation import calibration, evaluation

    folder = runs.run_path(args.run_id, args.artifacts)
    predictions = evaluation.load_predictions(folder)
    accuracy = evaluation.accuracy(predictions.probabilities, predictions.labels)
    ece = calibration.expected_calibration_error(predictions.probabilities, predictions.labels)
    metrics = evaluation.per_class_metrics(predictions.predicted, predictions.labels)
    if args.json:
        per_class = {
            name: {key: (int(value) if key == "support" else float(value)) for key, value in row.items()}
            for name, row in metrics.iterrows()
        }
        report = {"run": args.run_id, "model": runs.read_run(folder).model, "accuracy": accuracy}
        print(json.dumps({**report, "ece": ece, "per_class": per_class}))
        return 0
    print(f"accuracy {accuracy:.4f}")
    print(f"ece {ece:.4f}")
    print(metrics.round(4).to_string())
    return 0


def delete(args: argparse.Namespace) -> int:
    runs.delete_run(args.run_id, args.artifacts)
    print(f"deleted {args.run_id}")
    return 0


def import_model(args: argparse.Namespace) -> int:
    """Checks, evaluates and stores a .keras file as a run; prints the run's folder."""
    from fmnist_core.models.importing import import_keras_model

    folder = import_keras_model(args.file, args.artifacts, name=Path(args.file).name)
    record = runs.read_run(folder)
    print(
        f"imported {record.source['file_name']}: test accuracy {record.test_accuracy:.4f}",
        file=sys.stderr,
    )
    print(folder)
    return 0


def build_parser() -> argparse.ArgumentParser:
    artifacts_help = "artifacts root; runs go to DIR/runs (default $FMNIST_ARTIFACTS or ./artifacts)"
    parser = argparse.ArgumentParser(prog="python -m fmnist_core", description=__doc__)
    parser.add_argument("--artifacts", metavar="DIR", help=artifacts_help)
    common = argparse.ArgumentParser(add_help=False)  # so --artifacts also works after the command
    common.add_argument("--artifacts", metavar="DIR", default=argparse.SUPPRESS, help=artifacts_help)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser = functools.partial(commands.add_parser, parents=[common])  # type: ignore[method-assign]
    commands.add_parser("models", help="list the model variants").set_defaults(handler=print_models)
    trainer = commands.add_parser("train", help="train a model in the foreground")
    trainer.set_defaults(handler=train)
    trainer.add_argument("--model", required=True, choices=list_models())
    for name, (low, high, kind, help_text) in HYPERPARAMETERS.items():
        trainer.add_argument(f"--{name.replace('_', '-')}", type=kind, help=f"{help_text} ({low}-{high})")
    for name, (choices, help_text) in CHOICE_HYPERPARAMETERS.items():
        trainer.add_argument(
            f"--{name.replace('_', '-')}", choices=choices, help=f"{help_text} (Keras models)"
        )
    trainer.add_argument("--seed", type=int, help="random seed (same seed, same config: same history)")
    trainer.add_argument("--patience", type=int, help="early stopping patience in epochs (0: off)")
    trainer.add_argument("--train-samples", type=int, help="train on the first N images only (quick runs)")
    work = commands.add_parser("worker", help=argparse.SUPPRESS)
    work.add_argument("run_dirs", nargs="+")
    work.set_defaults(handler=worker)
    commands.add_parser("runs", help="list runs").set_defaults(handler=list_run_records)
    for name, handler, help_text in (
        ("evaluate", evaluate, "accuracy, calibration error (ECE) and per-class metrics of a run"),
        ("delete", delete, "delete a run"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("run_id")
        sub.set_defaults(handler=handler)
        if name == "evaluate":
            sub.add_argument("--json", action="store_true", help="one JSON object (accuracy, ece, per_class)")
    importer = commands.add_parser("import", help="check, evaluate and store a .keras model as a run")
    importer.add_argument("file", help="a .keras file saved with model.save('name.keras')")
    importer.set_defaults(handler=import_model)
    add_inspect_commands(commands)
    add_export_command(commands)
    add_recipe_commands(commands)
    add_significance_commands(commands)
    add_sweep_commands(commands, common)
    add_report_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, RuntimeError, DatasetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
