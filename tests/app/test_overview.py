"""The Overview page: dataset figures, recent runs, and the starter models for a first-time user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from streamlit.testing.v1 import AppTest

from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig
from fmnist_ui.overview import view as overview_view

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_overview() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)  # Overview is the default page
    at.run()
    assert not at.exception, at.exception
    return at


def test_shows_the_dataset_and_the_seeded_runs(seeded_artifacts: Path) -> None:
    at = open_overview()
    charts = at.get("plotly_chart")
    assert len(charts) >= 2  # sample grid and class balance
    recent = at.dataframe[0].value
    assert sorted(recent["model"]) == ["cnn", "mlp"]
    assert set(recent["status"]) == {"finished"}
    by_model = {record.model: record.test_accuracy for record in runs.list_runs()}
    assert [cell.strip() for cell in recent["test accuracy"]] == [
        f"{by_model[m]:.2%}" for m in recent["model"]
    ]
    assert not [button for button in at.button if button.key == "overview_starter"]
    assert {link.label for link in at.get("page_link")} >= {"Train", "Runs", "Evaluate", "Draw"}


def test_first_time_user_gets_the_starter_button(artifacts: Path, monkeypatch) -> None:
    launched: list[list[TrainingConfig]] = []

    def fake_launch_queue(configs: list[TrainingConfig]) -> list[str]:
        launched.append(configs)
        return [runs.create_run(c.model, c.to_dict(), pid=os.getpid()).name for c in configs]

    monkeypatch.setattr(overview_view, "launch_queue", fake_launch_queue)
    at = open_overview()
    assert any("No trained models yet" in info.value for info in at.info)
    at.button(key="overview_starter").click().run()
    assert not at.exception
    assert [[c.model for c in configs] for configs in launched] == [["mlp", "cnn"]]
    assert all(c.epochs <= 3 for c in launched[0])  # quick settings
    assert any(header.value == "Training now" for header in at.subheader)
    queue_lines = [text.value for text in at.markdown if "epochs done" in text.value]
    assert len(queue_lines) == 2 and all("queued" in line for line in queue_lines)
    assert not [button for button in at.button if button.key == "overview_starter"]


def test_when_the_starter_models_end_it_says_how_they_did(artifacts: Path, monkeypatch) -> None:
    created: list[Path] = []

    def fake_launch_queue(configs: list[TrainingConfig]) -> list[str]:
        created.extend(runs.create_run(c.model, c.to_dict(), pid=os.getpid()) for c in configs)
        return [folder.name for folder in created]

    monkeypatch.setattr(overview_view, "launch_queue", fake_launch_queue)
    at = open_overview()
    at.button(key="overview_starter").click().run()
    for folder, accuracy, started in zip(created, (0.86, 0.873), ("10:00", "10:01"), strict=True):
        runs.update_run(
            folder,
            status="finished",
            test={"accuracy": accuracy, "loss": 0.4},
            started_at=f"2026-01-01T{started}",
        )
    at.run()  # what the poll does when the statuses change
    assert not any(header.value == "Training now" for header in at.subheader)
    notice = next(message.value for message in at.success if "Training done" in message.value)
    assert "mlp 86.0%, cnn 87.3%" in notice
    assert {link.label for link in at.get("page_link")} >= {"Open Evaluate", "Draw a garment"}


def test_my_pages_render_without_importing_tensorflow(seeded_artifacts: Path) -> None:
    """Overview, Train and Runs only read run folders, so they must start fast (no TensorFlow)."""
    code = f"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({APP!r}, default_timeout=60)
at.run()
for page in ("pages/train.py", "pages/runs.py"):
    at.switch_page(page).run()
    assert not at.exception, at.exception
print("tensorflow" in sys.modules, "keras" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "False"]
