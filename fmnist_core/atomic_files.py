"""Atomic file writes: a reader (another process, another machine on a shared folder) sees the old
file or the new one, never half of one; a failed write (a full disk) leaves the old file intact."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` atomically; on any error the old file is left untouched."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide runs from other users of a shared folder
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, json.dumps(value, indent=2, sort_keys=True).encode())


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return default


@contextlib.contextmanager
def atomic_write_path(path: Path) -> Iterator[Path]:
    """A temp path next to ``path`` for writers that need a file name (``model.save``, a rename).

    When the ``with`` block succeeds, the file is fsynced and renamed to ``path``; on any error it
    is removed and ``path`` is left untouched. The temp name keeps the suffix (Keras requires
    ``.keras``) and is one that ``runs.remove_temp_files`` cleans up.
    """
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp{path.suffix}"
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
