"""The ``sweep`` commands of ``python -m fmnist_core``: start, work, show and stop Optuna sweeps."""

from __future__ import annotations

import argparse
import functools

from fmnist_core.models.models import CHOICE_HYPERPARAMETERS, HYPERPARAMETERS, list_models


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
    choice_texts = ", ".join(
        f"{key} ({', '.join(choices)})" for key, (choices, _) in CHOICE_HYPERPARAMETERS.items()
    )
    start.add_argument("--model", required=True, choices=list_models())
    start.add_argument("--trials", required=True, type=int, help="trials to complete (pruned ones count)")
    start.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH[:log] | KEY=V1,V2,...",
        help=f"a hyperparameter to vary (repeatable). Numbers ({', '.join(HYPERPARAMETERS)}) take "
        f"LOW:HIGH[:log] or V1,V2; choices take a list: {choice_texts}, e.g. optimizer=adam,rmsprop. "
        "KEY=V fixes it; the others keep the model's defaults",
    )
    start.add_argument("--epochs", type=int, help="epochs of every trial (default: the model's)")
    start.add_argument("--train-samples", type=int, help="train on the first N images only (quick sweeps)")
    start.add_argument("--sampler", choices=("tpe", "random", "grid"), default="tpe")
    start.add_argument("--no-prune", action="store_true", help="never stop a trial early")
    start.add_argument("--seed", type=int, default=0, help="seed of the sampler and of every trial's run")
    parsers["work"].add_argument("--launched", action="store_true", help=argparse.SUPPRESS)
    parsers["show"].add_argument("--json", action="store_true", help="one JSON object")
