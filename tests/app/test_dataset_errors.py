"""A missing or corrupt dataset gives a clear message in the app, never a traceback or training."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fmnist_core import data

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def corrupt_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every place the loader looks holds garbage or nothing (ask for runs to be seeded first)."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in data.FILES:
        (folder / f"{name}.gz").write_bytes(b"\x1f\x8b garbage")
    monkeypatch.setenv("FMNIST_DATA_DIR", str(folder))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.setattr(data, "DOWNLOAD_URL", "http://127.0.0.1:9/")  # refused at once, no network
    data.load_fashion_mnist.cache_clear()
    yield folder
    data.load_fashion_mnist.cache_clear()


# What each page does before it needs an image (the run to show is seeded as finished).
REACH_THE_IMAGES = {
    "pages/overview.py": lambda app: None,  # its sample grid
    "pages/evaluate.py": lambda app: None,  # the gallery of the newest run's mistakes
    "pages/draw.py": lambda app: app.button(key="draw_test_pick").click().run(),  # "Try a test image"
}


@pytest.mark.parametrize("page", list(REACH_THE_IMAGES))
def test_pages_show_the_dataset_fix_instead_of_a_traceback(
    seeded_artifacts: Path, corrupt_dataset: Path, page: str
):
    from fmnist_ui.shared import loaders

    loaders._load_dataset.clear()
    app = AppTest.from_file(str(ROOT / page), default_timeout=120).run()
    REACH_THE_IMAGES[page](app)
    assert not app.exception
    errors = " ".join(error.value for error in app.error)
    assert "dataset is not available" in errors, f"{page} never reached the dataset"
    assert str(corrupt_dataset) in errors  # where it looked
    assert "apt-get install dataset-fashion-mnist" in errors and "FMNIST_DATA_DIR" in errors  # the fix
    loaders._load_dataset.clear()


def test_training_on_a_corrupt_dataset_fails_with_the_fix(artifacts: Path, corrupt_dataset: Path):
    from fmnist_core.runs import runs
    from fmnist_core.training import TrainingConfig, run_worker

    config = TrainingConfig.for_model("softmax", epochs=1)
    record = run_worker(runs.create_run("softmax", config.to_dict(), artifacts))
    assert record.status == "failed"
    assert "cannot be decompressed" in record.error and "FMNIST_DATA_DIR" in record.error
    assert not (runs.run_path(record.id, artifacts) / "model.keras").exists()
