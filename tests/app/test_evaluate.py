"""AppTest of the Evaluate page on the two tiny seeded runs (mlp 2 epochs, cnn 1 epoch)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "evaluate.py")
GROUP = ["T-shirt/top", "Pullover", "Coat", "Shirt"]


def run_ids(root: Path) -> dict[str, str]:
    """Model name -> run id of the seeded runs."""
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def open_page(tab: str | None = None, run: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if tab:
        at.session_state["evaluate_tab"] = tab
    if run:
        at.query_params["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def plotly_figure(at: AppTest, index: int) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def gallery_titles(at: AppTest, key: str = "evaluate_gallery") -> list[str]:
    """The titles of the gallery's items, in display order."""
    charts = [chart for chart in at.get("plotly_chart") if f"-{key}_item_" in chart.proto.id]
    return [json.loads(chart.proto.spec)["layout"]["annotations"][0]["text"] for chart in charts]


def title_classes(title: str) -> tuple[str, str]:
    """(true, predicted) class names of a gallery title "true X / pred Y (p=...)..."."""
    true_name, rest = title.removeprefix("true ").split(" / pred ", 1)
    return true_name, rest.split(" (p=")[0]


def chosen(at: AppTest) -> tuple[str, str]:
    """The two class filters as the user reads them."""
    boxes = at.selectbox(key="evaluate_true_class"), at.selectbox(key="evaluate_predicted_class")
    return tuple(box.options[box.index] for box in boxes)


def tick_row(at: AppTest, row: int) -> tuple[str, str]:
    """What ticking a row of the confusions table does: the row ticked, its pair in the filters."""
    table = at.dataframe[0].value
    pair = table["true"][row], table["predicted"][row]
    at.session_state["evaluate_top_confusions"] = {"selection": {"rows": [row]}}
    at.selectbox(key="evaluate_true_class").set_value(CLASS_NAMES.index(pair[0]))
    at.selectbox(key="evaluate_predicted_class").set_value(CLASS_NAMES.index(pair[1])).run()
    assert not at.exception
    return pair


def assert_table_filters_and_gallery_agree(at: AppTest, classes: list[str]) -> None:
    """Filters list ``classes``; the table lists their pairs and ticks the chosen one only; the
    gallery shows what the filters say; the matrix outlines the chosen cell only."""
    assert [box.options[1:] for box in at.selectbox if box.key.endswith("_class")] == [classes, classes]
    cell = chosen(at)
    table = at.dataframe[0].value
    pairs = list(zip(table["true"], table["predicted"], strict=True))
    assert all(true in classes and predicted in classes for true, predicted in pairs)
    ticked = at.session_state["evaluate_top_confusions"]["selection"]["rows"]
    assert [pairs[row] for row in ticked] == ([cell] if cell in pairs else [])
    titles = gallery_titles(at)
    assert titles
    for true_name, predicted_name in map(title_classes, titles):
        assert true_name in (classes if cell[0].startswith("Any") else [cell[0]])
        assert predicted_name in (classes if cell[1].startswith("Any") else [cell[1]])
    outlined = bool(plotly_figure(at, 0)["layout"].get("shapes"))
    assert outlined == (cell[0] in classes and cell[1] in classes)


def test_latest_run_shows_its_matrix_metrics_and_gallery(seeded_artifacts):
    at = open_page()
    assert at.selectbox(key="evaluate_run").value == run_ids(seeded_artifacts)["cnn"]  # the newest
    matrix = plotly_figure(at, 0)["data"][1]
    predictions = evaluation.load_predictions(seeded_artifacts / "runs" / run_ids(seeded_artifacts)["cnn"])
    counts = evaluation.confusion_matrix(predictions.predicted, predictions.labels)
    assert len(matrix["x"]) == 100 and [int(v) for v in matrix["text"]] == list(counts.ravel())
    mistakes = int((predictions.predicted != predictions.labels).sum())
    assert f"{mistakes:,}" in [metric.value for metric in at.metric]
    assert len(gallery_titles(at)) == 12  # the first page of all mistakes


