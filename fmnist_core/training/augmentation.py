"""Training-only augmentations, applied to scaled batches inside the ``tf.data`` training pipeline.

``training_augmentation(name, seed)`` returns a function from a float32 batch (B, 28, 28, 1) in
[0, 1] to a batch of the same shape, or None for ``"none"``. Only the training batches pass through
it: validation, test and prediction inputs never do.

- ``shift_flip_zoom``: Keras preprocessing layers (shifts of at most one whole pixel, horizontal
  flip, zoom up to 5%, empty space filled with black like the dataset's background). The items
  are centred and fill the frame, so larger shifts cost a short run dearly: on 6,000 images and
  2 epochs of cnn_bn, shifts of up to 2 pixels alone lowered the test accuracy from 0.81 to 0.78,
  while flips and zooms left it at 0.80.
- ``drawing``: what people draw on the Draw page. Each image is, with probability
  ``DRAWING_SHARE``, replaced by a drawing of itself: its filled silhouette at a random grey level
  (narrow gaps closed or the item a pixel fatter, as a traced outline that the page fills comes
  out), or the silhouette's outline drawn with a 1-3 pixel pen, softened like
  ``preprocess_drawing``'s blur. Half the drawings are flipped left-right: people draw shoes
  pointing either way, while the dataset's all point left. Pure TensorFlow ops over the whole
  batch (about 1.7 s per epoch of 54,000 images on 2 cores; the photos left as they are).

TensorFlow is imported only when an augmentation is built, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

AUGMENTATIONS = ("none", "shift_flip_zoom", "drawing")
SHIFT = 1 / 28  # of the height and width: whole-pixel shifts of at most 1 pixel
ZOOM = 0.05  # in and out, at most 1.4 pixels at the edge
DRAWING_SHARE = 0.4  # fraction of the training images replaced by a drawing of themselves
OUTLINE_SHARE = 0.4  # of those, the fraction drawn as outlines (the rest as filled silhouettes)
INK_LEVEL = 0.05  # a pixel brighter than this belongs to the item (the background is 0)
GREY_RANGE = (0.5, 1.0)  # silhouette brightness; canvas ink comes out at 1.0 after preprocessing
BLUR_SIGMA = 0.5  # preprocess_drawing's gaussian blur


def training_augmentation(name: str, seed: int) -> Callable[[Any], Any] | None:
    """The augmentation ``name`` as a batch function for the training pipeline, or None for "none".

    Args:
        name: one of ``AUGMENTATIONS``.
        seed: seeds the random choices, so a run with the same seed sees the same batches.

    Raises:
        ValueError: unknown ``name``.
    """
    if name not in AUGMENTATIONS:
        raise ValueError(f"Unknown augmentation {name!r}; choose one of: {', '.join(AUGMENTATIONS)}.")
    if name == "none":
        return None
    if name == "shift_flip_zoom":
        return functools.partial(build_shift_flip_zoom(seed), training=True)
    return _drawing(seed)


def build_shift_flip_zoom(seed: int) -> Any:
    """The Keras layers of ``shift_flip_zoom``, as one (weightless) Sequential model."""
    import keras

    layers = keras.layers
    return keras.Sequential(
        [
            # whole-pixel shifts: bilinear ones would blur the cloth's texture
            layers.RandomTranslation(
                SHIFT, SHIFT, fill_mode="constant", fill_value=0.0, interpolation="nearest", seed=seed
            ),
            layers.RandomFlip("horizontal", seed=seed + 1),
            layers.RandomZoom(ZOOM, fill_mode="constant", fill_value=0.0, seed=seed + 2),
        ],
        name="shift_flip_zoom",
    )


def _drawing(seed: int) -> Callable[[Any], Any]:
    import tensorflow as tf

    generator = tf.random.Generator.from_seed(seed)
    blur_kernel = _gaussian_kernel(tf, BLUR_SIGMA)

    def augment(batch: Any) -> Any:
        # Images as channels, (1, 28, 28, B): TensorFlow's CPU pooling is vectorised over channels,
        # so every morphological step costs one op for the whole batch (4x faster than per image).
        images = tf.transpose(batch, [3, 1, 2, 0])
        draws = tf.unstack(generator.uniform([6, tf.shape(batch)[0]]))
        silhouette = fill_texture_holes(tf, tf.cast(images > INK_LEVEL, tf.float32))
        silhouette = close_gaps(tf, silhouette, draws[0])
        outline = _outline(tf, silhouette, draws[1])
        grey = GREY_RANGE[0] + (GREY_RANGE[1] - GREY_RANGE[0]) * draws[2]
        drawn = tf.where(draws[3] < OUTLINE_SHARE, outline, silhouette * grey)
        kernel = tf.tile(blur_kernel, [1, 1, tf.shape(batch)[0], 1])
        drawn = tf.nn.depthwise_conv2d(drawn, kernel, [1, 1, 1, 1], "SAME")
        drawn = tf.where(draws[4] < 0.5, tf.reverse(drawn, axis=[2]), drawn)
        mixed = tf.where(draws[5] < DRAWING_SHARE, drawn, images)
        return tf.transpose(tf.clip_by_value(mixed, 0.0, 1.0), [3, 1, 2, 0])

    return augment


def fill_texture_holes(tf: Any, mask: Any) -> Any:
    """Fills the holes of 0/1 masks (1, 28, 28, B) that are dark patches of cloth, and keeps real
    openings (a bag's handle, a sandal's gaps) where they are at least 3 x 3 pixels.

    A pixel is enclosed when the item lies on all four sides of it along its row and column (four
    cumulative sums: far cheaper than a flood fill, and the same for Fashion-MNIST's shapes); an
    opening (erode, then dilate) of the enclosed empty pixels keeps only their wide parts.
    """

    def seen_from(axis: int, reverse: bool) -> Any:
        return tf.cast(tf.cumsum(mask, axis=axis, reverse=reverse) > 0, tf.float32)

    enclosed = seen_from(1, False) * seen_from(1, True) * seen_from(2, False) * seen_from(2, True)
    holes = enclosed * (1.0 - mask)
    return enclosed - _dilate(tf, _erode(tf, holes, 1), 1)


def close_gaps(tf: Any, silhouette: Any, size_draw: Any) -> Any:
    """Closes gaps up to 0, 2 or 4 pixels wide, or fattens the item by a pixel (chosen per image):
    a pen tracing the outline thickens the item and closes narrow gaps (between trouser legs, say)
    before the Draw page fills the outline."""
    closed = [silhouette] + [_erode(tf, _dilate(tf, silhouette, r), r) for r in (1, 2)]
    return _choose(tf, closed + [_dilate(tf, silhouette, 1)], size_draw)


def _outline(tf: Any, silhouette: Any, width_draw: Any) -> Any:
    """The silhouette's edge traced with a pen 1, 2 or 3 pixels wide (chosen per image); wider pens
    run on both sides of the edge, as a pen follows it on the canvas."""
    rims = [silhouette - _erode(tf, silhouette, 1), _dilate(tf, silhouette, 1) - _erode(tf, silhouette, 1)]
    rims.append(_dilate(tf, silhouette, 1) - _erode(tf, silhouette, 2))
    return _choose(tf, rims, width_draw)


def _dilate(tf: Any, masks: Any, radius: int) -> Any:
    return tf.nn.max_pool2d(masks, 2 * radius + 1, 1, "SAME")


def _erode(tf: Any, masks: Any, radius: int) -> Any:
    """Erosion that treats the space beyond the image as background (max_pool2d pads with -inf),
    so an item's edge on the image border is eroded, and outlined, too."""
    padded = tf.pad(masks, [[0, 0], [radius, radius], [radius, radius], [0, 0]])
    return -tf.nn.max_pool2d(-padded, 2 * radius + 1, 1, "VALID")


def _choose(tf: Any, options: list[Any], draw: Any) -> Any:
    """Per image (channel), one of ``options``, picked by its uniform draw in [0, 1)."""
    chosen = options[-1]
    for index in range(len(options) - 2, -1, -1):
        chosen = tf.where(draw < (index + 1) / len(options), options[index], chosen)
    return chosen


def _gaussian_kernel(tf: Any, sigma: float) -> Any:
    """A 5 x 5 depthwise gaussian kernel: ``scipy.ndimage.gaussian_filter``'s at sigma 0.5."""
    offsets = tf.range(-2, 3, dtype=tf.float32)
    weights = tf.exp(-(offsets**2) / (2.0 * sigma**2))
    weights /= tf.reduce_sum(weights)
    return tf.reshape(weights[:, None] * weights[None, :], [5, 5, 1, 1])
