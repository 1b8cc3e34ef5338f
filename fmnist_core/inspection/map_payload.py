"""What the embedding map sends to the browser, and the sentences it prints; no Streamlit.

The sentences take ``t`` (English by default; the app passes its own) and the refusals are
:class:`MapError` (a :class:`~fmnist_core.words.CodedError`), so the app says them in Korean too.

Arrays travel as base64 strings inside the component's JSON arguments (float32 coordinates,
uint8 classes, probabilities as uint8 percent), which the browser decodes into typed arrays
without parsing 10,000 numbers.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmnist_core import words
from fmnist_core.data import CLASS_NAMES
from fmnist_core.inspection.projection import majority_class

# The colour modes (language-neutral values; `colour_mode_name` says them).
COLOUR_MODES = ("true", "predicted", "correct", "confidence")


class MapError(words.CodedError, ValueError):
    """The arrays of a map do not fit together; says what is wrong."""


def colour_mode_name(mode: str, t: words.Text = words.english) -> str:
    """The name of a colour mode ("True class") in ``t``'s language."""
    return t(f"plot.map.colour.{mode}")


def plural(class_name: str, t: words.Text = words.english) -> str:
    """The class name in the plural ("Pullovers", "Dresses"; Korean has no plural)."""
    if class_name not in CLASS_NAMES:
        return f"{class_name}s"
    return t(f"plot.map.plural.{CLASS_NAMES.index(class_name)}")


def encode(array: np.ndarray, dtype: str) -> str:
    """``array`` cast to ``dtype`` (little-endian, C order) as base64 text."""
    return base64.b64encode(
        np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    ).decode()


def decode(text: str, dtype: str, shape: Sequence[int]) -> np.ndarray:
    """The inverse of `encode` (used by the tests and the benchmark)."""
    return np.frombuffer(base64.b64decode(text), dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)


def percent(probabilities: np.ndarray) -> np.ndarray:
    """(N, 10) probabilities as whole percents 0..100 (uint8): enough for a hover's "87%"."""
    return np.clip(np.rint(np.asarray(probabilities, dtype=np.float64) * 100), 0, 100).astype(np.uint8)


@dataclass(frozen=True)
class MarkedPoint:
    """A point drawn as a star on the map (the user's drawing), with its hover text."""

    x: float
    y: float
    text: str


def points_payload(coordinates: np.ndarray, labels: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """The per-point arrays of one map and a key that changes exactly when they change.

    Args:
        coordinates: (N, 2) projected positions.
        labels: (N,) true classes.
        probabilities: (N, 10) the run's test probabilities.

    Raises:
        MapError: when the arrays do not describe the same N points.
    """
    coordinates = np.asarray(coordinates, dtype=np.float32)
    if coordinates.ndim != 2 or coordinates.shape[1] != 2:
        raise MapError("error.map.coordinates_shape", shape=coordinates.shape)
    count = len(coordinates)
    if len(labels) != count or np.shape(probabilities) != (count, len(CLASS_NAMES)):
        raise MapError(
            "error.map.points_mismatch", count=count, labels=len(labels), shape=np.shape(probabilities)
        )
    if not np.isfinite(coordinates).all():
        raise MapError("error.map.coordinates_not_finite")
    arrays = {
        "coordinates": encode(coordinates, "float32"),
        "labels": encode(labels, "uint8"),
        "predicted": encode(np.argmax(probabilities, axis=1), "uint8"),
        "percent": encode(percent(probabilities), "uint8"),
    }
    digest = hashlib.sha1("".join(arrays.values()).encode()).hexdigest()[:16]
    return {"count": count, "data_key": digest, **arrays}


def map_args(
    points: dict[str, Any],
    *,
    colour: str,
    highlight: np.ndarray | None = None,
    highlight_name: str = "Highlighted",
    fade: bool = True,
    marked: MarkedPoint | None = None,
    selection_token: int = 0,
    title: str = "",
) -> dict[str, Any]:
    """Every argument of one render of the component (`points` from `points_payload`).

    Args:
        points: From `points_payload`.
        colour: A key of `COLOUR_MODES`.
        highlight: Test indices drawn on top, bigger and outlined (e.g. a confusion cell).
        highlight_name: Their legend entry.
        fade: Fade the other points while some are highlighted.
        marked: A point drawn as a star (the user's drawing).
        selection_token: Changes when the map changes; the browser then clears its selection.
        title: The x axis title (may be empty).
    """
    if colour not in COLOUR_MODES:
        raise ValueError(f"unknown colour mode {colour!r}; one of {', '.join(COLOUR_MODES)}.")
    return {
        **points,
        "colour": colour,
        "class_names": list(CLASS_NAMES),
        "highlight": None if highlight is None else encode(highlight, "uint32"),
        "highlight_name": highlight_name,
        "fade": fade,  # whether the other points fade while some are highlighted
        "marked": None if marked is None else {"x": marked.x, "y": marked.y, "text": marked.text},
        "selection_token": selection_token,
        "title": title,
    }


def selected_indices(value: Any, token: int, count: int) -> np.ndarray | None:
    """The test indices of the component's selection, or None when there is none for ``token``.

    A value made before the map changed (another run, projection or colour) carries an older token
    and is ignored; indices outside 0..count-1 are dropped.
    """
    if not isinstance(value, dict) or value.get("token") != token or value.get("kind") == "clear":
        return None
    raw = value.get("indices")
    if not isinstance(raw, list):
        return None
    indices = np.unique(np.asarray([i for i in raw if isinstance(i, int)], dtype=np.int64))
    return indices[(indices >= 0) & (indices < count)]


def describe_selection(indices: np.ndarray, labels: np.ndarray, t: words.Text = words.english) -> str:
    """ "212 images selected: 140 Shirt, 50 T-shirt/top, ..." (true classes, largest first)."""
    counts = Counter(int(label) for label in labels[indices]).most_common()
    parts = ", ".join(
        t("plot.map.selected_part", number=number, name=words.Word(f"class.{label}"))
        for label, number in counts
    )
    key = "plot.map.selected_one" if len(indices) == 1 else "plot.map.selected_many"
    return t(key, count=len(indices), parts=parts)


def describe_neighbourhood(neighbour_labels: np.ndarray, t: words.Text = words.english) -> str:
    """ "Your drawing sits among the Pullovers (7 of its 10 nearest test images)"."""
    label, number = majority_class(neighbour_labels)
    return t(
        "plot.map.neighbourhood",
        classes=words.Word(f"plot.map.plural.{label}"),
        number=number,
        count=len(neighbour_labels),
    )


def sprite_png(images: np.ndarray, columns: int = 100) -> bytes:
    """The (N, 28, 28) uint8 images as one grayscale PNG grid, row-major, ``columns`` tiles wide:
    image i is the tile at column i % columns, row i // columns (the browser cuts tiles from it)."""
    from PIL import Image

    count, height, width = images.shape
    rows = -(-count // columns)
    grid = np.zeros((rows * height, columns * width), dtype=np.uint8)
    padded = np.zeros((rows * columns, height, width), dtype=np.uint8)
    padded[:count] = images
    grid[:] = padded.reshape(rows, columns, height, width).transpose(0, 2, 1, 3).reshape(grid.shape)
    buffer = io.BytesIO()
    Image.fromarray(grid, mode="L").save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
