"""AppTest of Evaluate's Suspicious labels tab on the two tiny seeded runs: the ranking of every
finished run, marking (page kept, mark shown in every gallery, accuracy without the marked images),
undo, filters, and each bad case (a corrupt marks file, a full disk, a single run, mismatched runs)."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import atomic_files
from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis, evaluation, label_marks, label_review
from fmnist_ui.shared import loaders

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "evaluate.py")
TAB = "Suspicious labels"
WRONG_BADGE, FINE_BADGE = label_marks.MARK_BADGES["looks_wrong"], label_marks.MARK_BADGES["fine"]


@pytest.fixture(autouse=True)
def fresh_caches():
    """The seeded copies share run ids, so a previous test's ensemble must not be reused."""
    loaders.load_ensemble.clear()
    loaders._marks_of.clear()
    loaders.load_evaluation.clear()


def run_ids(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def ensemble_of(root: Path) -> label_review.Ensemble:
    return label_review.load_ensemble(list(run_ids(root).values()), root)


def open_page(tab: str = TAB) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["evaluate_tab"] = tab
    at.run()
    assert not at.exception, at.exception
    return at


def items(at: AppTest, key: str) -> list[tuple[int, str]]:
    """(test index, title) of the gallery items whose chart key starts with ``key``."""
    found = []
    for chart in at.get("plotly_chart"):
        if f"-{key}" in chart.proto.id:
            title = json.loads(chart.proto.spec)["layout"]["annotations"][0]["text"]
            found.append((int(title.split("test #")[1].split(" ")[0]), title))
    return found


def suspicious_items(at: AppTest) -> list[tuple[int, str]]:
    return items(at, "suspicious_figure_")


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    return "\n".join(element.value for kind in ("markdown", "caption") for element in at.get(kind))


def test_the_tab_ranks_the_images_every_finished_run_disbelieves(seeded_artifacts):
    at = open_page()
    expected = label_review.rank_suspicious(ensemble_of(seeded_artifacts))
    shown = suspicious_items(at)
    assert [index for index, _ in shown] == expected[:12].tolist()
    assert shown[0][1].startswith("given ")  # the label is what is in doubt, not "true"
    body = text(at)
    assert "**2 finished run(s)**" in body and "no official list of Fashion-MNIST label errors" in body
    assert "of 2 runs say" in body and "Images 1-12 of 10,000, most suspicious first." in body
    assert not at.info and not at.warning and not at.error  # two matching runs: nothing to warn about


def test_a_mark_keeps_the_page_and_shows_on_every_gallery(seeded_artifacts):
    at = open_page()
    at.number_input(key="suspicious_page").set_value(2).run()
    index, _ = suspicious_items(at)[0]
    click(at, f"suspicious_wrong_{index}")
    assert at.number_input(key="suspicious_page").value == 2  # no jump back to the first page
    assert dict(suspicious_items(at))[index].endswith(WRONG_BADGE + "</span>")
    assert label_marks.read_marks()[index].mark == "looks_wrong"
    assert at.button(key=f"suspicious_undo_{index}")
    assert "You marked **1** label(s) as looking wrong and **0** as fine." in text(at)

    at.selectbox(key="suspicious_show").set_value("looks_wrong").run()
    assert [i for i, _ in suspicious_items(at)] == [index]

    # The Confusion & gallery tab: the image's own cell shows it with its mark, and the accuracy
    # is given with and without it.
    cnn = evaluation.RunEvaluation.from_predictions(
        evaluation.load_predictions(seeded_artifacts / "runs" / run_ids(seeded_artifacts)["cnn"])
    )
    label, predicted = int(cnn.predictions.labels[index]), int(cnn.predictions.predicted[index])
    cell = error_analysis.select_gallery(cnn, label, predicted).tolist()
    at.session_state["evaluate_tab"] = "Confusion & gallery"
    at.session_state["evaluate_true_class"], at.session_state["evaluate_predicted_class"] = label, predicted
    at.session_state["evaluate_gallery_page"] = cell.index(index) // 12 + 1
    at.run()
    assert not at.exception, at.exception
    assert dict(items(at, "evaluate_gallery_item_"))[index].endswith(WRONG_BADGE + "</span>")
    without, _ = label_review.accuracy_without(cnn.predictions, [index])
    assert (
        f"{cnn.accuracy:.2%} · **{without:.2%}** without the 1 image whose label you marked as looking wrong"
        in text(at)
    )


def test_fine_and_undo(seeded_artifacts):
    at = open_page()
    first, second = (index for index, _ in suspicious_items(at)[:2])
    click(at, f"suspicious_fine_{first}")
    click(at, f"suspicious_wrong_{second}")
    titles = dict(suspicious_items(at))
    assert titles[first].endswith(FINE_BADGE + "</span>") and WRONG_BADGE in titles[second]
    click(at, f"suspicious_undo_{first}")
    assert FINE_BADGE not in dict(suspicious_items(at))[first]
    assert list(label_marks.read_marks()) == [second]
    at.selectbox(key="suspicious_show").set_value("unmarked").run()
    assert second not in dict(suspicious_items(at)) and first in dict(suspicious_items(at))
    at.selectbox(key="suspicious_show").set_value("fine").run()
    assert at.info[0].value == "No test image matches these filters."
    # Marks without "looks wrong" give no second accuracy.
    click(open_page(), f"suspicious_undo_{second}")
    assert "you marked as looking wrong" not in text(open_page("Confusion & gallery"))


def test_the_given_label_filter(seeded_artifacts):
    at = open_page()
    at.selectbox(key="suspicious_class").set_value(CLASS_NAMES.index("Coat")).run()
    shown = suspicious_items(at)
    assert shown and all(title.startswith("given Coat /") for _, title in shown)
    ensemble = ensemble_of(seeded_artifacts)
    ranked = label_review.rank_suspicious(ensemble)
    assert [i for i, _ in shown] == ranked[ensemble.labels[ranked] == 4][:12].tolist()


def test_a_corrupt_marks_file_is_reported_once_and_kept(seeded_artifacts):
    path = seeded_artifacts / "label_marks.json"
    path.write_text("{not json")
    at = open_page()
    (error,) = at.error
    assert str(path) in error.value and "left untouched" in error.value and "switched off" in error.value
    index, _ = suspicious_items(at)[0]
    assert at.button(key=f"suspicious_wrong_{index}").disabled
    gallery = open_page("Confusion & gallery")
    assert len(items(gallery, "evaluate_gallery_item_")) == 12  # the gallery still shows its images
    (warning,) = gallery.warning
    assert "Your label marks are not shown" in warning.value and str(path) in warning.value
    assert path.read_text() == "{not json"


def test_a_full_disk_is_reported_on_the_item(seeded_artifacts, monkeypatch):
    at = open_page()
    first, second = (index for index, _ in suspicious_items(at)[:2])
    click(at, f"suspicious_fine_{first}")
    before = (seeded_artifacts / "label_marks.json").read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic_files.os, "fsync", full_disk)
    click(at, f"suspicious_wrong_{second}")
    (error,) = at.error
    assert "the disk is full" in error.value and "left unchanged" in error.value
    assert (seeded_artifacts / "label_marks.json").read_bytes() == before
    assert at.button(key=f"suspicious_wrong_{second}")  # still unmarked, the user can try again


