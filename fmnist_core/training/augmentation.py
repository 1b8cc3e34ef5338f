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
  ``DRAWING_SHARE``, replaced by a drawing of itself, in one of three styles (``STYLE_SHARES``):
  its filled silhouette (narrow gaps sometimes closed); a traced outline as the page fills it,
  which is the item fattened by half the pen's width (0.8-1.8 pixels for the page's pens); or the
  outline alone, drawn with a 1-3 pixel pen. Like ``preprocess_drawing``, each drawing is then
  re-framed (cropped to its ink, longest edge scaled to 28 pixels, centred), so a fattened item
  comes out slightly smaller, and softened by its blur. Drawings have a random grey level, and half
  are flipped left-right: people draw shoes pointing either way, while the dataset's all point
  left. Pure TensorFlow ops over the whole batch (about 2 s per epoch of 54,000 images on 2 cores;
  the photos left as they are).

TensorFlow is imported only when an augmentation is built, so importing this module stays cheap.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

AUGMENTATIONS = ("none", "shift_flip_zoom", "drawing")
SHIFT = 1 / 28  # of the height and width: whole-pixel shifts of at most 1 pixel
ZOOM = 0.05  # in and out, at most 1.4 pixels at the edge
DRAWING_SHARE = 0.3  # fraction of the training images replaced by a drawing of themselves
# Of those, the fractions drawn as a filled silhouette, a traced outline that the page fills, and
# an outline left open ("Fill outlines" off on the page).
STYLE_SHARES = (0.35, 0.45, 0.2)
PAD = 2  # pixels of room around the item for fattening and pens, before re-framing
INK_LEVEL = 0.05  # a pixel brighter than this belongs to the item (the background is 0)
GREY_RANGE = (0.6, 1.0)  # drawing brightness; canvas ink comes out at 1.0 after preprocessing
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
        draws = generator.uniform([6, tf.shape(batch)[0]])
        # Only the images to replace are drawn (gathered, then scattered back in place).
        chosen = tf.where(draws[5] < DRAWING_SHARE)[:, 0]
        draws = tf.unstack(tf.gather(draws, chosen, axis=1))
        # Images as channels, (1, 28, 28, B): TensorFlow's CPU pooling is vectorised over channels,
        # so every morphological step costs one op for the whole batch (4x faster than per image).
        images = tf.transpose(tf.gather(batch, chosen), [3, 1, 2, 0])
        silhouette = fill_texture_holes(tf, tf.cast(images > INK_LEVEL, tf.float32))
        # Room around the item, so a fattened item or a pen along the image's border stays whole.
        silhouette = tf.pad(silhouette, [[0, 0], [PAD, PAD], [PAD, PAD], [0, 0]])
        shape = drawn_shapes(tf, silhouette, draws[3], draws[0])
        grey = GREY_RANGE[0] + (GREY_RANGE[1] - GREY_RANGE[0]) * draws[1]
        drawn = reframe(tf, shape * grey, shape)
        # Back to one image per batch row (B, 28, 28, 1), which also holds an empty selection.
        drawn = tf.nn.conv2d(tf.transpose(drawn, [3, 1, 2, 0]), blur_kernel, 1, "SAME")
        drawn = tf.where(draws[4][:, None, None, None] < 0.5, tf.reverse(drawn, axis=[2]), drawn)
        drawn = tf.clip_by_value(drawn, 0.0, 1.0)
        return tf.tensor_scatter_nd_update(batch, chosen[:, None], drawn)

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


