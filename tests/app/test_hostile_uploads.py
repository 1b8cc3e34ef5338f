"""Every hostile or broken model upload gets a clear message on the Runs page and leaves no run."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fmnist_core.runs import runs
from tests.app.test_runs import open_runs_page
from tests.core.test_model_files import EDITS, rewrite_config
from tests.core.test_model_files import models as models  # the module-scoped fixture


def zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", '{"class_name": "Sequential"}')
        with archive.open("model.weights.h5", "w") as member:
            for _ in range(300):
                member.write(bytes(1_000_000))  # 300 MB of zeros in a few hundred kB
    return path


def build_upload(case: str, models: dict[str, Path], tmp_path: Path) -> bytes:
    marker = models["marker"]
    builders = {
        "lambda layer": lambda: models["lambda"],
        "os.system in config": lambda: rewrite_config(
            models["softmax"], tmp_path / "e.keras", lambda c: EDITS["os.system"][0](c, marker)
        ),
        "keras.config function": lambda: rewrite_config(
            models["softmax"],
            tmp_path / "e.keras",
            lambda c: EDITS["enable_unsafe_deserialization"][0](c, marker),
        ),
        "zip bomb": lambda: zip_bomb(tmp_path / "bomb.keras"),
        "wrong input shape": lambda: models["rgb32"],
        "wrong output count": lambda: models["five_outputs"],
    }
    if case == "hdf5 renamed":
        return b"\x89HDF\r\n\x1a\n" + bytes(2048)
    if case == "truncated zip":
        data = models["softmax"].read_bytes()
        return data[: len(data) // 2]
    return builders[case]().read_bytes()


CASES = {
    "lambda layer": "Lambda layer",
    "os.system in config": "not part of Keras",
    "keras.config function": "Keras utility",
    "hdf5 renamed": "HDF5",
    "zip bomb": "unpacks to 300 MB",
    "truncated zip": "zip",
    "wrong input shape": "28x28 grayscale",
    "wrong output count": "10 classes",
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_upload_is_refused_with_a_message_and_no_run(
    seeded_artifacts: Path, models: dict[str, Path], tmp_path: Path, case: str
) -> None:
    before = sorted(path.name for path in runs.runs_dir().iterdir())
    at = open_runs_page()
    at.file_uploader[0].upload("model.keras", build_upload(case, models, tmp_path))
    at.run()
    at.button(key="runs_import").click().run()
    assert not at.exception
    messages = " ".join(error.value for error in at.error)
    assert CASES[case] in messages, messages
    assert sorted(path.name for path in runs.runs_dir().iterdir()) == before  # no run, no staging left
    assert not models["marker"].exists()  # the Lambda's code never ran
