"""Where a sweep's Optuna study lives, and how it is searched (sampler and pruner).

The default storage is a journal file in the sweep's folder (embedded, no server, safe for several
processes and for NFS). Workers on several machines share a PostgreSQL database instead: its URL,
password included, is given on every command, and only the URL without the password is written to
disk. PostgreSQL workers heartbeat through Optuna, which fails the trial of a worker that stopped
beating and enqueues it once more (``RetryHeartbeatStaleTrialCallback``).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import optuna
from optuna.exceptions import ExperimentalWarning
from optuna.storages import JournalStorage, RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.storages.journal import JournalFileBackend

from fmnist_core.runs import runs
from fmnist_core.sweeps.errors import SweepError, SweepStorageError
from fmnist_core.sweeps.spec import SweepSpec, check_sweep_name

HEARTBEAT_INTERVAL_S = 10
GRACE_PERIOD_S = 30  # three missed heartbeats: the worker is dead, its trial failed and retried
CONNECT_TIMEOUT_S = 5
MAX_RETRY = 1
# Trials in this app last a few epochs on a CPU: the first epoch's validation accuracy already
# separates hopeless settings (a learning rate that crawls or diverges) from the rest, so a trial
# may be pruned from epoch 1 once two trials have finished. MedianPruner needs no budget settings,
# unlike successive halving, whose rungs assume many trials with many epochs each.
PRUNER_STARTUP_TRIALS = 2
PRUNER_WARMUP_EPOCHS = 0


def sweeps_dir(root: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/sweeps`` (not created)."""
    return runs.artifacts_root(root) / "sweeps"


def sweep_dir(name: str, root: str | os.PathLike | None = None) -> Path:
    """The folder of sweep ``name`` (not created); a malformed name raises ValueError."""
    return sweeps_dir(root) / check_sweep_name(name)


def journal_path(name: str, root: str | os.PathLike | None = None) -> Path:
    return sweep_dir(name, root) / "journal.log"


def _parse_url(url: str) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        parsed = None
    if parsed is None or parsed.get_backend_name() != "postgresql" or parsed.get_driver_name() != "psycopg":
        raise SweepError("error.sweep.not_postgres", url=redact_url(url) if parsed else "URL")
    return parsed


def redact_url(url: str) -> str:
    """``url`` without its password (what ``sweep.json`` and ``run.json`` record)."""
    from sqlalchemy.engine import URL, make_url

    parsed = make_url(url)
    bare = URL.create(
        parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    )
    return bare.render_as_string(hide_password=False)


def open_storage(
    name: str, root: str | os.PathLike | None = None, storage_url: str | None = None
) -> optuna.storages.BaseStorage:
    """The Optuna storage of sweep ``name``: the PostgreSQL database at ``storage_url``, or the
    journal file in the sweep's folder.

    Raises:
        ValueError: a URL that is not PostgreSQL.
        RuntimeError: the server cannot be reached (the message names its host and port), or the
            journal file is damaged.
    """
    if storage_url:
        return _open_postgres(storage_url)
    path = journal_path(name, root)
    check_journal(path)
    try:
        return JournalStorage(JournalFileBackend(str(path)))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise damaged_journal(path, exc) from None


def check_journal(path: Path) -> None:
    """Raises RuntimeError when a line before the last is not a journal entry.

    Optuna's reader stops silently at such a line (it takes it for a write cut short), which would
    show the trials after it as never started and a finished one as still running. Only the last
    line may be cut short, by a worker killed while writing; Optuna ignores that one.
    """
    try:
        lines = path.read_bytes().split(b"\n")[:-1]  # the part after the last newline may be torn
    except FileNotFoundError:
        return
    for number, line in enumerate(lines, start=1):
        try:
            if line.strip():
                json.loads(line)
        except ValueError:
            raise damaged_journal(path, ValueError(f"line {number} is not a journal entry")) from None


def damaged_journal(path: Path, exc: BaseException) -> SweepStorageError:
    """The error of a journal file that cannot be read (``exc`` says why, as Python put it)."""
    return SweepStorageError(
        "error.sweep.damaged_journal", path=str(path), reason=f"{type(exc).__name__}: {exc}"
    )


def _open_postgres(url: str) -> RDBStorage:
    from sqlalchemy.exc import SQLAlchemyError

    parsed = _parse_url(url)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        try:
            return RDBStorage(
                url,
                engine_kwargs={"connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}},
                heartbeat_interval=HEARTBEAT_INTERVAL_S,
                grace_period=GRACE_PERIOD_S,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY),
            )
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise SweepStorageError(
                "error.sweep.postgres_unreachable", host=parsed.host, port=parsed.port or 5432,
                database=repr(parsed.database), reason=reason,
            ) from None  # fmt: skip


def build_sampler(spec: SweepSpec, offset: int = 0) -> optuna.samplers.BaseSampler:
    """The sweep's sampler, seeded from its seed.

    Args:
        spec: the sweep.
        offset: the number of trials the study already has. A worker seeds its sampler with
            ``seed + offset`` so a resumed or added worker does not repeat the first worker's
            draws, while one worker from an empty study always draws the same sequence.
    """
    seed = spec.seed + offset
    if spec.sampler == "grid":
        grid = {key: param.grid_values() for key, param in spec.space.items()}
        return optuna.samplers.GridSampler(grid, seed=spec.seed)
    if spec.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def build_pruner(spec: SweepSpec) -> optuna.pruners.BasePruner:
    if not spec.prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(
        n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=PRUNER_WARMUP_EPOCHS
    )


def load_study_from(
    spec: SweepSpec,
    storage: optuna.storages.BaseStorage,
    offset: int = 0,
    root: str | os.PathLike | None = None,
) -> optuna.Study:
    """The sweep's study in ``storage`` with its sampler and pruner.

    Raises:
        RuntimeError: the study is missing from the storage, or the journal file is damaged.
    """
    try:
        return optuna.load_study(
            study_name=spec.name,
            storage=storage,
            sampler=build_sampler(spec, offset),
            pruner=build_pruner(spec),
        )
    except KeyError:
        if spec.storage:
            raise SweepStorageError(
                "error.sweep.no_study", name=repr(spec.name), storage=spec.storage
            ) from None
        raise SweepStorageError("error.sweep.no_study_in_journal", name=repr(spec.name)) from None
    except (ValueError, TypeError, IndexError) as exc:
        if spec.storage:
            raise
        raise damaged_journal(journal_path(spec.name, root), exc) from None
