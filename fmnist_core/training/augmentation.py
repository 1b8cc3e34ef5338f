"""Random changes to training batches, applied only inside the training pipeline.

``training_augmentation`` returns a function that ``keras_backend.make_dataset`` maps over the
training batches (float32, (B, 28, 28, 1), in [0, 1]); validation, test and prediction inputs never
pass through it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AUGMENTATIONS = ("none", "shift_flip_zoom", "drawing")
SHIFT = 0.1  # fraction of the image height and width
ZOOM = 0.1  # fraction of the image size, in and out


def shift_flip_zoom(seed: int) -> Any:
    """Small random shifts, horizontal flips and zooms, as Keras preprocessing layers."""
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            layers.RandomTranslation(SHIFT, SHIFT, fill_mode="constant", seed=seed),
            layers.RandomFlip("horizontal", seed=seed + 1),
            layers.RandomZoom(ZOOM, fill_mode="constant", seed=seed + 2),
        ],
        name="shift_flip_zoom",
    )


def training_augmentation(name: str, seed: int) -> Callable[[Any], Any] | None:
    """The augmentation ``name`` (one of AUGMENTATIONS) as a batch function; None for "none"."""
    if name == "none":
        return None
    if name == "shift_flip_zoom":
        layers = shift_flip_zoom(seed)
        return lambda batch: layers(batch, training=True)
    raise ValueError(f"Unknown augmentation {name!r}; known: {', '.join(AUGMENTATIONS)}.")
