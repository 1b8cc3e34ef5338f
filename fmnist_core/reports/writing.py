"""Writing a report to disk atomically: the file is whole or absent, never half of one."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from fmnist_core.atomic_files import atomic_write_bytes
from fmnist_core.reports.errors import ReportError

FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def size_text(size: int) -> str:
    """``4.9 MB``, ``812 kB``."""
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


def check_destination(path: Path) -> Path:
    """Refuses a folder, a missing folder or one this process may not write to, before building."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise ReportError("error.report.is_folder", path=str(path))
    folder = path.parent.resolve()
    if not folder.is_dir():
        raise ReportError("error.report.no_folder", path=str(path), folder=str(folder))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportError("error.report.unwritable", path=str(path), reason=f"{folder} is not writable")
    return path


def write_report(html_text: str, out_path: Path) -> int:
    """Writes the report to ``out_path`` (temp file beside it, fsync, rename); returns its size.

    Raises:
        ReportError: a folder, a missing or unwritable folder, a full disk; no file or temp file
            is left behind, and an older file at ``out_path`` stays as it was.
    """
    path = check_destination(out_path)
    data = html_text.encode("utf-8")
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        if exc.errno in FULL_DISK:
            raise ReportError("error.report.disk_full", path=str(path), size=size_text(len(data))) from exc
        raise ReportError("error.report.unwritable", path=str(path), reason=exc.strerror or str(exc)) from exc
    return len(data)