def drawn_shapes(tf: Any, silhouette: Any, style_draw: Any, size_draw: Any) -> Any:
    """The shape a person draws of each silhouette (1, H, W, B), as a 0/1 mask, by its draws.

    ``style_draw`` picks the style by ``STYLE_SHARES``; ``size_draw`` its variant:

    - filled silhouette: as it is (two thirds) or with gaps up to 2 pixels closed (the gap between
      trouser legs, that a person filling in the item may fill too);
    - traced outline that the page fills: the item grown by half the pen's width, which also closes
      gaps narrower than the pen. The page's three pens (16, 26 and 36 canvas pixels, 10 canvas
      pixels to a dataset pixel) grow it by 0.8, 1.3 and 1.8 pixels: a plus-shaped, a 3 x 3 and an
      octagonal (3 x 3, then plus-shaped) dilation;
    - open outline: the edge traced with a pen 1, 2 or 3 pixels wide; wider pens run on both sides
      of the edge, as a pen follows it on the canvas.

    The morphology is shared between the styles: each pooling runs once for the whole batch.
    """
    grown = _dilate(tf, silhouette, 1)
    shrunk = _erode(tf, silhouette, 1)
    filled = _choose(tf, [silhouette, silhouette, _erode(tf, grown, 1)], size_draw)
    traced = _choose(tf, [_dilate_plus(tf, silhouette), grown, _dilate_plus(tf, grown)], size_draw)
    outline = _choose(tf, [silhouette - shrunk, grown - shrunk, grown - _erode(tf, shrunk, 1)], size_draw)
    silhouette_end, traced_end = STYLE_SHARES[0], STYLE_SHARES[0] + STYLE_SHARES[1]
    return tf.where(style_draw < silhouette_end, filled, tf.where(style_draw < traced_end, traced, outline))


def reframe(tf: Any, ink: Any, shape: Any) -> Any:
    """``preprocess_drawing``'s framing of drawings (1, H, W, B): each cropped to its shape's
    bounding box (``shape`` > 0), its longest edge scaled to 28 pixels, centred; (1, 28, 28, B).

    One ``crop_and_resize`` over the batch with a square box per image, centred on the item:
    bilinear sampling at the centres of the 28 output pixels, so a box of 28 pixels is copied as it
    is and a larger one is shrunk. An empty image keeps the whole frame.
    """
    size = tf.shape(ink)[1]
    rows = tf.reduce_max(shape, axis=[0, 2])  # (H, B): does the row hold the item?
    cols = tf.reduce_max(shape, axis=[0, 1])
    top, bottom = _extent(tf, rows)
    left, right = _extent(tf, cols)
    side = tf.maximum(bottom - top, right - left) + 1.0
    centre_y, centre_x = (top + bottom) / 2.0, (left + right) / 2.0
    # Sample i of 28 lies at centre + (i + 0.5 - 14) * side / 28, in pixel coordinates.
    reach = (13.5 / 28.0) * side
    last = tf.cast(size - 1, tf.float32)
    boxes = tf.stack([centre_y - reach, centre_x - reach, centre_y + reach, centre_x + reach], axis=1) / last
    whole = tf.constant([[0.0, 0.0, 1.0, 1.0]])
    boxes = tf.where((tf.reduce_max(rows, axis=0) > 0)[:, None], boxes, whole)
    per_image = tf.transpose(ink, [3, 1, 2, 0])
    count = tf.shape(per_image)[0]
    framed = tf.image.crop_and_resize(per_image, boxes, tf.range(count), [28, 28], extrapolation_value=0.0)
    return tf.transpose(framed, [3, 1, 2, 0])


def _extent(tf: Any, present: Any) -> tuple[Any, Any]:
    """First and last index (float32, per column B) where ``present`` (N, B) is positive."""
    hits = tf.cast(present > 0, tf.int32)
    first = tf.argmax(hits, axis=0, output_type=tf.int32)
    last = tf.shape(present)[0] - 1 - tf.argmax(tf.reverse(hits, axis=[0]), axis=0, output_type=tf.int32)
    return tf.cast(first, tf.float32), tf.cast(last, tf.float32)


def _dilate(tf: Any, masks: Any, radius: int) -> Any:
    return tf.nn.max_pool2d(masks, 2 * radius + 1, 1, "SAME")


def _dilate_plus(tf: Any, masks: Any) -> Any:
    """Dilation by a plus-shaped 3 x 3 element: the item one pixel wider along rows and columns."""
    return tf.maximum(tf.nn.max_pool2d(masks, [3, 1], 1, "SAME"), tf.nn.max_pool2d(masks, [1, 3], 1, "SAME"))


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
    """A 5 x 5 gaussian kernel (5, 5, 1, 1): ``scipy.ndimage.gaussian_filter``'s at sigma 0.5."""
    offsets = tf.range(-2, 3, dtype=tf.float32)
    weights = tf.exp(-(offsets**2) / (2.0 * sigma**2))
    weights /= tf.reduce_sum(weights)
    return tf.reshape(weights[:, None] * weights[None, :], [5, 5, 1, 1])
