"""Offline HTML reports: one plotly bundle, every section, images that decode, no external URL,
Korean with a Korean ``t``, under 10 MB; refusals leave no file and no temp file; the CLI."""

from __future__ import annotations

import base64
import errno
import io
import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from fmnist_core import reports, sweeps, words
from fmnist_core.__main__ import main
from fmnist_core.evaluation.evaluation import RunEvaluation, load_predictions
from fmnist_core.reports import html
from fmnist_core.reports.sweep_report import build_sweep_report
from fmnist_core.runs import runs
from fmnist_ui.shared import i18n

MAX_BYTES = 10_000_000
KOREAN = re.compile(r"[\uac00-\ud7a3]")


def korean_t(key: str, **values) -> str:
    return words.fill(i18n.catalog("ko"), key, values)


def folders(root: Path) -> dict[str, Path]:
    """Model name -> run folder of the seeded runs."""
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: root / "runs" / record["id"] for record in records}


def outside_bundle(page: str) -> str:
    """The page without the embedded plotly.js (its own strings name URLs it never loads)."""
    bundle = html.plotly_bundle()
    assert page.count(bundle) == 1
    return page.replace(bundle, "")


def check_page(page: str, headings: list[str], images: int, lang: str = "en") -> None:
    """One bundle, the headings, ``images`` inline PNGs that decode, no external URL, small."""
    rest = outside_bundle(page)
    assert f'<html lang="{lang}">' in rest
    for heading in headings:
        assert f"<h2>{heading}</h2>" in rest, heading
    pictures = re.findall(r'src="data:image/png;base64,([^"]+)"', rest)
    assert len(pictures) == images
    for picture in pictures:
        with Image.open(io.BytesIO(base64.b64decode(picture))) as decoded:
            assert decoded.size == (84, 84)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", rest, re.I)
    assert "http://" not in rest and "https://" not in rest
    assert len(page.encode()) <= MAX_BYTES


RUN_HEADINGS = ["Summary", "Settings", "Training curves", "Confusion matrix", "Per-class metrics",
                "Worst confusions", "Calibration"]  # fmt: skip


def confusion_images(folder: Path) -> int:
    """How many images the worst confusions section shows: up to 8 of each of the 5 largest."""
    run = RunEvaluation.from_predictions(load_predictions(folder))
    return int(run.confusions["images"].head(5).clip(upper=8).sum())


def test_run_report_has_every_section_once_plotly_and_its_images(trained_root: Path) -> None:
    mlp = folders(trained_root)["mlp"]
    page = reports.build_run_report(mlp)
    check_page(page, RUN_HEADINGS, images=confusion_images(mlp))
    record = runs.read_run(mlp)
    assert record.label in page and record.id in page and page.count("Plotly.newPlot") == 4
    assert "learning rate" in page and record.versions["tensorflow"] in page


def test_run_report_in_korean(trained_root: Path) -> None:
    cnn = folders(trained_root)["cnn"]
    page = reports.build_run_report(cnn, korean_t, "ko")
    keys = ("summary", "settings", "curves", "confusion", "per_class", "confusions", "calibration")
    check_page(page, [korean_t(f"report.{key}") for key in keys], images=confusion_images(cnn), lang="ko")
    assert "Summary" not in outside_bundle(page) and KOREAN.search(outside_bundle(page))
    assert "코트" in page  # class names in Korean


def test_imported_run_without_history_says_so(seeded_artifacts: Path) -> None:
    folder = folders(seeded_artifacts)["mlp"]
    (folder / "history.jsonl").unlink()
    page = reports.build_run_report(folder)
    assert words.english("report.no_history") in page and page.count("Plotly.newPlot") == 3


def test_compare_report_highlights_the_differing_settings(trained_root: Path) -> None:
    runs_by_model = folders(trained_root)
    page = reports.build_compare_report(runs_by_model["mlp"], runs_by_model["cnn"])
    headings = ["Accuracies", "Settings", "Confusion difference", "Images cnn fixes", "Images cnn breaks",
                "Validation curves of both runs", "Reliability of both runs"]  # fmt: skip
    headings.append("Is the difference real?")
    rest = outside_bundle(page)
    fixed, broken = (
        len(re.findall(rf'id="{code}".*?</section>', rest, re.S)[0].split("<img")) - 1
        for code in ("fixed", "broken")
    )
    check_page(page, headings, images=fixed + broken)
    assert 0 < fixed <= 8 and 0 < broken <= 8
    assert "<tr class=hl><td>epochs</td>" in rest  # mlp 2 epochs, cnn 1
    assert "<tr><td>learning rate</td>" in rest  # the same in both: not highlighted


