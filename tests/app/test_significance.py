"""Is the difference real? Compare's verdict and the seed groups on Runs and Compare (AppTest)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.evaluation import evaluation, significance
from fmnist_ui.shared import loaders
from tests.app.korean import english_leftovers, open_in_korean

ROOT = Path(__file__).resolve().parents[2]
EVALUATE = str(ROOT / "pages" / "evaluate.py")
APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches():
    """The seeded copies share run ids, so a previous test's cached data must not be reused."""
    loaders.load_evaluation.clear()
    loaders.load_predictions.clear()


def run_folders(root: Path) -> dict[str, Path]:
    return {json.loads((f / "run.json").read_text())["model"]: f for f in (root / "runs").iterdir()}


def add_seed(folder: Path, seed: int, accuracy: float) -> str:
    """A sibling of ``folder``'s run that differs only in its seed (and its test accuracy)."""
    values = json.loads((folder / "run.json").read_text())
    run_id = f"{values['id'][:-6]}{seed:06x}"
    sibling = folder.parent / run_id
    shutil.copytree(folder, sibling)
    values |= {
        "id": run_id,
        "config": {**values["config"], "seed": seed},
        "test": {**values["test"], "accuracy": accuracy},
    }
    (sibling / "run.json").write_text(json.dumps(values))
    return run_id


def table_with(at: AppTest, column: str):
    """The one table of the page that has ``column``."""
    (frame,) = [df.value for df in at.dataframe if column in df.value.columns]
    return frame


def open_compare(korean: bool = False) -> AppTest:
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    if korean:
        open_in_korean(at)
    at.session_state["evaluate_tab"] = "실행 비교" if korean else "Compare runs"
    at.run()
    assert not at.exception, at.exception
    return at


def test_compare_says_whether_the_cnn_is_really_better(seeded_artifacts: Path) -> None:
    folders = run_folders(seeded_artifacts)
    mlp, cnn = (evaluation.load_predictions(folders[m]) for m in ("mlp", "cnn"))
    expected = significance.describe_paired(significance.compare_predictions(mlp, cnn), "mlp", "cnn")
    at = open_compare()
    assert expected in [markdown.value for markdown in at.markdown]
    captions = " ".join(caption.value for caption in at.caption)
    assert "10,000 test images" in captions and "Neither run has sibling runs" in captions


def test_seed_groups_show_on_runs_and_compare(seeded_artifacts: Path) -> None:
    folders = run_folders(seeded_artifacts)
    base = json.loads((folders["cnn"] / "run.json").read_text())["test"]["accuracy"]
    add_seed(folders["cnn"], 7, base + 0.01)
    add_seed(folders["cnn"], 8, base - 0.01)
    runs_page = AppTest.from_file(APP, default_timeout=120)
    runs_page.run()
    runs_page.switch_page("pages/runs.py").run()
    assert not runs_page.exception, runs_page.exception
    table = table_with(runs_page, "Seeds")
    assert table["Runs"].tolist() == [3]
    assert table["Seeds"].tolist() == ["1, 7, 8"]
    assert table["Mean test accuracy"].tolist() == [f"{base:.2%}"]
    assert table["Spread (sd)"].tolist() == ["1.00 points"]
    compare = open_compare()
    assert table_with(compare, "Seeds")["Runs"].tolist() == [3]


def test_runs_page_says_how_to_get_seed_groups(seeded_artifacts: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/runs.py").run()
    assert any("3 seeds" in caption.value for caption in at.caption)


def test_the_verdict_is_korean(seeded_artifacts: Path) -> None:
    at = open_compare(korean=True)
    assert any("McNemar 정확 검정" in markdown.value for markdown in at.markdown)
    assert english_leftovers(at) == []
