"""The Runs page in Korean: empty, with runs, deleting one, and refused uploads (checked statically
and in the sandbox's child process), with no English left on the page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from fmnist_core.runs import runs
from tests.app.korean import english_leftovers, open_app_page_in_korean
from tests.app.test_runs import APP, table
from tests.core.test_model_files import models as models  # the module-scoped fixture


def open_runs_page_in_korean() -> AppTest:
    return open_app_page_in_korean(APP, "pages/runs.py")


def refusal(at: AppTest, name: str, content: bytes) -> str:
    at.file_uploader[0].upload(name, content)
    at.run()
    at.button(key="runs_import").click().run()
    assert not at.exception, at.exception
    assert english_leftovers(at) == []
    [error] = at.error
    return error.value


def test_the_empty_page_speaks_korean(artifacts: Path) -> None:
    at = open_runs_page_in_korean()
    assert english_leftovers(at) == []
    assert at.title[0].value == "실행 기록"
    assert "아직 실행이 없습니다" in at.info[0].value
    assert [header.value for header in at.subheader] == ["모델 불러오기"]
    assert at.button(key="runs_import").label == "평가하고 실행으로 추가"


def test_runs_table_curves_and_delete_in_korean(seeded_artifacts: Path) -> None:
    at = open_runs_page_in_korean()
    assert english_leftovers(at) == []
    assert set(table(at)["status"]) == {"완료"}
    assert "곡선 비교" in [header.value for header in at.subheader]
    assert at.multiselect(key="runs_compare").label == "겹쳐 볼 실행"
    at.button(key="runs_delete").click().run()
    assert english_leftovers(at) == []
    assert "완전히 삭제할까요?" in at.warning[0].value
    at.button(key="runs_delete_confirm").click().run()
    assert english_leftovers(at) == []
    assert "삭제했습니다" in at.success[0].value and len(runs.list_runs()) == 1


def test_refused_uploads_are_explained_in_korean(seeded_artifacts: Path, models: dict[str, Path]) -> None:
    at = open_runs_page_in_korean()
    assert refusal(at, "model.keras", b"this is not a model") == (
        "모델을 받아들이지 않았습니다. 파일이 .keras 모델 압축 파일이 아닙니다(.keras 파일은 zip 파일입니다). "
        "model.save('name.keras')로 저장한 파일을 업로드하세요."
    )
    assert "Lambda 레이어를 사용합니다" in refusal(at, "lambda.keras", models["lambda"].read_bytes())
    # refused in the child process: its code and values cross to the page
    assert "클래스는 10개입니다" in refusal(at, "five.keras", models["five_outputs"].read_bytes())
    assert len(runs.list_runs()) == 2
