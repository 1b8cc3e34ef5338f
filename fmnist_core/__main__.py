"""Command line: ``python -m fmnist_core {models,train,runs,evaluate,suspicious,delete,import,map,sweep}``."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
from pathlib import Path

from fmnist_core.tensorflow_logs import tensorflow_log_level

# Before anything imports TensorFlow: a worker or a training run may import it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", tensorflow_log_level())

from fmnist_core import runs
from fmnist_core.data import DatasetError
from fmnist_core.models import COMMON_HYPERPARAMETERS, HYPERPARAMETERS, get_model_spec, list_models


def print_models(args: argparse.Namespace) -> int:
    for name in list_models():
        spec = get_model_spec(name)
        params = f"{spec.num_params:,} params" if spec.num_params else "params depend on data"
        defaults = " ".join(f"{key}={value}" for key, value in spec.defaults.items())
        print(f"{name:<12} {spec.family:<7} {params:<22} {defaults}  {spec.description}")
    return 0


def follow_history(folder: Path, done: threading.Event) -> None:
    """Prints each history line as the worker appends it."""
    printed = 0
    while True:
        finished = done.is_set()
        history = runs.read_history(folder)
        for line in history[printed:]:
            val = (
                f"  val_loss {line['val_loss']:.4f}  val_accuracy {line['val_accuracy']:.4f}"
                if "val_loss" in line
                else ""
            )
            print(
                f"epoch {line['epoch']:>3}  loss {line['loss']:.4f}  accuracy {line['accuracy']:.4f}{val}  ({line['seconds']:.1f} s)",
                flush=True,
            )
        printed = len(history)
        if finished:
            return
        done.wait(0.2)


def train(args: argparse.Namespace) -> int:
    """Runs the worker in the foreground; exits non-zero unless the run finished or was stopped."""
    from fmnist_core.training import TrainingConfig, acquire_training_lock, run_worker

    overrides = {key: getattr(args, key) for key in (*HYPERPARAMETERS, *COMMON_HYPERPARAMETERS)}
    config = TrainingConfig.for_model(args.model, **overrides)
    lock = acquire_training_lock(args.artifacts)
    folder = runs.create_run(config.model, config.to_dict(), args.artifacts)
    print(f"training {config.model} in {folder}", flush=True)
    done = threading.Event()
    printer = threading.Thread(target=follow_history, args=(folder, done))
    printer.start()
    try:
        record = run_worker(folder)
    except KeyboardInterrupt:
        runs.request_stop(folder)
        raise
    finally:
        done.set()
        printer.join()
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

    from fmnist_core import calibration, evaluation

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


def suspicious(args: argparse.Namespace) -> int:
    """The test images whose given label the finished runs (an ensemble) disbelieve most."""
    import json

    from fmnist_core import label_review

    if args.top < 1:
        raise ValueError(f"--top must be at least 1, got {args.top}.")
    finished = [record.id for record in runs.list_runs(args.artifacts) if record.has_predictions]
    if not finished:
        raise ValueError(f"no finished runs in {runs.runs_dir(args.artifacts)}: train a model first")
    ensemble = label_review.load_ensemble(finished, args.artifacts)
    for run_id, why in ensemble.skipped:
        print(f"skipped {run_id}: {why}", file=sys.stderr)
    rows = label_review.suspicious_rows(ensemble, label_review.rank_suspicious(ensemble)[: args.top])
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"most suspicious labels by the mean of {ensemble.num_runs} run(s) (suspicious, not proven wrong):")
    print(f"{'index':>6}  {'given label':<12} {'consensus':<12} {'p(label)':>8}  runs agreeing")
    for row in rows:
        print(
            f"{row['index']:>6}  {row['label_name']:<12} {row['consensus_name']:<12} "
            f"{row['label_probability']:>8.4f}  {row['runs_agreeing']} of {ensemble.num_runs}"
        )
    return 0


def layer_outputs(args: argparse.Namespace) -> int:
    """Every layer's output shape and mean activation for one test image, as the model receives it."""
    import json

    from fmnist_core import layers
    from fmnist_core.data import load_fashion_mnist, to_model_input
    from fmnist_core.inference import load_run_model

    run_model = load_run_model(runs.run_path(args.run_id, args.artifacts))
    layers.require_keras(run_model)  # before reading the dataset: a scikit-learn run has no layers
    dataset = load_fashion_mnist()
    if not 0 <= args.test_index < len(dataset.y_test):
        raise ValueError(
            f"--test-index must be between 0 and {len(dataset.y_test) - 1}, got {args.test_index}."
        )
    rows = layers.layer_means(run_model, to_model_input(dataset.x_test[args.test_index]))
    if args.json:
        print(json.dumps(rows))
        return 0
    for row in rows:
        shape = " x ".join(str(size) for size in row["output_shape"])
        print(f"{row['name']:<24} {shape:<14} mean activation {row['mean_activation']:.4f}")
    return 0


