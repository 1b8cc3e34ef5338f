"""A background job's file holds words keys and values; pages say them in the user's language."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fmnist_core import words
from fmnist_core.inspection import features
from fmnist_core.runs import jobs
from fmnist_ui.shared import i18n, job_words


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "ko")


def test_progress_and_done_are_said_in_korean(tmp_path: Path, korean) -> None:
    seen = []

    def body(report) -> None:
        report(0.15, "job.top9.ranked", done=1500, total=10000)
        seen.append(jobs.read_job(tmp_path, "top9"))

    assert jobs.run_job(tmp_path, "top9", body) == 0
    assert job_words.job_message(seen[0]) == "테스트 이미지 10,000장 중 1,500장 완료"
    assert job_words.job_message(jobs.read_job(tmp_path, "top9")) == "완료"


def test_a_coded_failure_and_its_nested_reason_are_said_in_korean(tmp_path: Path, korean) -> None:
    def no_model(report) -> None:
        features.compute_run_features(tmp_path)

    assert jobs.run_job(tmp_path, "features", no_model) == 1
    status = jobs.job_status(tmp_path, "features")
    said = job_words.job_error(status)
    assert (
        said == words.fill(i18n.catalog("ko"), status.error_key, status.error_values) and said != status.error
    )
    assert "저장된 모델" in said and "no saved model" in status.error


def test_nested_reasons_and_words_survive_the_file() -> None:
    reason = words.CodedError("error.job.damaged", job="umap", why=words.Word("error.model_file.no_details"))
    values = words.to_json_values({"reason": reason, "shape": (3, 4), "count": 2})
    again = words.from_json_values(json.loads(json.dumps(values)))
    assert isinstance(again["reason"], words.CodedError) and again["reason"].code == "error.job.damaged"
    assert isinstance(again["reason"].values["why"], words.Word) and again["shape"] == "(3, 4)"


def test_a_gone_job_and_a_file_of_an_older_version(tmp_path: Path, korean) -> None:
    gone = jobs.failed("features", jobs.GONE)
    assert job_words.job_error(gone).startswith("작업이 예기치 않게 멈췄습니다")
    older = jobs.JobStatus("features", "failed", message="Loading", error="Something in English")
    assert job_words.job_error(older) == "Something in English" and job_words.job_message(older) == "Loading"