def test_a_single_run_says_an_ensemble_is_more_trustworthy(seeded_artifacts):
    shutil.rmtree(seeded_artifacts / "runs" / run_ids(seeded_artifacts)["mlp"])
    at = open_page()
    assert "single model" in at.info[0].value and "more trustworthy" in at.info[0].value
    assert "**1 finished run(s)**" in text(at)


def test_runs_over_other_test_labels_are_left_out(seeded_artifacts):
    folder = seeded_artifacts / "runs" / run_ids(seeded_artifacts)["mlp"]
    stored = evaluation.load_predictions(folder)
    labels = np.roll(stored.labels, 1)
    (folder / "predictions.npz").write_bytes(evaluation.predictions_bytes(stored.probabilities, labels))
    at = open_page()
    (warning,) = at.warning
    assert warning.value.startswith("1 run(s) left out of the ranking.")
    assert "mlp" in warning.value and "test labels differ" in warning.value


def marks_button(at: AppTest):
    """The marks' export button (the page's Download report button left out)."""
    (button,) = [b for b in at.get("download_button") if b.proto.label != "Download report"]
    return button


def test_the_export_button_is_enabled_once_something_is_marked(seeded_artifacts):
    at = open_page()
    button = marks_button(at)
    assert button.proto.disabled
    index, _ = suspicious_items(at)[0]
    click(at, f"suspicious_wrong_{index}")
    button = marks_button(at)
    assert not button.proto.disabled and button.proto.label == "Export marks (CSV)"