def test_the_page_does_not_import_tensorflow():
    code = (
        "import sys\nimport fmnist_ui.evaluate.view, fmnist_ui.evaluate.compare, fmnist_ui.evaluate.gallery\n"
        "print(sorted({'tensorflow', 'keras'} & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_class_filters_show_exactly_that_cell(seeded_artifacts):
    at = open_page()
    at.selectbox(key="evaluate_true_class").set_value(6)
    at.selectbox(key="evaluate_predicted_class").set_value(0).run()
    assert not at.exception
    predictions = evaluation.load_predictions(seeded_artifacts / "runs" / run_ids(seeded_artifacts)["cnn"])
    run = evaluation.RunEvaluation.from_predictions(predictions)
    expected = error_analysis.select_gallery(run, 6, 0)
    titles = gallery_titles(at)
    assert len(titles) == min(12, len(expected)) > 0
    assert all(title.startswith("true Shirt / pred T-shirt/top") for title in titles)
    assert titles[0].endswith(f"test #{expected[0]}")
    (outline,) = plotly_figure(at, 0)["layout"]["shapes"]  # Shirt is the 4th row from the bottom
    assert (outline["x0"], outline["y0"]) == (-0.5, 2.5)


def test_metrics_tab_and_one_click_focus_on_the_tops_group(seeded_artifacts):
    at = open_page(tab="Per-class metrics")
    table = at.dataframe[0].value
    assert list(table.columns) == ["precision", "recall", "f1", "support"] and len(table) == 10
    assert any("lowest F1" in caption.value for caption in at.caption)
    at.button(key="evaluate_focus_button").click().run()
    assert not at.exception
    assert at.toggle(key="evaluate_focus_group").value is True
    sub_matrix = plotly_figure(at, 0)["data"][1]
    assert sorted(set(sub_matrix["x"])) == sorted(GROUP)
    assert_table_filters_and_gallery_agree(at, GROUP)


def test_focus_clears_a_ticked_pair_outside_the_group(seeded_artifacts):
    at = open_page()
    table = at.dataframe[0].value
    outside = [k for k in range(len(table)) if not {table["true"][k], table["predicted"][k]} <= set(GROUP)]
    assert outside, "the tiny cnn should confuse some classes outside the group"
    tick_row(at, outside[0])
    at.toggle(key="evaluate_focus_group").set_value(True).run()
    assert not at.exception
    assert chosen(at) == ("Any in the group", "Any in the group")
    assert_table_filters_and_gallery_agree(at, GROUP)


def test_focus_keeps_a_ticked_pair_inside_the_group(seeded_artifacts):
    at = open_page()
    table = at.dataframe[0].value
    inside = [k for k in range(len(table)) if {table["true"][k], table["predicted"][k]} <= set(GROUP)]
    assert inside, "the tiny cnn should confuse some tops with each other"
    pair = tick_row(at, inside[0])
    for focus, classes in ((True, GROUP), (False, list(CLASS_NAMES))):
        at.toggle(key="evaluate_focus_group").set_value(focus).run()
        assert not at.exception
        assert chosen(at) == pair
        assert_table_filters_and_gallery_agree(at, classes)


def test_compare_tab_counts_what_the_cnn_fixes(seeded_artifacts):
    at = open_page(tab="Compare runs")
    ids = run_ids(seeded_artifacts)
    assert at.selectbox(key="evaluate_compare_a").value == ids["mlp"]
    assert at.selectbox(key="evaluate_compare_b").value == ids["cnn"]
    mlp, cnn = (evaluation.load_predictions(seeded_artifacts / "runs" / ids[m]) for m in ("mlp", "cnn"))
    fixed = int(((mlp.predicted != mlp.labels) & (cnn.predicted == cnn.labels)).sum())
    broken = int(((mlp.predicted == mlp.labels) & (cnn.predicted != cnn.labels)).sum())
    sentences = [markdown.value for markdown in at.markdown]
    assert f"**cnn fixes {fixed:,} test images that mlp gets wrong, and breaks {broken:,}.**" in sentences
    difference = plotly_figure(at, 0)["data"][1]
    assert len(difference["x"]) == 100
    points = 100 * (np.mean(cnn.predicted == cnn.labels) - np.mean(mlp.predicted == mlp.labels))
    assert at.metric[1].delta == f"{points:+.2f} points"  # a difference of accuracies, not a %


def test_over_time_slider_for_a_run_with_two_epochs(seeded_artifacts):
    at = open_page(tab="Over time", run=run_ids(seeded_artifacts)["mlp"])
    slider = at.slider(key="evaluate_epoch")
    assert (slider.min, slider.max, slider.value) == (1, 2, 1)
    slider.set_value(2).run()
    assert not at.exception
    assert plotly_figure(at, 0)["layout"]["title"]["text"] == "Validation confusion after epoch 2 of 2"
    assert at.metric[0].delta.endswith(" points")


def test_run_without_validation_predictions_hides_the_slider(seeded_artifacts):
    cnn = run_ids(seeded_artifacts)["cnn"]
    (seeded_artifacts / "runs" / cnn / "val_predictions.npz").unlink()
    at = open_page(tab="Over time", run=cnn)
    assert not at.slider and any("no per-epoch validation predictions" in info.value for info in at.info)


@pytest.mark.parametrize("bad_id", ["../../etc", "20990101-000000-mlp-abcdef"])
def test_bad_run_in_the_url_is_explained(seeded_artifacts, bad_id):
    at = open_page(run=bad_id)
    assert at.error and "cannot be opened" in at.error[0].value
    assert at.get("plotly_chart")  # the latest run is still shown


def test_empty_state_links_to_train(artifacts):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)  # page links need app.py's router
    at.run()
    at.switch_page("pages/evaluate.py").run()
    assert not at.exception, at.exception
    assert "No finished runs yet" in at.info[0].value
    assert not at.get("plotly_chart")
    links = [link.proto.page for link in at.get("page_link")]
    assert links == ["train"]


def test_gallery_pages(seeded_artifacts):
    at = open_page()
    page_input = at.number_input(key="evaluate_gallery_page")
    first_page = gallery_titles(at)
    page_input.set_value(2).run()
    assert not at.exception and gallery_titles(at) != first_page
    assert np.isin([t for t in gallery_titles(at)], first_page).sum() == 0


def test_unfinished_run_in_the_url_is_explained(seeded_artifacts):
    from fmnist_core.runs import runs
    from fmnist_core.training import TrainingConfig

    queued = runs.create_run("mlp", TrainingConfig.for_model("mlp").to_dict(), seeded_artifacts).name
    at = open_page(run=queued)
    assert at.error and f"Run {queued} has no test predictions" in at.error[0].value
    assert at.selectbox(key="evaluate_run").value == run_ids(seeded_artifacts)["cnn"]
