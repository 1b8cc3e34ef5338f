"""Odd images uploaded on the Draw page are converted or refused with a message; none crashes it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.app.test_draw import bar_charts, open_page
from tests.core.test_drawing import encode, png_claiming_size, truncated_png


def garment(mode: str = "RGB", size: tuple[int, int] = (120, 160)) -> Image.Image:
    """A dark coat-like block on a light background."""
    image = Image.new("RGB", size, (235, 235, 230))
    image.paste((30, 40, 60), (20, 20, size[0] - 20, size[1] - 20))
    return image.convert(mode)


def sixteen_bit() -> bytes:
    pixels = np.full((160, 120), 60_000, dtype=np.uint16)
    pixels[20:140, 20:100] = 5_000
    return encode(Image.fromarray(pixels))


def rgba_transparent() -> bytes:
    pixels = np.zeros((160, 120, 4), dtype=np.uint8)
    pixels[20:140, 20:100] = (30, 40, 60, 255)  # opaque item, transparent background
    return encode(Image.fromarray(pixels))


def palette_with_transparency() -> bytes:
    image = garment("P")
    return encode(image, transparency=image.getpixel((0, 0)))  # the background is transparent


def animated_gif() -> bytes:
    frames = [garment(), Image.new("RGB", (120, 160), "white")]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    return encode(garment(), "JPEG", exif=exif, quality=90)


JUDGED = {
    "16-bit grayscale": sixteen_bit,
    "RGBA with transparency": rgba_transparent,
    "palette with transparency": palette_with_transparency,
    "animated GIF": animated_gif,
    "EXIF-rotated JPEG": exif_rotated,
}
REFUSED = {
    "claims 20000x20000": (lambda: png_claiming_size(20_000, 20_000), "too large"),
    "not an image": (lambda: b"%PDF-1.4 not an image at all", "not a supported image"),
    "truncated PNG": (truncated_png, "damaged or truncated"),
    "empty file": (lambda: b"", "empty"),
}


@pytest.mark.parametrize("case", list(JUDGED))
def test_odd_images_are_converted_and_judged(seeded_artifacts: Path, monkeypatch, case: str) -> None:
    at = open_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value((f"{case}.png", JUDGED[case](), "image/png")).run()
    assert not at.exception, at.exception
    assert not at.error, [error.value for error in at.error]
    assert len(bar_charts(at)) == 1


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_images_are_refused_with_a_message(seeded_artifacts: Path, monkeypatch, case: str) -> None:
    build, message = REFUSED[case]
    at = open_page(monkeypatch, None)
    at.file_uploader(key="draw_upload").set_value((f"{case}.png", build(), "image/png")).run()
    assert not at.exception, at.exception
    errors = " ".join(error.value for error in at.error)
    assert message in errors, errors
    assert not bar_charts(at)
