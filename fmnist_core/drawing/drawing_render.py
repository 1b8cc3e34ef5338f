"""Canvas drawings of dataset images, to measure how well a model understands drawings.

From a 28 x 28 dataset image this draws what a person would draw on the Draw page's canvas: black
ink on a white 336 x 336 canvas, either the item's filled silhouette or its outline traced with a
pen, and turns that into the model input exactly as the page does (``preprocess_drawing`` with
"Fill outlines" on, its default). Written with numpy, scipy and Pillow, independently of the
TensorFlow training augmentation, so a benchmark on these drawings does not grade the augmentation
with itself. Deterministic: the same image gives the same drawing.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from fmnist_core.drawing.drawing import preprocess_drawing

CANVAS_SIZE = 336  # the Draw page's canvas (fmnist_ui.draw.canvas.CANVAS_SIZE)
DRAWING_SIZE = 280  # the drawing's longest edge on the canvas, leaving a margin like a person does
ITEM_LEVEL = 8  # a dataset pixel brighter than this (of 255) is part of the item
# Holes smaller than this share of the item are texture (dark patches of cloth) and are drawn
# filled; larger ones (a bag's handle, the gaps between a sandal's straps) are left open.
TEXTURE_HOLE = 0.04
# Pen widths in canvas pixels for outlines, used in turn: thin, the page's default brush, thick.
PEN_WIDTHS = (16, 26, 36)
STYLES = ("silhouette", "outline")


def item_mask(image: np.ndarray) -> np.ndarray:
    """The item's silhouette at canvas scale (bool, DRAWING_SIZE x DRAWING_SIZE).

    The dataset image is enlarged smoothly before thresholding, so the silhouette has the smooth
    edges of a drawn shape rather than 10-pixel steps.
    """
    image = np.asarray(image)
    if image.shape != (28, 28) or image.dtype != np.uint8:
        raise ValueError(f"Expected a (28, 28) uint8 dataset image, got {image.shape} {image.dtype}.")
    enlarged = Image.fromarray(image).resize((DRAWING_SIZE, DRAWING_SIZE), Image.Resampling.BICUBIC)
    mask = np.asarray(enlarged) > ITEM_LEVEL
    filled = ndimage.binary_fill_holes(mask)
    labels, count = ndimage.label(filled & ~mask)
    if count:
        areas = ndimage.sum_labels(np.ones_like(labels), labels, index=np.arange(1, count + 1))
        small = np.flatnonzero(areas < TEXTURE_HOLE * filled.sum()) + 1
        mask = mask | np.isin(labels, small)
    return mask


def draw_on_canvas(mask: np.ndarray, style: str, pen_width: int = 26, mirrored: bool = False) -> np.ndarray:
    """The canvas image (CANVAS_SIZE x CANVAS_SIZE x 4 uint8 RGBA, black on white) of a silhouette.

    Args:
        mask: the item's silhouette at canvas scale, as from `item_mask`.
        style: "silhouette" fills it; "outline" traces its edges (holes' edges too) with the pen.
        pen_width: the outline's pen width in canvas pixels, centred on the edge.
        mirrored: draw it pointing the other way (left-right flipped).
    """
    if style not in STYLES:
        raise ValueError(f"Unknown drawing style {style!r}; choose one of: {', '.join(STYLES)}.")
    if style == "outline":
        # Room around the item, so its edges along the mask's border are traced (and closed) too.
        mask = np.pad(mask, pen_width // 2 + 1)
        inside = ndimage.distance_transform_edt(mask)
        outside = ndimage.distance_transform_edt(~mask)
        ink = np.where(mask, inside, outside) <= pen_width / 2
    else:
        ink = mask
    if mirrored:
        ink = ink[:, ::-1]
    canvas = np.full((CANVAS_SIZE, CANVAS_SIZE, 4), 255, dtype=np.uint8)
    top, left = ((CANVAS_SIZE - side) // 2 for side in ink.shape)
    region = canvas[top : top + ink.shape[0], left : left + ink.shape[1], :3]
    region[ink] = 0
    return canvas


def render_drawing(
    image: np.ndarray, style: str, index: int = 0, mirrored: bool = False, fill_outlines: bool = True
) -> np.ndarray:
    """The model input (28 x 28 float32 in [0, 1]) for a drawing of ``image`` made on the Draw page.

    Args:
        image: a (28, 28) uint8 dataset image.
        style: "silhouette" or "outline".
        index: picks the outline's pen width from PEN_WIDTHS in turn (the image's index in a set).
        mirrored: the drawing points the other way.
        fill_outlines: the page's "Fill outlines" checkbox (on by default).
    """
    canvas = draw_on_canvas(item_mask(image), style, PEN_WIDTHS[index % len(PEN_WIDTHS)], mirrored)
    result = preprocess_drawing(canvas, fill_holes=fill_outlines)
    if result is None:  # only an image with (almost) no item pixels; Fashion-MNIST has none
        return np.zeros((28, 28), dtype=np.float32)
    return result


def render_drawings(images: np.ndarray, style: str, **options: bool) -> np.ndarray:
    """`render_drawing` of every image: (N, 28, 28) float32, the i-th with pen width i."""
    return np.stack([render_drawing(image, style, index, **options) for index, image in enumerate(images)])
