"""Real browser: the app does what the user picked, and keeps it. Delete deletes the run picked
first even after a Cancel; an out-of-range number starts nothing; reloads and page changes keep the
Train form and the studied run; a stopped long run's curves span its epochs; a damaged run folder
is listed and deletable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from fmnist_core.runs import runs
from tests.e2e.conftest import screenshot, wait_idle
from tests.e2e.test_evaluate_journey import seeded_runs

pytestmark = pytest.mark.e2e


def open_page(page, server, name: str) -> None:
    """A click on the sidebar link, as a user changes pages."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    wait_idle(page)


def visit(page, server, name: str) -> None:
    """Opens the app as a new visitor, then the page ``name`` from the sidebar."""
    page.goto(server.url)
    wait_idle(page)
    open_page(page, server, name)


def choose(page, key: str, option: str) -> None:
    """Picks ``option`` in the select box with widget key ``key``."""
    page.locator(f".st-key-{key} [role='combobox']").click()
    page.keyboard.press("ArrowDown")  # opens the list (a click only focuses the input)
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page)


def shown(page, key: str) -> str:
    """The option a select box shows."""
    return page.locator(f".st-key-{key} [role='combobox']").input_value()


def test_cancel_then_delete_deletes_the_run_picked_first(server, seeded_artifacts: Path, page) -> None:
    ids = seeded_runs(seeded_artifacts)
    older = runs.read_run(seeded_artifacts / "runs" / ids["mlp"]).label
    visit(page, server, "Runs")
    choose(page, "runs_delete_choice", older)
    page.locator(".st-key-runs_delete button").click()
    wait_idle(page)
    page.locator(".st-key-runs_delete_cancel button").click()
    wait_idle(page)
    assert shown(page, "runs_delete_choice") == older  # Cancel kept the pick

    page.locator(".st-key-runs_delete button").click()
    wait_idle(page)
    page.get_by_text(f"Delete {older} for good?").wait_for()
    page.locator(".st-key-runs_delete_confirm button").click()
    wait_idle(page)
    page.get_by_text(f"Deleted {older}").wait_for()
    screenshot(page, "runs_deleted")
    assert not (seeded_artifacts / "runs" / ids["mlp"]).exists()
    assert (seeded_artifacts / "runs" / ids["cnn"]).is_dir()


def test_out_of_range_epochs_start_no_run(server, seeded_artifacts: Path, page) -> None:
    visit(page, server, "Train")
    epochs = page.locator(".st-key-train_cnn_epochs input")
    epochs.fill("500")
    epochs.press("Enter")
    wait_idle(page)
    page.get_by_text("epochs must be between 1 and 300, got 500").wait_for()
    assert page.locator(".st-key-train_start button").is_disabled()
    assert epochs.input_value() == "500"  # what is shown is what was refused
    screenshot(page, "train_out_of_range")
    assert len(runs.list_runs(seeded_artifacts)) == 2  # nothing started


def test_reloads_and_page_changes_keep_the_form_and_the_run(server, seeded_artifacts: Path, page) -> None:
    visit(page, server, "Train")
    assert shown(page, "train_model") == "cnn"  # a new visitor starts from the latest run's settings
    choose(page, "train_model", "mlp_dropout")
    epochs = page.locator(".st-key-train_mlp_dropout_epochs input")
    epochs.fill("7")
    epochs.press("Enter")
    wait_idle(page)
    open_page(page, server, "Runs")
    open_page(page, server, "Train")
    assert shown(page, "train_model") == "mlp_dropout"
    expect(page.locator(".st-key-train_mlp_dropout_epochs input")).to_have_value("7")
    # The form writes its settings into the address at the end of the page's run; a reload before
    # that would reload the address of the Train link.
    expect(page).to_have_url(re.compile(r"model=mlp_dropout.*epochs=7"))
    page.reload()
    wait_idle(page)
    assert shown(page, "train_model") == "mlp_dropout"
    # Streamlit draws a number input at 0 for an instant before the value from the session arrives.
    expect(page.locator(".st-key-train_mlp_dropout_epochs input")).to_have_value("7")

    ids = seeded_runs(seeded_artifacts)
    mlp = runs.read_run(seeded_artifacts / "runs" / ids["mlp"]).label
    open_page(page, server, "Evaluate")
    assert ids["cnn"][-6:] in shown(page, "evaluate_run")  # a new visitor: the newest finished run
    choose(page, "evaluate_run", mlp)
    open_page(page, server, "Draw")
    assert shown(page, "draw_run") == mlp  # the run studied on Evaluate
    expect(page).to_have_url(re.compile(rf"run={ids['mlp']}"))
    page.reload()
    wait_idle(page)
    assert shown(page, "draw_run") == mlp
    open_page(page, server, "Evaluate")
    assert shown(page, "evaluate_run") == mlp


def test_a_stopped_long_run_spans_its_epochs(server, seeded_artifacts: Path, page) -> None:
    folder = runs.create_run(
        "mlp", {"epochs": 300, "batch_size": 32, "learning_rate": 0.001, "validation_split": 0.1, "seed": 0},
        seeded_artifacts, status="stopped", started_at=runs.now_iso(), finished_at=runs.now_iso(),
        test={"accuracy": 0.8, "loss": 0.6},
    )  # fmt: skip
    for epoch, val_loss in ((1, 0.55), (2, 0.6)):
        line = {"epoch": epoch, "loss": 0.6, "accuracy": 0.8, "val_loss": val_loss, "val_accuracy": 0.8}
        runs.append_history(folder, {**line, "seconds": 3.0})
    visit(page, server, "Train")
    page.get_by_text(
        "Stopped at your request in epoch 2 of 300 planned; the model kept the weights of epoch 1 "
        "(the lowest validation loss) and scores test accuracy 80.00% (loss 0.600)"
    ).wait_for()
    ranges = page.wait_for_function(  # the chart is drawn a moment after the text
        """key => {
            const plot = document.querySelector(`.st-key-${key} .js-plotly-plot`);
            return plot?._fullLayout?.xaxis2 && [plot._fullLayout.xaxis.range, plot._fullLayout.xaxis2.range];
        }""",
        arg=f"train_curves_{folder.name}",
    ).json_value()
    assert ranges == [[0.5, 2.5], [0.5, 2.5]]
    screenshot(page, "train_stopped_long_run")


def test_a_damaged_run_is_listed_and_deleted(server, seeded_artifacts: Path, page) -> None:
    victim = seeded_runs(seeded_artifacts)["mlp"]
    path = seeded_artifacts / "runs" / victim / "run.json"
    path.write_bytes(path.read_bytes()[:50])
    visit(page, server, "Runs")
    page.get_by_text(re.compile(rf"{victim}.*not valid JSON")).wait_for()
    choose(page, "runs_delete_choice", f"damaged · {victim}")
    page.locator(".st-key-runs_delete button").click()
    wait_idle(page)
    page.locator(".st-key-runs_delete_confirm button").click()
    wait_idle(page)
    page.get_by_text(f"Deleted damaged · {victim}").wait_for()
    assert not (seeded_artifacts / "runs" / victim).exists()
