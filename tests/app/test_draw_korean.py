"""The Draw page in Korean: no English left on it, Korean class names on the bars (English on hover),
Korean refusals of bad uploads and of a page without runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.data import CLASS_NAMES
from fmnist_ui.draw import canvas as draw_canvas
from tests.app.korean import english_leftovers, open_in_korean
from tests.app.test_draw import PAGE, bar_charts, choose_run, drawn_rectangle, markdown_text

KOREAN_CLASSES = [
    "티셔츠/탑",
    "바지",
    "풀오버",
    "드레스",
    "코트",
    "샌들",
    "셔츠",
    "스니커즈",
    "가방",
    "앵클 부츠",
]


def open_korean_page(monkeypatch: pytest.MonkeyPatch, canvas) -> AppTest:
    monkeypatch.setattr(draw_canvas, "canvas_image", lambda **_: canvas)
    at = open_in_korean(AppTest.from_file(PAGE, default_timeout=120))
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_drawing_is_judged_in_korean(seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_korean_page(monkeypatch, drawn_rectangle())
    choose_run(at, "cnn")
    assert at.title[0].value == "옷 그리기"
    assert "모델의 답: **" in markdown_text(at)
    (figure,) = bar_charts(at)
    bars = figure["data"][0]
    assert list(bars["y"]) == KOREAN_CLASSES
    assert bars["customdata"][4] == "코트 (Coat)" and "%{customdata}" in bars["hovertemplate"]
    assert [option for option in at.radio(key="draw_tool").options] == ["펜", "채운 사각형", "채운 다각형"]
    assert english_leftovers(at) == []


def test_a_test_image_and_every_runs_top_3_in_korean(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_korean_page(monkeypatch, drawn_rectangle())
    choose_run(at, "mlp")
    at.selectbox(key="draw_test_class").set_value("Sneaker").run()  # the values stay English
    at.button(key="draw_test_pick").click().run()
    at.toggle(key="draw_compare_all").set_value(True).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="draw_test_class").value == "Sneaker"
    assert re.fullmatch(r"실제 스니커즈 \(테스트 이미지 \d+\)", at.get("image")[0].captions[1])
    assert " · 정답: **스니커즈**" in markdown_text(at)
    table = at.table[0].value
    assert list(table.columns) == ["실행", "1위", "2위", "3위"]
    assert all(cell.rsplit(" ", 1)[0] in KOREAN_CLASSES for cell in table["1위"])
    assert english_leftovers(at) == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [(b"this is not an image", "지원하지 않는 이미지 파일입니다"), (b"", "업로드한 파일이 비어 있습니다")],
    ids=["not-an-image", "empty"],
)
def test_a_bad_upload_is_refused_in_korean(
    seeded_artifacts: Path, monkeypatch: pytest.MonkeyPatch, upload: bytes, message: str
) -> None:
    at = open_korean_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value(("garment.png", upload, "image/png")).run()
    assert not at.exception, at.exception
    (error,) = [error.value for error in at.error]
    assert error.startswith("**이 파일은 사용할 수 없습니다.**") and message in error
    assert any("캔버스에 옷을 그려 보세요" in info.value for info in at.info)  # the empty canvas
    assert english_leftovers(at) == []


def test_without_runs_the_page_says_so_in_korean(artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_korean_page(monkeypatch, None)
    infos = " ".join(info.value for info in at.info)
    assert "아직 완료된 실행이 없습니다" in infos and "`cnn_draw` 모델이 가장 잘 알아봅니다" in infos
    assert at.button(key="draw_train_model").label == "cnn_draw 학습"
    assert any("train?lang=ko" in markdown.value for markdown in at.markdown)
    assert english_leftovers(at) == []


def test_the_english_class_names_are_unchanged() -> None:
    from fmnist_ui.draw import plots as draw_plots

    bars = draw_plots.plot_probabilities([0.1] * 10).to_dict()["data"][0]
    assert tuple(bars["y"]) == CLASS_NAMES and tuple(bars["customdata"]) == CLASS_NAMES
