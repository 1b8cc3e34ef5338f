"""The user's verdicts on suspicious test labels, kept in ``<artifacts>/label_marks.json``.

``{"version": 1, "marks": {"<test index>": {"mark": "looks_wrong" | "fine", "marked_at": iso}}}``.
Every change is a read-modify-write under an exclusive ``fcntl.flock`` on a side lock file, so two
browser tabs (or processes) marking at the same time both keep their mark; the write itself is
atomic. A file that is not a marks file is never overwritten: marking is refused until it is moved.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmnist_core.atomic_files import atomic_write_json
from fmnist_core.runs import runs
from fmnist_core.words import CodedError

MARKS_FILE = "label_marks.json"
VERSION = 1
LOOKS_WRONG, FINE = "looks_wrong", "fine"
MARK_NAMES = {LOOKS_WRONG: "label looks wrong", FINE: "label is fine"}
MARK_BADGES = {LOOKS_WRONG: "⚑ marked: label looks wrong", FINE: "✓ label checked"}  # on gallery items


class MarksFileError(CodedError, ValueError):
    """The marks file exists but is not a marks file; it is left untouched."""


class MarkSaveError(CodedError, OSError):
    """A mark that could not be written (a full disk, a read-only folder); ``errno`` is the cause's."""


@dataclass(frozen=True)
class Mark:
    """One verdict: ``looks_wrong`` or ``fine``, and when it was given (ISO 8601, UTC)."""

    mark: str
    marked_at: str


def marks_path(root: str | os.PathLike | None = None) -> Path:
    """``<artifacts>/label_marks.json`` (the artifacts root as ``runs.artifacts_root`` finds it)."""
    return runs.artifacts_root(root) / MARKS_FILE


def _refuse(path: Path, problem: str, **values: Any) -> MarksFileError:
    """The error for a file that is not a marks file; ``problem`` is the key of what is wrong."""
    return MarksFileError("error.evaluate.marks_file", path=path, problem=CodedError(problem, **values))


def parse_marks(path: Path, text: str) -> dict[int, Mark]:
    """The marks in ``text`` (the content of ``path``); raises MarksFileError on any wrong shape."""
    try:
        stored = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(path, "error.evaluate.marks_bad_json", detail=exc) from exc
    if not isinstance(stored, dict) or stored.get("version") != VERSION:
        raise _refuse(path, "error.evaluate.marks_version", version=VERSION)
    entries = stored.get("marks")
    if not isinstance(entries, dict):
        raise _refuse(path, "error.evaluate.marks_not_object")
    marks = {}
    for key, entry in entries.items():
        if not (key.isascii() and key.isdigit()):
            raise _refuse(path, "error.evaluate.marks_bad_key", entry=repr(key))
        if (
            not isinstance(entry, dict)
            or entry.get("mark") not in MARK_NAMES
            or not isinstance(entry.get("marked_at"), str)
        ):
            raise _refuse(path, "error.evaluate.marks_bad_entry", entry=key)
        marks[int(key)] = Mark(entry["mark"], entry["marked_at"])
    return marks


def read_marks(root: str | os.PathLike | None = None) -> dict[int, Mark]:
    """Test index -> mark; empty when no mark was ever given. Raises MarksFileError (a corrupt file)."""
    path = marks_path(root)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise _refuse(path, "error.evaluate.marks_not_text") from exc
    return parse_marks(path, text)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on ``<path>.lock`` (the marks file itself is replaced on each write,
    so it cannot carry the lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, marks: dict[int, Mark]) -> None:
    value: dict[str, Any] = {
        "version": VERSION,
        "marks": {str(k): {"mark": m.mark, "marked_at": m.marked_at} for k, m in sorted(marks.items())},
    }
    try:
        atomic_write_json(path, value)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            error = MarkSaveError("error.evaluate.mark_disk_full", path=path)
        else:
            error = MarkSaveError("error.evaluate.mark_not_saved", path=path, why=exc.strerror or str(exc))
        error.errno = exc.errno
        raise error from exc


def _change(index: int, mark: str | None, root: str | os.PathLike | None) -> dict[int, Mark]:
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"{index!r} is not a test index (a whole number from 0).")
    if mark is not None and mark not in MARK_NAMES:
        raise ValueError(f"{mark!r} is not a mark; use one of {', '.join(MARK_NAMES)}.")
    path = marks_path(root)
    with _locked(path):
        marks = read_marks(root)  # under the lock: nobody writes between this read and our write
        if mark is None:
            marks.pop(index, None)
        else:
            marks[index] = Mark(mark, runs.now_iso())
        _write(path, marks)
    return marks


def set_mark(index: int, mark: str, root: str | os.PathLike | None = None) -> dict[int, Mark]:
    """Marks test image ``index`` ``looks_wrong`` or ``fine`` (replacing its mark); returns all marks.

    Raises:
        ValueError: a bad index or mark.
        MarksFileError: the file is corrupt (it is not overwritten).
        OSError: the file cannot be written (e.g. a full disk); it is left unchanged.
    """
    return _change(index, mark, root)


def clear_mark(index: int, root: str | os.PathLike | None = None) -> dict[int, Mark]:
    """Removes the mark of test image ``index`` (nothing happens if it had none); returns all marks."""
    return _change(index, None, root)


def marked(marks: dict[int, Mark], mark: str) -> list[int]:
    """The test indices with ``mark``, in increasing order."""
    return sorted(index for index, value in marks.items() if value.mark == mark)
