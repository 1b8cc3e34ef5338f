"""Locate, verify and load Fashion-MNIST.

The four IDX files are looked up in order: ``$FMNIST_DATA_DIR``, the Debian package
``dataset-fashion-mnist``, the Keras cache, and only then downloaded with Keras. Every file is
verified against the sha256 of its decompressed bytes, because Debian re-gzipped the files and
Keras' own loader trusts whatever is cached.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fmnist_core.words import CodedError, Word, class_names

CLASS_NAMES: tuple[str, ...] = tuple(class_names())  # in label order; their English is in words_en.toml
NUM_CLASSES = len(CLASS_NAMES)
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
DOWNLOAD_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


@dataclass(frozen=True)
class IdxFile:
    name: str
    sha256: str
    num_bytes: int
    magic: int
    shape: tuple[int, ...]


FILES: dict[str, IdxFile] = {
    f.name: f
    for f in (
        IdxFile(
            "train-images-idx3-ubyte",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            47_040_016,
            2051,
            (60_000, 28, 28),
        ),
        IdxFile(
            "train-labels-idx1-ubyte",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            60_008,
            2049,
            (60_000,),
        ),
        IdxFile(
            "t10k-images-idx3-ubyte",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            7_840_016,
            2051,
            (10_000, 28, 28),
        ),
        IdxFile(
            "t10k-labels-idx1-ubyte",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            10_008,
            2049,
            (10_000,),
        ),
    )
}
NUM_TRAIN_IMAGES = FILES["train-labels-idx1-ubyte"].shape[0]
FIX_HINT = Word("error.run.dataset_fix")  # install the Debian package, or set FMNIST_DATA_DIR


class DatasetError(CodedError, RuntimeError):
    """The dataset could not be found or failed verification."""


@dataclass(frozen=True)
class FashionMNIST:
    """The dataset as read-only uint8 arrays."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 pixels -> float32 in [0, 1], the scaling every model trains and predicts with.

    Args:
        images: uint8 images of any shape, e.g. (N, 28, 28) or one (28, 28) image.
    """
    return images.astype(np.float32) / 255.0


def candidate_dirs() -> list[Path]:
    """Folders searched for the IDX files, in order."""
    dirs = []
    if os.environ.get("FMNIST_DATA_DIR"):
        dirs.append(Path(os.environ["FMNIST_DATA_DIR"]))
    dirs.append(DEBIAN_DIR)
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    dirs.append(keras_home / "datasets" / "fashion-mnist")
    return dirs


def parse_idx(raw: bytes, spec: IdxFile) -> np.ndarray:
    """Verifies one decompressed IDX file and returns its contents as a read-only array."""
    if len(raw) != spec.num_bytes:
        raise ValueError(f"has {len(raw):,} bytes, expected {spec.num_bytes:,} (truncated?)")
    magic = int.from_bytes(raw[:4], "big")
    if magic != spec.magic:
        raise ValueError(f"has IDX magic number {magic}, expected {spec.magic}")
    header = 4 + 4 * len(spec.shape)
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(len(spec.shape)))
    if dims != spec.shape:
        raise ValueError(f"has dimensions {dims}, expected {spec.shape}")
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise ValueError(f"has sha256 {digest[:12]}..., expected {spec.sha256[:12]}... (corrupt)")
    array = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(spec.shape)
    array.flags.writeable = False
    return array


def read_idx(folder: Path, spec: IdxFile) -> np.ndarray:
    """Reads ``spec`` from ``folder`` (``.gz`` or raw); raises FileNotFoundError or ValueError."""
    for path in (folder / f"{spec.name}.gz", folder / spec.name):
        if path.is_file():
            try:
                raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise ValueError(f"{path} cannot be decompressed ({exc})") from exc
            try:
                return parse_idx(raw, spec)
            except ValueError as exc:
                raise ValueError(f"{path} {exc}") from exc
    raise FileNotFoundError(f"{folder / spec.name}[.gz] not found")


def read_folder(folder: Path) -> FashionMNIST:
    """Reads and verifies all four files from one folder."""
    arrays = [read_idx(folder, spec) for spec in FILES.values()]
    return FashionMNIST(*arrays)


def download_to_keras_cache() -> Path:
    """Downloads the four files with Keras into the Keras cache; returns that folder."""
    from keras.utils import get_file  # heavy import, only for the last resort

    for name in FILES:
        get_file(f"{name}.gz", origin=DOWNLOAD_URL + f"{name}.gz", cache_subdir="datasets/fashion-mnist")
    return candidate_dirs()[-1]


@functools.cache
def load_fashion_mnist(download: bool = True) -> FashionMNIST:
    """Finds, verifies and loads Fashion-MNIST.

    Args:
        download: whether to download with Keras when no local copy is found.

    Returns:
        Read-only uint8 arrays; images (N, 28, 28), labels (N,). Cached per process.

    Raises:
        DatasetError: naming every place looked at, what was wrong there, and the fix.
    """
    problems = []
    for folder in candidate_dirs():
        try:
            return read_folder(folder)
        except (FileNotFoundError, ValueError) as exc:
            problems.append(f"- {folder}: {exc}")
    if download:
        try:
            return read_folder(download_to_keras_cache())
        except Exception as exc:  # network, disk or verification: all reported the same way
            problems.append(f"- download from {DOWNLOAD_URL}: {exc}")
    raise DatasetError("error.run.dataset", problems="\n".join(problems), fix=FIX_HINT)


def dataset_fingerprint() -> dict[str, str]:
    """The decompressed sha256 of each file (they are verified on load, so this is constant)."""
    return {name: spec.sha256 for name, spec in FILES.items()}
