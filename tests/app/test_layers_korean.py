"""The Layers page in Korean (AppTest): no English left in any state a user meets, chart JSON included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.inspection import layer_ranking, layers
from fmnist_core.models.inference import load_run_model
from fmnist_core.runs import runs
from fmnist_ui.layers import inputs as layers_input
from fmnist_ui.shared import i18n
from tests.app.korean import english_leftovers
from tests.app.test_layers import captions, dataset_images, open_page, png_bytes, run_id_of, texts
from tests.conftest import train_tiny_run


@pytest.fixture(autouse=True)
def korean_outside_the_script(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest calls a radio's ``format_func`` in the test, outside the page's session: Korean there too."""
    monkeypatch.setattr(i18n, "language", lambda: "ko")


def open_korean(model: str | None = None, **query: str) -> AppTest:
    return open_page(model, korean=True, **query)


def assert_korean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert english_leftovers(at) == []


def test_no_runs_yet_in_korean(artifacts: Path) -> None:
    at = open_korean()
    assert_korean(at)
    assert at.title[0].value == "레이어"
    assert "아직 완료된 실행이 없습니다" in at.info[0].value


def test_a_cnn_in_korean_maps_filters_top9_and_summary(seeded_artifacts: Path) -> None:
    folder = runs.run_path(run_id_of("cnn"))
    at = open_korean("cnn")
    assert_korean(at)  # before the ranking: its start button and explanation
    assert any(button.label == "테스트 이미지 순위 매기기" for button in at.button)
    assert "특성 맵" in [header.value for header in at.subheader]
    assert "**conv2d** · 출력 28 × 28 × 32" in texts(at)
    assert any(caption.startswith("테스트 이미지 0: ") for caption in captions(at))
    assert list(at.table[0].value.columns) == ["레이어", "종류", "출력 형태", "파라미터 수"]
    assert at.radio(key=layers_input.SOURCE).options == ["테스트 이미지", "현재 그림", "업로드한 사진"]

    probe = layers.map_probe(load_run_model(folder))
    layer_ranking.save_tops(folder, layer_ranking.rank_channels(probe, dataset_images(slice(0, 50))))
    at.run()
    assert_korean(at)  # the stored top 9, with Korean class names
    assert any("의 채널 0: 가장 강하게 반응한 테스트 이미지 9장" in caption.value for caption in at.caption)

    (folder / layer_ranking.TOP9_FILE).write_bytes(b"damaged")
    at.run()
    assert_korean(at)
    assert "저장된 순위를 읽을 수 없습니다" in at.error[0].value
    assert "파일이 손상되었습니다" in at.error[0].value


def test_an_mlp_in_korean_with_its_unit_chart(seeded_artifacts: Path) -> None:
    at = open_korean("mlp")
    assert_korean(at)
    (chart,) = at.get("plotly_chart")
    figure = json.loads(chart.proto.spec)
    assert figure["data"][0]["y"][0].startswith("유닛 ")
    assert figure["layout"]["xaxis"]["title"]["text"] == "활성화"
    assert any(caption.startswith("유닛 ") for caption in captions(at))


def test_the_other_sources_and_errors_in_korean(seeded_artifacts: Path) -> None:
    at = open_korean(run=run_id_of("cnn"), test_index="10000")
    assert_korean(at)
    assert "테스트 이미지 번호는 0부터 9,999까지입니다" in at.error[0].value

    at.radio(key=layers_input.SOURCE).set_value(layers_input.DRAWING).run()
    assert english_leftovers(at) == []  # (its link to Draw needs the app's router: not under AppTest)
    assert "아직 그린 것이 없습니다" in at.info[0].value

    at.radio(key=layers_input.SOURCE).set_value(layers_input.UPLOAD).run()
    assert_korean(at)
    at.file_uploader(key="layers_upload").set_value(("fake.png", b"not a picture", "image/png")).run()
    assert "이 파일은 사용할 수 없습니다" in at.error[0].value

    import numpy as np

    photo = np.full((200, 160, 3), 255, np.uint8)
    photo[20:180, 50:110] = 40
    at.file_uploader(key="layers_upload").set_value(("item.png", png_bytes(photo), "image/png")).run()
    assert_korean(at)
    assert "모델이 보는 업로드한 사진 (item.png)" in captions(at)


def test_a_scikit_learn_run_is_refused_in_korean(seeded_artifacts: Path) -> None:
    train_tiny_run(seeded_artifacts, "sgd")
    at = open_korean("sgd")
    assert_korean(at)
    assert "scikit-learn 모델(sgd)이라 보여 줄 레이어가 없습니다" in at.info[0].value


def test_the_core_errors_have_korean_sentences_and_keep_their_english() -> None:
    error = layers.LayersUnavailable("error.layers.no_filters", run="r1")
    assert str(error) == "Run r1 has no convolution layer, so no filters to show."
    assert (
        i18n.catalog("ko")[error.code].format(**error.values)
        == "실행 r1에는 합성곱 레이어가 없어서 보여 줄 필터가 없습니다."
    )
