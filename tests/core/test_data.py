import gzip
from pathlib import Path

import numpy as np
import pytest

from fmnist_core import data


@pytest.fixture
def no_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Points every search place at empty folders; returns the FMNIST_DATA_DIR folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("FMNIST_DATA_DIR", str(folder))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "debian")
    data.load_fashion_mnist.cache_clear()
    yield folder
    data.load_fashion_mnist.cache_clear()


def idx_bytes(magic: int, dims: tuple[int, ...], payload: bytes) -> bytes:
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + payload


def test_real_dataset_loads_verified_and_read_only():
    dataset = data.load_fashion_mnist(download=False)
    assert dataset.x_train.shape == (60_000, 28, 28) and dataset.x_test.shape == (10_000, 28, 28)
    assert dataset.x_train.dtype == np.uint8
    assert np.bincount(dataset.y_test).tolist() == [1000] * 10
    with pytest.raises(ValueError):
        dataset.x_train[0, 0, 0] = 1
    assert len(data.CLASS_NAMES) == 10 and data.CLASS_NAMES[6] == "Shirt"


def test_truncated_file_is_refused():
    spec = data.FILES["t10k-labels-idx1-ubyte"]
    raw = idx_bytes(2049, (10_000,), bytes(5_000))
    with pytest.raises(ValueError, match="truncated"):
        data.parse_idx(raw, spec)


def test_wrong_magic_is_refused():
    spec = data.FILES["t10k-labels-idx1-ubyte"]
    raw = idx_bytes(2051, (10_000,), bytes(10_000))
    with pytest.raises(ValueError, match="magic number 2051, expected 2049"):
        data.parse_idx(raw, spec)


def test_right_shape_but_corrupt_bytes_fail_the_checksum():
    spec = data.FILES["t10k-labels-idx1-ubyte"]
    raw = idx_bytes(2049, (10_000,), bytes(10_000))
    with pytest.raises(ValueError, match="sha256"):
        data.parse_idx(raw, spec)


def test_good_files_in_data_dir_are_used_gzipped_or_not(no_dataset: Path):
    for name in data.FILES:
        raw = gzip.decompress((Path("/usr/share/datasets/fashion-mnist") / f"{name}.gz").read_bytes())
        if name.startswith("train"):
            (no_dataset / f"{name}.gz").write_bytes(gzip.compress(raw, compresslevel=1))
        else:
            (no_dataset / name).write_bytes(raw)
    dataset = data.load_fashion_mnist(download=False)
    assert dataset.y_train.shape == (60_000,)


def test_missing_dataset_error_names_every_place_and_the_fix(no_dataset: Path):
    (no_dataset / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip")
    with pytest.raises(data.DatasetError) as error:
        data.load_fashion_mnist(download=False)
    message = str(error.value)
    for folder in data.candidate_dirs():
        assert str(folder) in message
    assert "apt-get install dataset-fashion-mnist" in message and "FMNIST_DATA_DIR" in message
