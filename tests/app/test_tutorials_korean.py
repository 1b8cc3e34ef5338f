"""The Tutorials page in Korean: the cards and the results table before and after runs, with no
English left on the page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fmnist_core.recipes import recipes
from tests.app import korean
from tests.app.korean import open_app_page_in_korean
from tests.app.test_tutorials import APP, add_run


def english_leftovers(at: AppTest) -> list[tuple[str, str]]:
    """``korean.english_leftovers`` but for a page link's target (``page: "evaluate"``): a page's
    name in its URL, never shown, which happens to spell the English header of the Evaluate column."""
    pages = {link.proto.page for link in at.get("page_link")}
    return [(key, text) for key, text in korean.english_leftovers(at) if text not in pages]


def open_tutorials_page_in_korean() -> AppTest:
    return open_app_page_in_korean(APP, "pages/tutorials.py", timeout=60)


def test_the_cards_and_the_table_speak_korean(artifacts: Path) -> None:
    at = open_tutorials_page_in_korean()
    assert english_leftovers(at) == []
    assert at.title[0].value == "튜토리얼 재현"
    text = " ".join(element.value for element in at.markdown)
    assert "#### 조기 종료를 쓰는 CNN" in text and "**발표된 수치:** 검증 0.9193, 손실 0.2219" in text
    assert "`배치 크기 128`" in text and "`손실: 원-핫 레이블에 대한 categorical crossentropy`" in text
    assert "아직 여기서 실행하지 않았습니다." in [caption.value for caption in at.caption]
    table = at.dataframe[0].value.set_index("recipe")
    assert table.loc["improved", "reported"] == "0.93 이상(목표)" and table.loc["cnn", "split"] == "검증"
    assert table.loc["dropout-256-128", "reported"] == "발표된 수치 없음"
    # the code listings stay as published
    assert [code.value for code in at.code] == [recipes.get_recipe(n).code for n in recipes.list_recipes()]


def test_results_and_queued_runs_in_korean(artifacts: Path) -> None:
    add_run(artifacts, "logreg", 0, accuracy=0.80)
    add_run(artifacts, "logreg", 1, accuracy=0.81)
    add_run(artifacts, "cnn", 0, status="running")
    at = open_tutorials_page_in_korean()
    assert english_leftovers(at) == []
    table = at.dataframe[0].value.set_index("recipe")
    assert "반복 한도" in table.loc["logreg", "why they differ"]
    text = " ".join(element.value for element in at.markdown)
    assert "**이 앱의 결과(테스트):** 0.8050 (0.8000-0.8100) · 실행 2번" in text
    assert "실행 1개가 대기 중이거나 학습 중입니다(시드 0)" in text
    assert any("반복 한도" in caption.value for caption in at.caption)
