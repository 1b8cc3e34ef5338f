"""``run.json`` as a typed record: what every page, the CLI and importing read of a run."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

ACTIVE_STATUSES = ("queued", "running")
FINAL_STATUSES = ("finished", "stopped", "failed", "pruned")  # pruned: a sweep trial stopped early
IMPORTED_MODEL = "imported"  # the ``model`` of imported runs; not in the model registry


@dataclass(frozen=True)
class RunRecord:
    """``run.json`` as a typed record, plus what every page derives from it.

    Keys this version does not know are kept in ``extra``, and ``update_run`` merges changes into
    the stored keys, never into a record: older and newer run folders open and keep what they hold.
    """

    id: str
    model: str
    status: str
    config: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    heartbeat_at: str | None = None
    pid: int | None = None
    host: str | None = None
    params: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    test: dict[str, float] | None = None
    source: dict[str, Any] | None = None  # imported models: the uploaded file's name, hash, size
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, values: dict[str, Any]) -> RunRecord:
        """Raises ValueError when ``values`` lacks what makes it a run (id, model, status)."""
        missing = {"id", "model", "status"} - values.keys()
        if missing:
            raise ValueError(f"run.json has no {', '.join(sorted(missing))}.")
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls(
            **{key: value for key, value in values.items() if key in known},
            extra={key: value for key, value in values.items() if key not in known},
        )

    @property
    def short_id(self) -> str:
        """The id's random suffix: tells apart runs of one model started in the same minute."""
        return self.id[-6:]

    @property
    def test_accuracy(self) -> float | None:
        return (self.test or {}).get("accuracy")

    @property
    def is_active(self) -> bool:
        """Queued or training: it cannot be deleted, and pages poll it."""
        return self.status in ACTIVE_STATUSES

    @property
    def has_predictions(self) -> bool:
        """Finished, stopped or pruned (a sweep trial stopped early) with a test score: Evaluate and
        Draw can use it."""
        return self.status in ("finished", "stopped", "pruned") and self.test is not None

    @property
    def is_imported(self) -> bool:
        """An uploaded .keras model: no registry entry, no training history."""
        return self.model == IMPORTED_MODEL

    @property
    def title(self) -> str:
        """The model as people see it; an imported run shows its file name."""
        return f"imported · {self.config.get('file_name', 'model.keras')}" if self.is_imported else self.model

    @property
    def name(self) -> str:
        """``mlp · 2026-11-23 10:00 · 1a2b3c``: what identifies the run while it trains (chips,
        legends), so that no accuracy or status goes stale on it."""
        return f"{self.title} · {(self.created_at or '')[:16].replace('T', ' ')} · {self.short_id}"

    @property
    def label(self) -> str:
        """``mlp · 86.1% · 2026-11-23 10:00 · 1a2b3c``: how pickers, confirmations and messages name
        a run (its status instead of an accuracy before it has one)."""
        score = f"{self.test_accuracy:.1%}" if self.test_accuracy is not None else self.status
        return f"{self.title} · {score} · {(self.created_at or '')[:16].replace('T', ' ')} · {self.short_id}"
