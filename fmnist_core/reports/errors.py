"""The refusals of a report: coded (``error.report.*``) so the app says them in its language."""

from __future__ import annotations

from fmnist_core.words import CodedError


class ReportError(CodedError, ValueError):
    """A report that cannot be built or written: no predictions, no such sweep, a full disk..."""
