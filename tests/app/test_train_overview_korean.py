"""Train and Overview in Korean: no English left in the states a user meets, and the language
switch keeps the Train form (model and values) and the URL's settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core.runs import runs
from fmnist_core.training import TrainingConfig
from fmnist_ui.overview import view as overview_view
from fmnist_ui.shared import i18n
from fmnist_ui.shared import training as shared_training
from tests.app.korean import english_leftovers, open_in_korean
from tests.app.test_train import fake_active_run

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def korean_app() -> AppTest:
    at = open_in_korean(AppTest.from_file(APP, default_timeout=60))
    at.run()
    assert not at.exception, at.exception
    return at


def korean_train_page() -> AppTest:
    at = korean_app()
    at.switch_page("pages/train.py").run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    elements = [
        *at.title,
        *at.subheader,
        *at.caption,
        *at.markdown,
        *at.info,
        *at.success,
        *at.warning,
        *at.error,
    ]
    return "\n".join(element.value for element in elements)


def test_train_in_korean_with_the_latest_run_and_a_refused_value(seeded_artifacts: Path) -> None:
    at = korean_train_page()
    assert english_leftovers(at) == []
    assert at.title[0].value == "모델 학습"
    assert at.selectbox(key="train_model").label == "모델"
    assert at.number_input(key="train_cnn_epochs").label == "에포크"
    assert at.button(key="train_start").label == "학습"
    assert "최근 실행" in texts(at) and "테스트 정확도" in texts(at)

    at.number_input(key="train_cnn_epochs").set_value(500).run()
    assert english_leftovers(at) == []
    assert "에포크 값은 1에서 300 사이여야 합니다 (입력값: 500). 값을 고쳐야 학습할 수 있습니다." in texts(at)
    assert at.button(key="train_start").disabled

    at.selectbox(key="train_model").set_value("cnn_fast").run()  # a Keras model with improvements opened
    at.selectbox(key="train_cnn_fast_optimizer").set_value("rmsprop").run()
    assert english_leftovers(at) == []
    assert at.selectbox(key="train_cnn_fast_augmentation").format_func("none") == "없음"


def test_train_in_korean_while_a_run_trains_and_a_second_is_refused(
    seeded_artifacts: Path, monkeypatch
) -> None:
    fake_active_run(seeded_artifacts)
    monkeypatch.setattr(shared_training, "launch_training", lambda config: "never")
    at = korean_train_page()
    assert english_leftovers(at) == []
    shown = texts(at)
    assert "지금 학습 중" in shown and "5 에포크 중 1 에포크 완료" in shown
    assert at.button(key="train_stop").label == "중지"
    at.button(key="train_start").click().run()
    assert english_leftovers(at) == []
    assert any("이미 학습 중인 실행이 있습니다" in error.value for error in at.error)


def test_a_failed_and_a_stopped_run_in_korean(seeded_artifacts: Path) -> None:
    config = TrainingConfig.for_model("mlp", epochs=5).to_dict()
    folder = runs.create_run("mlp", config, seeded_artifacts, status="failed", error="boom")
    at = korean_train_page()
    assert english_leftovers(at) == []
    assert "학습 실패: boom" in texts(at)

    runs.update_run(folder, status="stopped", error=None, test={"accuracy": 0.8, "loss": 0.5})
    for epoch, val_loss in ((1, 0.5), (2, 0.4), (3, 0.45)):
        runs.append_history(
            folder, {"epoch": epoch, "loss": 0.5, "accuracy": 0.8, "val_loss": val_loss, "val_accuracy": 0.8}
        )
    at = korean_train_page()
    assert english_leftovers(at) == []
    assert "계획한 5 에포크 중 3번째 에포크에서 중지했습니다. 모델은 에포크 2의 가중치를 남겼습니다" in texts(
        at
    )
    assert [link.label for link in at.get("page_link")][-2:] == [
        "평가 페이지에서 실수 살펴보기",
        "다른 실행과 비교하기",
    ]


def test_overview_in_korean_with_runs(seeded_artifacts: Path) -> None:
    at = korean_app()
    assert english_leftovers(at) == []
    assert at.title[0].value == "Fashion-MNIST 모델 탐색기"
    assert {link.label for link in at.get("page_link")} >= {"학습", "실행 기록", "평가", "그리기"}
    assert set(at.dataframe[0].value["status"]) == {"완료"}


def test_overview_in_korean_for_a_first_time_user(artifacts: Path, monkeypatch) -> None:
    def fake_launch_queue(configs: list[TrainingConfig]) -> list[str]:
        return [runs.create_run(c.model, c.to_dict(), pid=os.getpid()).name for c in configs]

    monkeypatch.setattr(overview_view, "launch_queue", fake_launch_queue)
    at = korean_app()
    assert english_leftovers(at) == []
    assert any("아직 학습된 모델이 없습니다" in info.value for info in at.info)
    at.button(key="overview_starter").click().run()
    assert english_leftovers(at) == []
    assert any(header.value == "지금 학습 중" for header in at.subheader)
    assert sum("대기 중" in line.value for line in at.markdown) == 2


def test_switching_language_on_train_keeps_the_model_and_the_values(seeded_artifacts: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/train.py").run()
    at.selectbox(key="train_model").set_value("mlp_dropout").run()
    at.number_input(key="train_mlp_dropout_epochs").set_value(7).run()
    at.slider(key="train_mlp_dropout_dropout").set_value(0.25).run()
    at.select_slider(key="train_mlp_dropout_batch_size").set_value(128).run()
    assert at.title[0].value == "Train a model"

    # What the sidebar's 한국어 / English switch sets. (After switch_page AppTest leaves app.py's
    # sidebar out of its tree, so the switch itself cannot be clicked here; the browser check can.)
    at.session_state[i18n.CHOSEN] = "ko"
    at.run()
    for _ in range(2):  # the switch's choice, then the URL's ?lang=ko it wrote, on the next rerun
        assert not at.exception, at.exception
        assert at.title[0].value == "모델 학습"
        assert at.selectbox(key="train_model").value == "mlp_dropout"
        assert at.number_input(key="train_mlp_dropout_epochs").value == 7
        assert at.number_input(key="train_mlp_dropout_epochs").label == "에포크"
        assert at.slider(key="train_mlp_dropout_dropout").value == pytest.approx(0.25)
        assert at.select_slider(key="train_mlp_dropout_batch_size").value == 128
        assert english_leftovers(at) == []
        at.run()

    at.session_state[i18n.CHOSEN] = "en"  # and back
    at.run()
    assert at.title[0].value == "Train a model" and at.selectbox(key="train_model").label == "Model"
    assert at.number_input(key="train_mlp_dropout_epochs").value == 7
