"""A background job's status said in the session's language: its file stores words keys and their
values (``fmnist_core.runs.jobs``), so no page has to recognise English sentences."""

from __future__ import annotations

from fmnist_core import words
from fmnist_core.runs.jobs import JobStatus
from fmnist_ui.shared.i18n import t


def job_message(status: JobStatus) -> str:
    """What the job is doing now (a file written by an older version: its English as written)."""
    if status.message_key:
        return t(status.message_key, **words.from_json_values(status.message_values))
    return status.message


def job_error(status: JobStatus) -> str:
    """Why the job failed and what to do."""
    if status.error_key:
        return t(status.error_key, **words.from_json_values(status.error_values))
    return status.error or status.message
