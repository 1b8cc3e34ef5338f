"""The sweep errors a user can meet: coded (``error.sweep.*``) so the app can say them in its
language, while ``str(error)`` stays the English sentence the command line prints."""

from __future__ import annotations

from fmnist_core.words import CodedError


class SweepError(CodedError, ValueError):
    """A sweep that cannot be defined, found or started as asked."""


class SweepStorageError(CodedError, RuntimeError):
    """A sweep's study that cannot be reached or read: a PostgreSQL server out of reach, a
    damaged journal file, a missing study, importances Optuna cannot compute, failing trials."""
