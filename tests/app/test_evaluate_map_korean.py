"""Evaluate's Map tab in Korean (AppTest): the map and its words, the chosen cell, a selection, the
features that are missing, unavailable or damaged, and the feature job running and failed; no
English left anywhere the map's code writes."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import atomic_files
from fmnist_core.evaluation import evaluation
from fmnist_core.inspection import features
from fmnist_core.runs import jobs, runs
from tests.app.korean import english_leftovers, open_in_korean
from tests.app.test_evaluate import run_ids
from tests.app.test_evaluate_map import PAGE, known_features, map_args, texts


def open_map_in_korean(run: str, **state) -> AppTest:
    at = open_in_korean(AppTest.from_file(PAGE, default_timeout=60))
    at.session_state["evaluate_tab"] = "Map"
    for key, value in state.items():
        at.session_state[key] = value
    at.query_params["run"] = run
    at.run()
    assert not at.exception, at.exception
    return at


def map_leftovers(at: AppTest) -> list[tuple[str, str]]:
    """English on the page, except the frame's and Evaluate's own texts and the gallery's image titles
    (Evaluate's gallery, which the map shares)."""
    gallery = [chart.proto.spec for chart in at.get("plotly_chart") if "_gallery_item_" in chart.proto.id]
    return [
        (key, text) for key, text in english_leftovers(at) if not any(text[:120] in spec for spec in gallery)
    ]


@pytest.fixture
def cnn(seeded_artifacts: Path) -> tuple[str, Path]:
    run = run_ids(seeded_artifacts)["cnn"]
    return run, seeded_artifacts / "runs" / run


def test_the_map_speaks_korean(cnn):
    run, folder = cnn
    known_features(folder)
    at = open_map_in_korean(run)
    assert map_leftovers(at) == []
    args = map_args(at)
    words = args["words"]
    assert args["class_names"][4] == "코트" and words["hover_names"][4] == "코트 (Coat)"
    assert words["lang"] == "ko" and words["hover_title"] == "테스트 이미지 {index}"
    assert words["plotly"]["Lasso Select"] == "올가미 선택"
    assert at.radio(key="evaluate_map_colour").options == [
        "실제 클래스",
        "예측 클래스",
        "정답 / 오답",
        "신뢰도",
    ]
    assert at.radio(key="evaluate_map_colour").value == "true"  # the value stays language-neutral
    assert "지도에서 점 몇 개를 올가미로 둘러싸면" in texts(at)
    assert "끝에서 두 번째 레이어 특성의 PCA" in texts(at)


def test_the_chosen_cell_and_a_selection_in_korean(cnn):
    run, folder = cnn
    known_features(folder)
    labels = evaluation.load_predictions(folder).labels
    at = open_map_in_korean(run, evaluate_true_class=6, evaluate_predicted_class=0)
    assert "강조 표시: 실제 **셔츠**, 예측 **티셔츠/탑**인 잘못 분류된 이미지" in texts(at)
    assert map_args(at)["highlight_name"] == "고른 칸"
    assert at.button(key="evaluate_map_clear_cell").label == "지우기"
    assert map_leftovers(at) == []
    chosen = [int(i) for i in np.flatnonzero(labels == 6)[:7]] + [int(np.flatnonzero(labels == 0)[0])]
    at.session_state["evaluate_map"] = {
        "indices": chosen,
        "kind": "lasso",
        "token": map_args(at)["selection_token"],
    }
    at.run()
    assert not at.exception, at.exception
    assert "이미지 8개 선택됨: 셔츠 7개, 티셔츠/탑 1개 (실제 클래스 기준)." in texts(at)
    assert map_leftovers(at) == []


def test_missing_unavailable_and_damaged_features_in_korean(cnn):
    run, folder = cnn
    (folder / features.FEATURES_FILE).unlink(missing_ok=True)
    at = open_map_in_korean(run)
    assert "지도 기능이 생기기 전에 학습되어" in texts(at)
    assert at.button(key="evaluate_map_features_start").label == "특성 계산"
    assert map_leftovers(at) == []

    (folder / features.FEATURES_FILE).write_bytes(b"not a numpy file")
    at = open_map_in_korean(run)
    assert "이 실행의 특성을 읽을 수 없습니다" in texts(at) and "손상되었습니다" in texts(at)
    assert '지도에서 "특성 계산"을 누르거나' in texts(at)  # the core's hint, in Korean too
    assert at.button(key="evaluate_map_features_start").label == "특성 다시 계산"
    assert map_leftovers(at) == []

    (folder / features.FEATURES_FILE).unlink()
    (folder / "model.keras").unlink()
    at = open_map_in_korean(run)
    assert "이 실행에는 지도가 없습니다" in texts(at) and "model.keras 또는 model.skops" in texts(at)
    assert map_leftovers(at) == []


def write_job(folder: Path, **status) -> None:
    now = runs.now_iso()
    values = jobs.JobStatus(
        "features", pid=os.getpid(), host=socket.gethostname(), started_at=now, updated_at=now, **status
    ).to_dict()
    jobs.job_path(folder, "features").parent.mkdir(exist_ok=True)
    atomic_files.atomic_write_json(jobs.job_path(folder, "features"), values)


def test_the_feature_job_running_and_failed_in_korean(cnn):
    run, folder = cnn
    (folder / features.FEATURES_FILE).unlink(missing_ok=True)
    write_job(  # as the job writes it: its words key and values beside the English
        folder,
        state="running",
        progress=0.5,
        message="Computing features: 5,000 of 10,000 test images",
        message_key="plot.map.progress_features",
        message_values={"done": 5000, "total": 10000},
    )
    at = open_map_in_korean(run)
    assert at.get("progress")[0].proto.text == (
        "테스트 이미지의 특성 계산: 특성 계산 중: 테스트 이미지 10,000개 중 5,000개 (50%)"
    )
    assert map_leftovers(at) == []

    failure = features.FeaturesUnavailable("error.map.no_dense_layer", model="cnn")  # as the job wrote it
    key, values = jobs.describe_job_error(failure)
    write_job(folder, state="failed", error=str(failure), error_key=key, error_values=values)
    at = open_map_in_korean(run)
    assert "**지난 시도가 실패했습니다.** 모델 'cnn'의 최상위에 Dense 레이어가 없어서" in texts(at)
    assert map_leftovers(at) == []
