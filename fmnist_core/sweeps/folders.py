"""The sweep folders: ``<artifacts>/sweeps/<name>/`` with ``sweep.json`` (the ``SweepSpec``), the
journal file of the default storage, ``worker.json`` / ``workers/`` and the ``stop`` flag.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import optuna

from fmnist_core.atomic_files import atomic_write_json, read_json
from fmnist_core.runs import runs
from fmnist_core.sweeps.errors import SweepError
from fmnist_core.sweeps.spec import NAME_PATTERN, SweepSpec
from fmnist_core.sweeps.storage import open_storage, redact_url, sweep_dir, sweeps_dir


@dataclass(frozen=True)
class DamagedSweep:
    """A sweep folder whose ``sweep.json`` cannot be read."""

    name: str
    problem: str


def create_sweep(
    spec: SweepSpec, artifacts: str | os.PathLike | None = None, storage_url: str | None = None
) -> Path:
    """Creates the sweep's folder, ``sweep.json`` and its Optuna study (maximising validation
    accuracy); returns the folder.

    Args:
        spec: the sweep; its ``storage`` and ``created_at`` are filled in here.
        artifacts: the artifacts root.
        storage_url: a PostgreSQL URL (password included); None for the journal file.

    Raises:
        ValueError: an invalid spec, or a sweep of that name exists.
        RuntimeError: the PostgreSQL server cannot be reached. Nothing is created then.
    """
    spec = replace(
        spec, storage=redact_url(storage_url) if storage_url else None, created_at=runs.now_iso()
    ).validate()
    folder = sweep_dir(spec.name, artifacts)
    if folder.exists():
        raise SweepError(
            "error.sweep.exists", name=repr(spec.name), folder=str(folder.parent), bare=spec.name
        )
    storage = open_storage(spec.name, artifacts, storage_url) if storage_url else None
    folder.mkdir(parents=True)
    try:
        storage = storage or open_storage(spec.name, artifacts)
        try:
            optuna.create_study(study_name=spec.name, storage=storage, direction="maximize")
        except optuna.exceptions.DuplicatedStudyError:
            raise SweepError("error.sweep.study_exists", storage=spec.storage, name=repr(spec.name)) from None
        atomic_write_json(folder / "sweep.json", spec.to_dict())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def load_sweep(name: str, artifacts: str | os.PathLike | None = None) -> SweepSpec:
    """Reads ``sweep.json``; raises ValueError for an unknown sweep or a damaged file."""
    path = sweep_dir(name, artifacts) / "sweep.json"
    if not path.parent.is_dir():
        known = ", ".join(spec.name for spec in list_sweeps(artifacts)) or "none yet"
        raise SweepError("error.sweep.unknown", name=repr(name), folder=str(path.parent.parent), known=known)
    problem = damage_of(path)
    if problem:
        raise SweepError("error.sweep.unreadable", name=repr(name), problem=problem)
    return SweepSpec.from_dict(read_json(path))


def damage_of(path: Path) -> str | None:
    """What is wrong with a ``sweep.json``, or None when it reads as a sweep."""
    try:
        values = json.loads(path.read_bytes())
        SweepSpec.from_dict(values if isinstance(values, dict) else {"": None})
    except FileNotFoundError:
        return "its sweep.json is missing"
    except OSError as exc:
        return f"its sweep.json cannot be read ({exc.strerror or exc})"
    except (ValueError, UnicodeDecodeError):
        return "its sweep.json is damaged (not a sweep description; cut short by a crash?)"
    return None


def _sweep_folders(artifacts: str | os.PathLike | None) -> list[Path]:
    root = sweeps_dir(artifacts)
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir() if path.is_dir() and NAME_PATTERN.match(path.name))


def list_sweeps(artifacts: str | os.PathLike | None = None) -> list[SweepSpec]:
    """Every readable sweep, newest first (``list_damaged_sweeps`` lists the others)."""
    specs = []
    for folder in _sweep_folders(artifacts):
        with contextlib.suppress(ValueError, OSError):
            if damage_of(folder / "sweep.json") is None:
                specs.append(SweepSpec.from_dict(read_json(folder / "sweep.json")))
    return sorted(specs, key=lambda spec: spec.created_at, reverse=True)


def list_damaged_sweeps(artifacts: str | os.PathLike | None = None) -> list[DamagedSweep]:
    """Sweep folders whose ``sweep.json`` is missing or unreadable, by name."""
    damaged = []
    for folder in _sweep_folders(artifacts):
        with contextlib.suppress(OSError):
            problem = damage_of(folder / "sweep.json")
            if problem:
                damaged.append(DamagedSweep(folder.name, problem))
    return damaged
