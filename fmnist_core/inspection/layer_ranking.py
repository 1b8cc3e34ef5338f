"""The test images that excite each channel of a model's feature maps most: its top 9.

A channel's excitement by an image is its mean activation (over the map's height and width). One
pass over the images through the feature-map probe keeps only a running top 9 per channel, so memory
stays bounded. The result is computed once per run, in a background job (``top9``), and stored in
the run folder as ``layers_top9.npz``; the Layers page reads it.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core.atomic_files import atomic_write_bytes
from fmnist_core.words import CodedError

TOP_K = 9
TOP9_FILE = "layers_top9.npz"
JOB_NAME = "top9"
RANK_BATCH = 500  # images per model call: one multi-output call gives every layer's maps
# The job's progress messages (English in its status file; the app recognises them to translate them)


class RankingDamaged(CodedError, ValueError):
    """The stored ranking cannot be read: compute it again."""


@dataclass(frozen=True)
class ChannelTops:
    """The top images of every channel of some layers.

    Attributes:
        names: The layers, in model order.
        indices: Per layer, (channels, k) image indices, most excited first.
        values: Per layer, (channels, k) mean activations, largest first.
        seconds: How long the ranking took.
    """

    names: tuple[str, ...]
    indices: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]
    seconds: float = 0.0

    def top(self, layer: str, channel: int) -> tuple[np.ndarray, np.ndarray]:
        """Image indices and mean activations of one channel, most excited first."""
        position = self.names.index(layer)
        return self.indices[position][channel], self.values[position][channel]


def _merge(
    best_values: np.ndarray, best_indices: np.ndarray, values: np.ndarray, indices: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k largest of (channels, m) current bests and (channels, n) new values, per channel, sorted.

    Ties keep the lower image index first (a stable sort on indices that arrive in order).
    """
    all_values = np.concatenate([best_values, values], axis=1)
    all_indices = np.concatenate([best_indices, indices], axis=1)
    order = np.argsort(-all_values, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(all_values, order, 1), np.take_along_axis(all_indices, order, 1)


def rank_channels(
    probe: Any, images: np.ndarray, k: int = TOP_K, batch_size: int = RANK_BATCH, on_batch: Any = None
) -> ChannelTops:
    """The k images with the largest mean activation, for every channel of every probed layer.

    Args:
        probe: A `fmnist_core.inspection.layers.LayerProbe` whose layers output (height, width, channels).
        images: (N, 28, 28) float32 in [0, 1]; indices in the result refer to this array.
        k: How many images per channel.
        batch_size: Images per model call.
        on_batch: Called with the number of images done after every batch (progress).
    """
    started = time.perf_counter()
    channels = [shape[-1] for shape in probe.shapes]
    best_values = [np.full((c, 0), -np.inf, np.float32) for c in channels]
    best_indices = [np.zeros((c, 0), np.int64) for c in channels]
    for start in range(0, len(images), batch_size):
        outputs = probe.outputs(images[start : start + batch_size])
        for i, output in enumerate(outputs):
            means = output.reshape(len(output), -1, output.shape[-1]).mean(axis=1).T  # (channels, batch)
            new_indices = np.broadcast_to(np.arange(start, start + len(output)), means.shape)
            best_values[i], best_indices[i] = _merge(best_values[i], best_indices[i], means, new_indices, k)
        if on_batch:
            on_batch(min(start + batch_size, len(images)))
    return ChannelTops(probe.names, tuple(best_indices), tuple(best_values), time.perf_counter() - started)


def save_tops(folder: Path, tops: ChannelTops) -> Path:
    """Writes the ranking into the run folder (atomically); returns the file's path."""
    arrays: dict[str, np.ndarray] = {"names": np.array(tops.names), "seconds": np.array(tops.seconds)}
    for i, (indices, values) in enumerate(zip(tops.indices, tops.values, strict=True)):
        arrays[f"indices_{i}"], arrays[f"values_{i}"] = indices.astype(np.int32), values
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path = folder / TOP9_FILE
    atomic_write_bytes(path, buffer.getvalue())
    return path


def load_tops(folder: Path) -> ChannelTops | None:
    """The stored ranking of a run, or None when it has not been computed yet.

    Raises:
        RankingDamaged: When the file is damaged (compute it again); a ValueError.
    """
    path = folder / TOP9_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            names = tuple(str(name) for name in stored["names"])
            indices = tuple(stored[f"indices_{i}"].astype(np.int64) for i in range(len(names)))
            values = tuple(stored[f"values_{i}"] for i in range(len(names)))
            seconds = float(stored["seconds"])
    except Exception as error:  # a truncated or foreign file: any reader error
        raise RankingDamaged("error.layers.top9_damaged", file=path.name, error=str(error)) from error
    return ChannelTops(names, indices, values, seconds)


def run_top9(folder: Path, report: Any) -> None:
    """The body of the ``top9`` background job (`fmnist_core.runs.jobs.run_job`): ranks and stores."""
    report(0.0, "job.top9.loading")
    compute_and_save(
        folder, lambda done, total: report(done / total, "job.top9.ranked", done=done, total=total)
    )


def compute_and_save(folder: Path, on_progress: Any = None) -> ChannelTops:
    """Ranks every feature-map channel of the run in ``folder`` over the whole test set and stores it.

    Args:
        folder: A finished Keras run's folder.
        on_progress: Called with (images done, images in all) after every batch.
    """
    from fmnist_core.data import load_fashion_mnist, to_model_input
    from fmnist_core.inspection import layers
    from fmnist_core.models.inference import load_run_model

    probe = layers.map_probe(load_run_model(folder))
    images = to_model_input(load_fashion_mnist().x_test)
    total = len(images)
    tops = rank_channels(
        probe, images, on_batch=(lambda done: on_progress(done, total)) if on_progress else None
    )
    save_tops(folder, tops)
    return tops
