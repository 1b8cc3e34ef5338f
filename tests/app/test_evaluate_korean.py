"""The Evaluate page in Korean (AppTest on the two tiny seeded runs): every tab but Map, the empty
state, a chosen cell, marks (and a corrupt marks file), a damaged run; no English left, and the
open tab, the chosen cell and the widgets' values kept across a language switch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.evaluation import label_marks
from fmnist_ui.shared import i18n, loaders
from tests.app.korean import english_leftovers, open_in_korean, page_strings

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "evaluate.py")
TABS = {
    "errors": "혼동 행렬과 갤러리",
    "metrics": "클래스별 지표",
    "calibration": "보정",
    "suspicious": "의심스러운 레이블",
    "compare": "실행 비교",
    "over_time": "에포크별 변화",
}


@pytest.fixture(autouse=True)
def fresh_caches():
    """The seeded copies share run ids, so a previous test's cached data must not be reused."""
    loaders.load_ensemble.clear()
    loaders._marks_of.clear()
    loaders.load_evaluation.clear()


def run_ids(root: Path) -> dict[str, str]:
    records = [json.loads(path.read_text()) for path in (root / "runs").glob("*/run.json")]
    return {record["model"]: record["id"] for record in records}


def open_korean(tab: str | None = None, run: str | None = None) -> AppTest:
    at = open_in_korean(AppTest.from_file(PAGE, default_timeout=60))
    if tab:
        at.session_state["evaluate_tab"] = TABS[tab]
    if run:
        at.query_params["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def text(at: AppTest) -> str:
    return "\n".join(page_strings(at))


def test_the_empty_state_is_korean(artifacts):
    at = open_in_korean(
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    )  # its link needs the router
    at.run()
    at.switch_page("pages/evaluate.py").run()
    assert not at.exception, at.exception
    assert english_leftovers(at) == []
    assert "아직 완료된 실행이 없습니다" in text(at)


@pytest.mark.parametrize("tab", list(TABS))
def test_every_tab_is_korean(seeded_artifacts, tab):
    at = open_korean(tab)
    assert english_leftovers(at) == []
    assert "평가" in text(at) and TABS[tab] in text(at)


def test_the_matrix_names_classes_in_korean_with_the_english_on_hover(seeded_artifacts):
    at = open_korean("errors")
    matrix = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][1]
    assert "코트" in matrix["x"] and "Coat" not in matrix["x"]
    assert any("코트 (Coat)" in hover for hover in matrix["hovertext"])
    at.selectbox(key="evaluate_true_class").set_value(6)
    at.selectbox(key="evaluate_predicted_class").set_value(0).run()
    assert english_leftovers(at) == []
    assert "잘못 분류된 이미지: 실제 **셔츠**, 예측 **티셔츠/탑**" in text(at)
    at.toggle(key="evaluate_focus_group").set_value(True).run()
    assert english_leftovers(at) == []
    assert "티셔츠/탑 / 풀오버 / 코트 / 셔츠에 집중" in text(at)


def test_a_switch_to_english_keeps_the_tab_and_the_filters(seeded_artifacts):
    at = open_korean("calibration")
    at.toggle(key="evaluate_calibration_log").set_value(True).run()
    at.query_params[i18n.KEY] = "en"
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["evaluate_tab"] == "Calibration"
    assert at.toggle(key="evaluate_calibration_log").value is True
    assert "Log scale for the counts" in text(at)


def test_marks_and_a_corrupt_marks_file_are_korean(seeded_artifacts):
    at = open_korean("suspicious")
    at.button(key=next(b.key for b in at.button if b.key.startswith("suspicious_wrong_"))).click().run()
    assert english_leftovers(at) == []
    assert "⚑ 표시: 레이블이 틀려 보임" in text(at)
    label_marks.marks_path().write_text("{not json")
    at = open_korean("suspicious")
    assert english_leftovers(at) == []
    assert "레이블 표시 파일이 아닙니다" in text(at) and "잘못된 JSON" in text(at)


def test_a_damaged_run_is_explained_in_korean(seeded_artifacts):
    cnn = run_ids(seeded_artifacts)["cnn"]
    (seeded_artifacts / "runs" / cnn / "predictions.npz").write_bytes(b"not an npz")
    at = open_korean(run=cnn)
    assert english_leftovers(at) == []
    assert "이 실행의 예측을 읽을 수 없습니다" in text(at) and "파일이 없거나 읽을 수 없습니다" in text(at)
