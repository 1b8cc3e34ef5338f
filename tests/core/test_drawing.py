"""Tests for fmnist_core.drawing.drawing: canvas and photo preprocessing, safe image decoding."""

from __future__ import annotations

import gzip
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from fmnist_core.drawing.drawing import ImageError, load_image, preprocess_drawing, preprocess_photo

TEST_IMAGES = Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")


# ---------------------------------------------------------------- helpers


def white_canvas(height: int = 400, width: int = 400) -> np.ndarray:
    return np.full((height, width, 4), 255, dtype=np.uint8)


def transparent_canvas(height: int = 400, width: int = 400) -> np.ndarray:
    return np.zeros((height, width, 4), dtype=np.uint8)


def bright_box(image: np.ndarray, level: float = 0.5) -> tuple[int, int, int, int]:
    """Return (top, bottom, left, right) of pixels brighter than level, inclusive."""
    rows = np.flatnonzero((image > level).any(axis=1))
    cols = np.flatnonzero((image > level).any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    total = image.sum()
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def assert_framed(image: np.ndarray, box: tuple[int, int, int, int], *, symmetric: bool = True) -> None:
    """The item fills 28 pixels along its long side and is centred as in the dataset.

    Args:
        image: The model input.
        box: Its exact (top, bottom, left, right) above half brightness. The dataset centres the
            bounding box, putting an odd leftover pixel before the item (top or left).
        symmetric: For a symmetric item the centre of mass is the box's centre too.
    """
    assert image.shape == (28, 28)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert bright_box(image) == box
    if symmetric:
        centre = ((box[0] + box[1]) / 2, (box[2] + box[3]) / 2)
        assert centre_of_mass(image) == pytest.approx(centre, abs=1e-5)


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny 1x1 PNG whose IHDR claims width x height (CRC fixed so the header is valid)."""
    data = bytearray(encode(Image.new("L", (1, 1))))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def load_test_images(count: int) -> np.ndarray:
    if not TEST_IMAGES.exists():
        pytest.skip(f"Fashion-MNIST test images not found at {TEST_IMAGES}")
    with gzip.open(TEST_IMAGES) as file:
        raw = file.read(16 + 28 * 28 * count)
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, 28, 28)


# ---------------------------------------------------------------- preprocess_drawing


def test_off_centre_rectangle_is_centred_and_scaled() -> None:
    canvas = white_canvas()
    canvas[40:100, 250:370, :3] = 20  # 60 x 120 dark rectangle in the top-right corner
    result = preprocess_drawing(canvas)
    assert result is not None
    assert_framed(result, (7, 20, 0, 27))  # 28 x 14: the aspect ratio 2:1 kept


def test_polarity_background_black_ink_bright() -> None:
    canvas = white_canvas()
    canvas[100:300, 150:250, :3] = 0
    result = preprocess_drawing(canvas, blur=False)
    assert result is not None
    assert result[0, 0] == 0.0 and result[:, :4].max() == 0.0
    assert result[14, 14] == pytest.approx(1.0)


@pytest.mark.parametrize("canvas", [white_canvas(), transparent_canvas()], ids=["white", "transparent"])
def test_empty_canvas_gives_none(canvas: np.ndarray) -> None:
    assert preprocess_drawing(canvas) is None


def test_near_empty_canvas_gives_none() -> None:
    canvas = white_canvas()
    canvas[200, 200, :3] = 0
    canvas[201, 201, :3] = 0
    assert preprocess_drawing(canvas) is None


def test_faint_haze_is_ignored() -> None:
    canvas = white_canvas()
    canvas[..., :3] = 250  # an off-white canvas is not ink
    assert preprocess_drawing(canvas) is None


@pytest.mark.parametrize("index", [2, 4, 9, 18], ids=["trouser", "shirt", "sneaker", "bag"])
def test_dataset_image_round_trips(index: int) -> None:
    original = load_test_images(20)[index]
    big = np.kron(original, np.ones((10, 10), dtype=np.uint8))
    canvas = np.dstack([255 - big] * 3 + [np.full_like(big, 255)])
    for blur in (True, False):
        result = preprocess_drawing(canvas, blur=blur)
        assert result is not None
        assert np.abs(result - original / 255.0).mean() < 0.1
    assert np.abs(result - original / 255.0).mean() < 0.01  # unblurred it is nearly exact


@pytest.mark.parametrize("colour", [0, 255], ids=["black-ink", "white-ink"])
def test_transparent_background_uses_alpha_as_ink(colour: int) -> None:
    canvas = transparent_canvas()
    canvas[50:350, 180:220] = (colour, colour, colour, 255)
    result = preprocess_drawing(canvas)
    assert result is not None
    assert_framed(result, (0, 27, 12, 15))  # 300 x 40 -> 28 x 4
    assert result[0, 0] == 0.0


def test_light_ink_on_dark_canvas() -> None:
    canvas = np.zeros((300, 300, 4), dtype=np.uint8)
    canvas[..., 3] = 255
    canvas[20:80, 20:200, :3] = 255
    result = preprocess_drawing(canvas)
    assert result is not None
    assert_framed(result, (10, 18, 0, 27))  # 60 x 180 -> 9 x 28, the odd row on top


def test_rgb_and_grayscale_inputs_match_rgba() -> None:
    canvas = white_canvas()
    canvas[100:300, 120:200, :3] = 30
    expected = preprocess_drawing(canvas)
    np.testing.assert_allclose(preprocess_drawing(canvas[..., :3]), expected)
    np.testing.assert_allclose(preprocess_drawing(canvas[..., 0]), expected)


def test_fill_holes_fills_outlines() -> None:
    canvas = white_canvas()
    canvas[50:350, 100:300, :3] = 0
    canvas[60:340, 110:290, :3] = 255  # leaves a 10 px outline
    outline = preprocess_drawing(canvas, blur=False)
    filled = preprocess_drawing(canvas, fill_holes=True, blur=False)
    assert outline is not None and filled is not None
    assert outline[14, 14] == 0.0
    assert filled[14, 14] == pytest.approx(1.0)


def test_fill_holes_keeps_small_holes_open() -> None:
    """An outlined bag gets a solid body, but its handle stays a loop, as in the dataset."""
    canvas = white_canvas()
    canvas[150:350, 50:350, :3] = 0
    canvas[160:340, 60:340, :3] = 255  # the bag's outlined body: a large hole
    canvas[80:160, 150:250, :3] = 0
    canvas[90:150, 160:240, :3] = 255  # the handle: a small hole
    filled = preprocess_drawing(canvas, fill_holes=True, blur=False)
    assert filled is not None
    assert filled[20, 14] == pytest.approx(1.0)  # inside the body
    assert filled[6, 14] == 0.0  # inside the handle


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((10, 10, 4), dtype=np.float32), "uint8"),
        (np.zeros((10, 10, 2), dtype=np.uint8), "shape"),
        (np.zeros((10,), dtype=np.uint8), "shape"),
        (np.zeros((0, 10, 4), dtype=np.uint8), "shape"),
    ],
)
def test_invalid_arrays_raise_value_error(array: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        preprocess_drawing(array)
    with pytest.raises(ValueError, match=message):
        preprocess_photo(array)


# ---------------------------------------------------------------- preprocess_photo


def synthetic_photo(rng: np.random.Generator) -> np.ndarray:
    """A dark-grey sneaker-like blob, off-centre on a light-grey noisy 600 x 400 background."""
    height, width = 400, 600
    photo = rng.normal(205, 6, size=(height, width, 3))
    rows, cols = np.indices((height, width))
    sole = (rows >= 250) & (rows < 280) & (cols >= 120) & (cols < 460)
    upper = ((rows - 250) / 90.0) ** 2 + ((cols - 260) / 140.0) ** 2 <= 1.0
    shoe = sole | (upper & (rows < 250))
    photo[shoe] = rng.normal(70, 10, size=(int(shoe.sum()), 3))
    photo[sole] = 40
    rgba = np.concatenate([photo, np.full((height, width, 1), 255.0)], axis=-1)
    return np.clip(rgba, 0, 255).astype(np.uint8)


def test_photo_item_is_centred_bright_and_fills_frame() -> None:
    result = preprocess_photo(synthetic_photo(np.random.default_rng(0)))
    assert result is not None
    assert_framed(result, (9, 18, 0, 27), symmetric=False)
    assert result[0].max() == 0.0 and result[-1].max() == 0.0  # background is black
    sole_row = bright_box(result)[1]
    assert result[sole_row].mean() > 0.7  # the darkest part, the sole, is the brightest


def test_photo_of_plain_background_gives_none() -> None:
    rng = np.random.default_rng(1)
    photo = np.clip(rng.normal(200, 6, size=(400, 600, 3)), 0, 255).astype(np.uint8)
    assert preprocess_photo(photo) is None


def test_transparent_png_photo() -> None:
    rgba = transparent_canvas(300, 500)
    rgba[100:200, 50:450] = (90, 60, 30, 255)
    result = preprocess_photo(rgba)
    assert result is not None
    assert_framed(result, (11, 17, 0, 27))  # 100 x 400 -> 7 x 28


def test_uploaded_jpeg_photo_end_to_end() -> None:
    photo = synthetic_photo(np.random.default_rng(2))
    data = encode(Image.fromarray(photo).convert("RGB"), "JPEG", quality=85)
    result = preprocess_photo(load_image(data))
    assert result is not None
    assert_framed(result, (9, 18, 0, 27), symmetric=False)


# ---------------------------------------------------------------- load_image


@pytest.mark.parametrize("side", [20_000, 6_000])
def test_huge_header_is_refused_without_decoding(side: int, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse_to_decode(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse_to_decode)
    with pytest.raises(ImageError, match="too large"):
        load_image(png_claiming_size(side, side))


def test_max_pixels_is_configurable() -> None:
    data = encode(Image.new("RGB", (100, 100), "white"))
    assert load_image(data, max_pixels=10_000).shape == (100, 100, 4)
    with pytest.raises(ImageError, match="too large"):
        load_image(data, max_pixels=9_999)


def test_tiny_image_is_refused() -> None:
    with pytest.raises(ImageError, match="at least 8 pixels"):
        load_image(encode(Image.new("RGB", (4, 40))))


def test_sixteen_bit_grayscale_is_scaled_not_clipped() -> None:
    deep = np.zeros((16, 16), dtype=np.uint16)
    deep[0, 0], deep[0, 1], deep[0, 2] = 65535, 32768, 257
    image = Image.fromarray(deep)
    assert image.mode == "I;16"
    rgba = load_image(encode(image))
    assert rgba.dtype == np.uint8 and rgba.shape == (16, 16, 4)
    assert tuple(rgba[0, 0]) == (255, 255, 255, 255)
    assert tuple(rgba[0, 1, :3]) == (128, 128, 128)
    assert rgba[0, 2, 0] == 1 and rgba[1, 1, 0] == 0


def test_rgba_transparency_is_kept() -> None:
    pixels = np.zeros((20, 20, 4), dtype=np.uint8)
    pixels[5:15, 5:15] = (10, 20, 30, 255)
    rgba = load_image(encode(Image.fromarray(pixels)))
    np.testing.assert_array_equal(rgba, pixels)


def test_palette_transparency_becomes_alpha() -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 0, 0, 0, 128, 0] + [0, 0, 0] * 254)
    image.paste(1, (0, 0, 10, 20))
    rgba = load_image(encode(image, transparency=0))
    assert tuple(rgba[0, 0]) == (0, 128, 0, 255)
    assert rgba[0, 15, 3] == 0


def test_animated_gif_gives_first_frame() -> None:
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue", "green")]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    rgba = load_image(data)
    assert tuple(rgba[10, 10]) == (255, 0, 0, 255)


def test_exif_rotated_jpeg_is_turned_upright() -> None:
    pixels = np.full((20, 40, 3), 255, dtype=np.uint8)
    pixels[:, :20] = 0  # dark left half
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    rgba = load_image(encode(Image.fromarray(pixels), "JPEG", exif=exif, quality=95))
    assert rgba.shape == (40, 20, 4)
    assert rgba[:20, :, 0].mean() < 50 < 200 < rgba[20:, :, 0].mean()  # left went to the top


def test_other_supported_formats_decode() -> None:
    image = Image.new("RGB", (16, 16), (10, 200, 30))
    for fmt in ("BMP", "WEBP"):
        rgba = load_image(encode(image, fmt, **({"lossless": True} if fmt == "WEBP" else {})))
        assert tuple(rgba[8, 8]) == (10, 200, 30, 255)


def truncated_png() -> bytes:
    noise = np.random.default_rng(3).integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    data = encode(Image.fromarray(noise))
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (np.random.default_rng(4).bytes(5000), "not a supported image"),
        (b"just some text, not a picture", "not a supported image"),
        (encode(Image.new("RGB", (16, 16)), "TIFF"), "not a supported image"),
        (truncated_png(), "damaged or truncated"),
    ],
    ids=["empty", "random", "text", "tiff", "truncated-png"],
)
def test_bad_bytes_raise_image_error(data: bytes, message: str) -> None:
    with pytest.raises(ImageError, match=message) as caught:
        load_image(data)
    assert isinstance(caught.value, ValueError)
    assert "upload a PNG, JPEG, GIF, WebP or BMP" in str(caught.value)