@pytest.fixture(scope="module")
def sweep_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifacts root with one finished 3-trial sgd sweep (a few seconds)."""
    root = tmp_path_factory.mktemp("report-sweep") / "artifacts"
    space = {
        "learning_rate": sweeps.Param("float", 1e-4, 1e-1, log=True),
        "batch_size": sweeps.Param("int", 32, 256, log=True),
    }
    spec = sweeps.SweepSpec(
        name="tiny", model="sgd", trials=3, space=space, epochs=1, train_samples=300, sampler="random", seed=3
    )
    sweeps.create_sweep(spec, root)
    sweeps.work("tiny", root)
    return root


def test_sweep_report_has_trials_best_first_and_its_charts(sweep_root: Path) -> None:
    page = build_sweep_report("tiny", sweep_root)
    headings = [
        "Best trial",
        "Sweep settings",
        "Trials",
        "Parallel coordinates",
        "Slices",
        "Importances",
        "Training curves",
    ]
    check_page(page, headings, images=0)
    assert re.search(r"\"type\": ?\"parcoords\"", page) and page.count("Plotly.newPlot") == 4
    status = sweeps.sweep_status("tiny", sweep_root)
    best = max(status.trials, key=lambda row: (row.value, -row.number))
    table = re.findall(r'id="trials".*?</section>', page, re.S)[0]
    assert re.search(rf"<tr class=hl><td class=\"num\">{best.number}</td>", table)


def test_sweep_report_in_korean(sweep_root: Path) -> None:
    page = build_sweep_report("tiny", sweep_root, korean_t, "ko")
    check_page(page, [korean_t("report.best"), korean_t("report.trials")], images=0, lang="ko")
    assert "완료" in outside_bundle(page)


# ---------------------------------------------------------------- refusals


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_full_disk_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(reports.ReportError, match="the disk is full. Nothing was left behind") as caught:
        reports.write_report("<html>" + "x" * 2_000_000 + "</html>", tmp_path / "r.html")
    assert caught.value.code == "error.report.disk_full" and "2.0 MB" in str(caught.value)
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_older_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.html"
    reports.write_report("old", path)
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(reports.ReportError):
        reports.write_report("new", path)
    assert path.read_text() == "old" and leftovers(tmp_path) == ["r.html"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(reports.ReportError, match="Choose a folder you may write to"):
        reports.write_report("x", locked / "r.html")
    assert leftovers(locked) == []


def test_a_permission_error_while_writing_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root would see a read-only share: the temp file cannot be created."""
    import tempfile

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(
        reports.ReportError, match="Permission denied. Choose a folder you may write to"
    ) as caught:
        reports.write_report("x", tmp_path / "r.html")
    assert caught.value.code == "error.report.unwritable" and leftovers(tmp_path) == []


def test_a_missing_folder_and_a_folder_as_the_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(reports.ReportError, match="does not exist") as caught:
        reports.write_report("x", tmp_path / "nowhere" / "r.html")
    assert caught.value.code == "error.report.no_folder"
    with pytest.raises(reports.ReportError, match="it is a folder"):
        reports.write_report("x", tmp_path)
    assert leftovers(tmp_path) == []


def test_a_run_without_predictions_is_refused(seeded_artifacts: Path) -> None:
    folder = folders(seeded_artifacts)["mlp"]
    (folder / "predictions.npz").unlink()
    with pytest.raises(reports.ReportError, match="has no test predictions") as caught:
        reports.build_run_report(folder)
    assert korean_t(caught.value.code, **caught.value.values).startswith("실행")


def test_unknown_sweep_and_a_sweep_without_a_finished_trial_are_refused(artifacts: Path) -> None:
    with pytest.raises(reports.ReportError, match="No report for sweep 'nope'.*No sweep named 'nope'"):
        build_sweep_report("nope", artifacts)
    space = {"learning_rate": sweeps.Param("float", 1e-4, 1e-1, log=True)}
    sweeps.create_sweep(sweeps.SweepSpec(name="waiting", model="sgd", trials=2, space=space), artifacts)
    with pytest.raises(reports.ReportError, match="no finished trial yet"):
        build_sweep_report("waiting", artifacts)


# ---------------------------------------------------------------- command line


def test_cli_writes_a_report_and_refuses_a_bad_path(seeded_artifacts: Path, tmp_path: Path, capsys) -> None:
    by_model = folders(seeded_artifacts)
    mlp, cnn = by_model["mlp"].name, by_model["cnn"].name
    out = tmp_path / "run.html"
    assert main(["report", mlp, "--out", str(out)]) == 0
    assert f"wrote {out} (4." in capsys.readouterr().out and out.stat().st_size <= MAX_BYTES
    assert main(["report", "--compare", mlp, cnn, "--out", str(tmp_path / "c.html")]) == 0
    assert main(["report", mlp, "--out", str(tmp_path / "missing" / "r.html")]) == 2
    assert "does not exist. Create it or choose another place." in capsys.readouterr().err
    assert main(["report", "--sweep", "nope", "--out", str(tmp_path / "s.html")]) == 2
    assert "No sweep named 'nope'" in capsys.readouterr().err
    assert main(["report", mlp, "--sweep", "x", "--out", str(tmp_path / "s.html")]) == 2
    assert "give one run id, or --compare A B, or --sweep NAME" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["artifacts", "c.html", "run.html"]
