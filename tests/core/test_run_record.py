"""RunRecord: run.json as a typed record, keeping keys it does not know."""

from __future__ import annotations

import json
from pathlib import Path

from fmnist_core.runs import runs


def test_unknown_keys_survive_a_read_and_an_update(artifacts: Path) -> None:
    folder = runs.create_run("mlp", {"epochs": 3}, sweep={"name": "lr", "trial": 4}, future_field=[1, 2])
    record = runs.read_run(folder)
    assert record.extra == {"sweep": {"name": "lr", "trial": 4}, "future_field": [1, 2]}
    runs.update_run(folder, status="finished", test={"accuracy": 0.8612, "loss": 0.4})
    stored = json.loads((folder / "run.json").read_text())
    assert stored["sweep"] == {"name": "lr", "trial": 4} and stored["future_field"] == [1, 2]
    assert runs.read_run(folder).extra == record.extra


def test_an_old_run_json_without_newer_keys_still_opens(artifacts: Path) -> None:
    folder = runs.runs_dir() / "20250101-120000-mlp-0a1b2c"
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"id": folder.name, "model": "mlp", "status": "finished"}))
    (record,) = runs.list_runs()
    assert record.config == {} and record.test is None and record.label == "mlp · finished ·  · 0a1b2c"


def test_labels_name_a_run_one_way_everywhere() -> None:
    record = runs.RunRecord(
        id="20261123-100000-mlp-1a2b3c", model="mlp", status="finished", created_at="2026-11-23T10:00:07+00:00",
        test={"accuracy": 0.86123, "loss": 0.4},
    )  # fmt: skip
    assert record.label == "mlp · 86.1% · 2026-11-23 10:00 · 1a2b3c"
    assert record.name == "mlp · 2026-11-23 10:00 · 1a2b3c"  # nothing that changes while it trains
    assert record.short_id == "1a2b3c" and record.test_accuracy == 0.86123
    assert record.has_predictions and not record.is_active and not record.is_imported
    imported = runs.RunRecord(
        id="20261123-100000-imported-1a2b3c", model="imported", status="finished",
        config={"file_name": "tutorial.keras"},
    )  # fmt: skip
    assert imported.is_imported and imported.title == "imported · tutorial.keras"