def run_job(args: argparse.Namespace) -> int:
    """Entry of a background job process started by ``jobs.start_job`` (internal)."""
    from fmnist_core import features, jobs, layer_ranking, projection

    folder = Path(args.run_folder)
    bodies = {
        "features": features.compute_run_features,
        "umap": projection.compute_umap,
        "top9": layer_ranking.run_top9,
    }
    return jobs.run_job(folder, args.name, lambda report: bodies[args.name](folder, report))


def progress_printer():
    """A progress callback that prints a line when the stage changes or every tenth of the way."""
    shown: list = [None]

    def report(fraction: float, message: str) -> None:
        key = (message.split(":")[0], int(fraction * 10))
        if key != shown[0]:
            shown[0] = key
            print(f"{fraction:4.0%}  {message}", file=sys.stderr, flush=True)

    return report


def embedding_map(args: argparse.Namespace) -> int:
    """Computes a run's features if missing, then its 2-D map (PCA, or the stored or new UMAP)."""
    import json

    from fmnist_core import evaluation, features, projection

    folder = runs.run_path(args.run_id, args.artifacts)
    report = progress_printer()
    if not features.has_features(folder):
        features.compute_run_features(folder, report)
    features_all = features.load_features(folder)
    if args.umap:
        result = projection.load_umap(folder) or projection.compute_umap(folder, report)
    else:
        result = projection.pca_projection(features_all)
    labels = evaluation.load_predictions(folder).labels
    summary = {
        "run": args.run_id,
        "method": result.method,
        "points": len(result.coordinates),
        "dimensions": int(features_all.shape[1]),
        "explained_variance": list(result.explained_variance) if result.explained_variance else None,
        "neighbour_agreement": projection.neighbour_agreement(result.coordinates, labels),
        "file": str(folder / (projection.UMAP_FILE if args.umap else features.FEATURES_FILE)),
    }
    if args.json:
        print(json.dumps(summary))
        return 0
    print(f"{result.method.upper()} map of {args.run_id}: {summary['points']:,} test images, "
          f"{summary['dimensions']} features each")  # fmt: skip
    if result.explained_variance:
        first, second = result.explained_variance
        print(f"the two axes explain {first:.1%} + {second:.1%} = {first + second:.1%} of the variance")
    print(
        f"{summary['neighbour_agreement']:.1%} of the images have a nearest neighbour of their own class on the map"
    )
    print(summary["file"])
    return 0


def import_model(args: argparse.Namespace) -> int:
    """Checks, evaluates and stores a .keras file as a run; prints the run's folder."""
    from fmnist_core.importing import import_keras_model

    folder = import_keras_model(args.file, args.artifacts, name=Path(args.file).name)
    record = runs.read_run(folder)
    print(
        f"imported {record.source['file_name']}: test accuracy {record.test_accuracy:.4f}",
        file=sys.stderr,
    )
    print(folder)
    return 0


def format_trial(row) -> str:
    """One line per trial: number, state, score, hyperparameters, run and time."""
    value = f"{row.value:.4f}" if row.value is not None else "-"
    params = " ".join(
        f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}"
        for key, value in row.params.items()
    )
    seconds = f"{row.seconds:.1f} s" if row.seconds is not None else "-"
    return f"trial {row.number:>3}  {row.state:<8}  val_accuracy {value:<6}  {params}  run {row.run_id or '-'}  ({seconds})"


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the trial lines below say it all


def sweep_start(args: argparse.Namespace) -> int:
    """Creates a sweep and works on it in the foreground until it has its trials."""
    from fmnist_core import sweeps

    _quiet_optuna()
    space, fixed = sweeps.split_space([sweeps.parse_param(text) for text in args.param])
    spec = sweeps.SweepSpec(
        name=args.name, model=args.model, trials=args.trials, space=space, fixed=fixed,
        epochs=args.epochs, train_samples=args.train_samples, sampler=args.sampler,
        prune=not args.no_prune, seed=args.seed,
    )  # fmt: skip
    folder = sweeps.create_sweep(spec, args.artifacts, args.storage)
    print(f"sweep {args.name}: {args.trials} trials of {args.model} in {folder}", flush=True)
    return _work(args)


def sweep_work(args: argparse.Namespace) -> int:
    """Joins a sweep as one more worker; starting one by hand resumes a stopped sweep."""
    from fmnist_core import sweeps

    _quiet_optuna()
    if not args.launched:
        sweeps.clear_stop(args.name, args.artifacts)
    return _work(args)


def _work(args: argparse.Namespace) -> int:
    from fmnist_core import sweeps

    sweeps.work(
        args.name, args.artifacts, args.storage, on_trial=lambda row: print(format_trial(row), flush=True)
    )
    status = sweeps.sweep_status(args.name, args.artifacts, args.storage)
    counted = sum(row.state in ("complete", "pruned") for row in status.trials)
    state = "done" if status.done else "stopped" if status.stopped else "left to other workers"
    best = f"; best trial {status.best.number}: val_accuracy {status.best.value:.4f}" if status.best else ""
    print(f"sweep {args.name} {state}: {counted} of {status.spec.trials} trials complete or pruned{best}")
    return 0


