"""The Download report buttons: on Evaluate (the chosen run), its Compare tab (runs A and B) and
the Sweep page (the shown sweep, disabled until a trial is complete); in Korean too."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.test_evaluate import open_page, run_ids
from tests.app.test_sweep import fake_status, make_sweep, open_sweep_page, trial


def download_buttons(at) -> dict[str, object]:
    """The page's download buttons by their key."""
    return {button.proto.id.split("-", 2)[-1]: button.proto for button in at.get("download_button")}


def test_evaluate_offers_a_report_of_the_chosen_run(seeded_artifacts: Path) -> None:
    cnn = run_ids(seeded_artifacts)["cnn"]
    at = open_page(run=cnn)
    button = download_buttons(at)["evaluate_report"]
    assert button.label == "Download report" and not button.disabled
    at.session_state["lang"] = at.session_state["i18n_language"] = "ko"
    at.run()
    assert download_buttons(at)["evaluate_report"].label == "보고서 내려받기"


def test_compare_tab_offers_a_report_of_both_runs(seeded_artifacts: Path) -> None:
    at = open_page(tab="Compare runs")
    buttons = download_buttons(at)
    assert {"evaluate_report", "evaluate_compare_report"} <= set(buttons)
    assert buttons["evaluate_compare_report"].label == "Download report"


def test_sweep_page_offers_a_report_once_a_trial_is_complete(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_sweep()
    fake_status(monkeypatch, spec, [trial(0, "running", 0.1, 1e-3)], done=False)
    at = open_sweep_page(url_sweep=spec.name)
    button = download_buttons(at)[f"sweep_report_{spec.name}"]
    assert button.disabled and "at least one complete trial" in button.help
    fake_status(monkeypatch, spec, [trial(0, "complete", 0.1, 1e-3, 0.84, 0.83)])
    at = open_sweep_page(url_sweep=spec.name)
    assert not download_buttons(at)[f"sweep_report_{spec.name}"].disabled
