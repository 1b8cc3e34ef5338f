"""The Sweep page in Korean: no English left on the empty page, the New sweep form with a refused
setting, a sweep with trials (table, filters, parallel coordinates, slices, importances), a
choice sweep and a study that cannot be read; switching language keeps the form's values."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import sweeps
from fmnist_core.sweeps.errors import SweepStorageError
from fmnist_ui.shared import i18n, loaders
from tests.app.korean import english_leftovers, open_in_korean, page_strings
from tests.app.test_sweep import APP, fake_status, make_sweep, optimizer_trial, trial


def korean_sweep_page(url_sweep: str | None = None) -> AppTest:
    at = open_in_korean(AppTest.from_file(APP, default_timeout=120))
    if url_sweep:
        at.query_params["sweep"] = url_sweep
    at.run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception, at.exception
    return at


def shown(at: AppTest) -> str:
    return "\n".join(page_strings(at))


def test_the_empty_page_and_a_refused_form_are_korean(artifacts: Path) -> None:
    at = korean_sweep_page()
    assert english_leftovers(at) == []
    text = shown(at)
    assert "하이퍼파라미터 스윕" in text and "아직 스윕이 없습니다" in text and "스윕 시작" in text
    at.radio(key="sweep_sampler").set_value("grid").run()
    assert "그리드 샘플러는" in at.error[0].value and at.button(key="sweep_start").disabled
    assert english_leftovers(at) == []
    at.number_input(key="sweep_trials").set_value(0).run()
    assert "시행 수는 1에서 10000 사이의 정수여야" in at.error[0].value
    at.toggle(key="sweep_mlp_optimizer_search").set_value(True).run()
    at.multiselect(key="sweep_mlp_optimizer_range").set_value([]).run()
    assert "을(를) 하나 이상 고르세요." in at.error[0].value
    assert english_leftovers(at) == []


def test_a_sweep_with_trials_is_korean_down_to_its_charts(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = make_sweep()
    trials = [
        trial(0, "complete", 0.1, 1e-3, 0.84, 0.83),
        trial(1, "complete", 0.5, 5e-3, 0.80, 0.79),
        trial(2, "complete", 0.4, 2e-3, 0.82, 0.81),
        trial(3, "pruned", 0.3, 1e-4, 0.60),
        trial(4, "running", 0.2, 2e-3),
    ]
    fake_status(monkeypatch, spec, trials, active=False, done=False)
    importances = {"learning_rate": 0.7, "dropout": 0.3}
    monkeypatch.setattr(loaders, "sweep_importances", lambda name, complete: (importances, None))
    at = korean_sweep_page(url_sweep=spec.name)
    assert english_leftovers(at) == []
    frame = at.dataframe[0].value
    assert list(frame.columns[:2]) == ["시행", "상태"] and "최고 검증 정확도" in frame.columns
    assert list(frame["상태"]) == ["완료", "완료", "완료", "가지치기됨", "학습 중"]
    assert any("지금까지 최고: 시행 0" in message.value for message in at.success)
    charts = [chart.key for chart in at.get("plotly_chart")]
    assert charts == [f"sweep_{chart}_{spec.name}" for chart in ("parcoords", "slices", "importances")]
    text = shown(at)
    assert "검증 정확도" in text and "테스트 안 함" in text and "중요도" in text
    at.slider(key=f"sweep_filter_{spec.name}_dropout").set_value((0.0, 0.3)).run()
    assert any("시행 5개 중 3개가 필터 안에 있습니다" in c.value and "0~0.3)" in c.value for c in at.caption)
    assert english_leftovers(at) == []


def test_a_choice_sweep_and_an_unreadable_study_are_korean(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = {
        "optimizer": sweeps.Param("categorical", choices=("adam", "sgd_momentum", "rmsprop")),
        "learning_rate": sweeps.Param("float", 1e-4, 1e-2, log=True),
    }
    spec = make_sweep(space=space)
    trials = [
        optimizer_trial(0, "complete", "rmsprop", 1e-3, 0.84, 0.83),
        optimizer_trial(1, "pruned", "sgd_momentum", 1e-4, 0.60),
    ]
    error = SweepStorageError(
        "error.sweep.postgres_unreachable",
        host="db",
        port=5432,
        database="'sweeps'",
        reason="timeout expired",
    )
    fake_status(monkeypatch, spec, trials, done=False, problem=str(error), problem_error=error)
    at = korean_sweep_page(url_sweep="nope")
    assert "nope' 스윕이 없습니다" in at.error[0].value
    assert "db:5432의 PostgreSQL 서버" in at.error[1].value and "실행에서 읽은 것입니다" in at.error[1].value
    assert "RMSprop" in at.dataframe[0].value.to_numpy()  # the optimizer, by its name
    assert english_leftovers(at) == []


def test_switching_language_keeps_the_form(artifacts: Path) -> None:
    at = korean_sweep_page()
    at.selectbox(key="sweep_model").set_value("mlp_dropout").run()
    at.number_input(key="sweep_trials").set_value(5).run()
    at.radio(key="sweep_sampler").set_value("random").run()
    at.session_state[i18n.CHOSEN] = "en"
    at.run()
    assert at.title[0].value == "Hyperparameter sweep"
    assert at.selectbox(key="sweep_model").value == "mlp_dropout"
    assert at.number_input(key="sweep_trials").value == 5
    assert at.radio(key="sweep_sampler").value == "random"
    assert at.text_input(key="sweep_name").value == "mlp_dropout-sweep-1"