def sweep_show(args: argparse.Namespace) -> int:
    """The trials of a sweep, as a table or (``--json``) one JSON object."""
    import json

    from fmnist_core import sweeps

    status = sweeps.sweep_status(args.name, args.artifacts, args.storage)
    if status.problem:
        raise RuntimeError(status.problem)
    if args.json:
        trials = [
            {
                "number": row.number,
                "state": row.state,
                "params": row.params,
                "value": row.value,
                "run_id": row.run_id,
            }
            for row in status.trials
        ]
        print(json.dumps({"name": status.spec.name, "model": status.spec.model, "trials": trials}))
        return 0
    flags = ", ".join(
        flag
        for flag, on in (("done", status.done), ("stopped", status.stopped), ("worker active", status.active))
        if on
    )
    print(
        f"sweep {status.spec.name}: {status.spec.model}, {status.spec.trials} trials, sampler {status.spec.sampler}{', ' + flags if flags else ''}"
    )
    for row in status.trials:
        print(format_trial(row))
    return 0


def sweep_stop(args: argparse.Namespace) -> int:
    from fmnist_core import sweeps

    sweeps.stop_sweep(args.name, args.artifacts)
    print(f"stop requested: the current trial of {args.name} stops at its next batch and no new one starts")
    return 0


def add_sweep_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """``sweep start|work|show|stop``: every one takes ``--storage URL`` and ``--artifacts DIR``."""
    sweep = commands.add_parser("sweep", help="hyperparameter sweeps (Optuna); every trial is a run")
    actions = sweep.add_subparsers(dest="sweep_command", required=True)
    actions.add_parser = functools.partial(actions.add_parser, parents=[common])  # type: ignore[method-assign]
    storage_help = "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB shared by workers on several machines"
    parsers = {}
    for name, handler, help_text in (
        ("start", sweep_start, "create a sweep and work on it until it has its trials"),
        ("work", sweep_work, "join a sweep as one more worker"),
        ("show", sweep_show, "the trials of a sweep"),
        ("stop", sweep_stop, "stop a sweep's workers after their current batch"),
    ):
        parsers[name] = actions.add_parser(name, help=help_text)
        parsers[name].add_argument("name", help="the sweep's name (lower-case letters, digits, - and _)")
        parsers[name].add_argument("--storage", metavar="URL", help=storage_help)
        parsers[name].set_defaults(handler=handler)
    start = parsers["start"]
    start.add_argument("--model", required=True, choices=list_models())
    start.add_argument("--trials", required=True, type=int, help="trials to complete (pruned ones count)")
    start.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH[:log] | KEY=V1,V2,...",
        help="a hyperparameter to vary (repeatable); KEY=V fixes it; others keep the defaults",
    )
    start.add_argument("--epochs", type=int, help="epochs of every trial (default: the model's)")
    start.add_argument("--train-samples", type=int, help="train on the first N images only (quick sweeps)")
    start.add_argument("--sampler", choices=("tpe", "random", "grid"), default="tpe")
    start.add_argument("--no-prune", action="store_true", help="never stop a trial early")
    start.add_argument("--seed", type=int, default=0, help="seed of the sampler and of every trial's run")
    parsers["work"].add_argument("--launched", action="store_true", help=argparse.SUPPRESS)
    parsers["show"].add_argument("--json", action="store_true", help="one JSON object")


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
    layer_parser = commands.add_parser("layers", help="each layer's output shape and mean activation")
    layer_parser.add_argument("run_id")
    layer_parser.add_argument("--test-index", type=int, default=0, help="the test image (default 0)")
    layer_parser.add_argument("--json", action="store_true", help="a JSON list, one object per layer")
    layer_parser.set_defaults(handler=layer_outputs)
    importer = commands.add_parser("import", help="check, evaluate and store a .keras model as a run")
    importer.add_argument("file", help="a .keras file saved with model.save('name.keras')")
    importer.set_defaults(handler=import_model)
    ranking = commands.add_parser(
        "suspicious", help="test images whose label the finished runs disbelieve most"
    )
    ranking.add_argument("--top", type=int, default=20, help="how many images to list (default 20)")
    ranking.add_argument("--json", action="store_true", help="a JSON list, most suspicious first")
    ranking.set_defaults(handler=suspicious)
    mapper = commands.add_parser(
        "map", help="a run's 2-D feature map (PCA, or UMAP); computes features if missing"
    )
    mapper.add_argument("run_id")
    mapper.add_argument("--umap", action="store_true", help="UMAP (stored in the run folder) instead of PCA")
    mapper.add_argument("--json", action="store_true", help="one JSON object")
    mapper.set_defaults(handler=embedding_map)
    job = commands.add_parser("job", help=argparse.SUPPRESS)
    job.add_argument("name", choices=("features", "umap", "top9"))  # = jobs.JOB_NAMES
    job.add_argument("run_folder")
    job.set_defaults(handler=run_job)
    add_sweep_commands(commands, common)
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
