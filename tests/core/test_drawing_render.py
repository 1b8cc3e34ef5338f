"""The benchmark's drawings: silhouettes are filled, outlines hollow, and both reach the model
through the Draw page's own preprocessing."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from fmnist_core.data import CLASS_NAMES, load_fashion_mnist
from fmnist_core.drawing import drawing_render
from fmnist_core.drawing.drawing import preprocess_drawing


@pytest.fixture(scope="module")
def test_images() -> tuple[np.ndarray, np.ndarray]:
    dataset = load_fashion_mnist()
    return dataset.x_test[:30], dataset.y_test[:30]


def first_of(images: tuple[np.ndarray, np.ndarray], name: str) -> np.ndarray:
    x, y = images
    return x[np.flatnonzero(y == CLASS_NAMES.index(name))[0]]


def ink(canvas: np.ndarray) -> np.ndarray:
    """Where the canvas is inked (black on white)."""
    return canvas[..., :3].max(axis=-1) < 128


def test_a_silhouette_is_one_filled_shape_of_the_items_size(test_images) -> None:
    pullover = first_of(test_images, "Pullover")
    canvas = drawing_render.draw_on_canvas(drawing_render.item_mask(pullover), "silhouette")
    assert canvas.shape == (drawing_render.CANVAS_SIZE, drawing_render.CANVAS_SIZE, 4)
    assert canvas.dtype == np.uint8 and (canvas[..., 3] == 255).all()
    inked = ink(canvas)
    assert ndimage.label(inked)[1] == 1
    assert (ndimage.binary_fill_holes(inked) == inked).all()  # nothing left hollow
    # The item's share of its 28 x 28 frame is kept (at 10x scale, within the smoothing's slack).
    expected = ndimage.binary_fill_holes(pullover > drawing_render.ITEM_LEVEL).mean()
    assert inked.sum() / drawing_render.DRAWING_SIZE**2 == pytest.approx(expected, abs=0.05)


def test_an_outline_is_hollow_and_as_thick_as_the_pen(test_images) -> None:
    mask = drawing_render.item_mask(first_of(test_images, "Pullover"))
    thin = ink(drawing_render.draw_on_canvas(mask, "outline", pen_width=16))
    thick = ink(drawing_render.draw_on_canvas(mask, "outline", pen_width=36))
    filled = ndimage.binary_fill_holes(thin)
    assert thin.sum() < 0.5 * filled.sum()  # mostly empty inside
    assert filled[drawing_render.CANVAS_SIZE // 2, drawing_render.CANVAS_SIZE // 2]
    assert not thin[drawing_render.CANVAS_SIZE // 2, drawing_render.CANVAS_SIZE // 2]
    assert 1.8 < thick.sum() / thin.sum() < 2.6  # ink grows with the pen width (36 / 16)


def test_an_outline_is_closed_even_where_the_item_touches_its_frame(test_images) -> None:
    trouser = first_of(test_images, "Trouser")  # touches the top and bottom of its 28 x 28 frame
    outline = ink(drawing_render.draw_on_canvas(drawing_render.item_mask(trouser), "outline", 26))
    assert ndimage.binary_fill_holes(outline).sum() > 1.5 * outline.sum()


def test_mirrored_drawings_point_the_other_way(test_images) -> None:
    mask = drawing_render.item_mask(first_of(test_images, "Sneaker"))
    plain = drawing_render.draw_on_canvas(mask, "silhouette")
    mirrored = drawing_render.draw_on_canvas(mask, "silhouette", mirrored=True)
    width = drawing_render.CANVAS_SIZE
    margin = (width - drawing_render.DRAWING_SIZE) // 2
    assert (
        ink(mirrored)[:, margin : width - margin] == ink(plain)[:, margin : width - margin][:, ::-1]
    ).all()


def test_drawings_pass_through_the_pages_preprocessing(test_images) -> None:
    x, _ = test_images
    for style in drawing_render.STYLES:
        inputs = drawing_render.render_drawings(x[:6], style)
        assert inputs.shape == (6, 28, 28) and inputs.dtype == np.float32
        assert inputs.min() >= 0.0 and inputs.max() <= 1.0
        pen = drawing_render.PEN_WIDTHS[2 % len(drawing_render.PEN_WIDTHS)]
        canvas = drawing_render.draw_on_canvas(drawing_render.item_mask(x[2]), style, pen)
        np.testing.assert_array_equal(inputs[2], preprocess_drawing(canvas, fill_holes=True))


def test_the_page_fills_a_closed_outline_unless_told_not_to(test_images) -> None:
    pullover = first_of(test_images, "Pullover")
    filled = drawing_render.render_drawing(pullover, "outline")
    hollow = drawing_render.render_drawing(pullover, "outline", fill_outlines=False)
    assert filled[14, 14] > 0.9 and hollow[14, 14] < 0.1


def test_a_drawing_is_deterministic(test_images) -> None:
    image = first_of(test_images, "Bag")
    np.testing.assert_array_equal(
        drawing_render.render_drawing(image, "outline", 1), drawing_render.render_drawing(image, "outline", 1)
    )


@pytest.mark.parametrize(
    ("image", "message"),
    [(np.zeros((28, 28), np.float32), "uint8"), (np.zeros((10, 10), np.uint8), "28, 28")],
)
def test_bad_images_and_styles_are_refused(image: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        drawing_render.item_mask(image)
    with pytest.raises(ValueError, match="Unknown drawing style"):
        drawing_render.draw_on_canvas(np.ones((280, 280), bool), "sketch")
