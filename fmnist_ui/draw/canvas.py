"""The canvas adapter: the one place that talks to streamlit-drawable-canvas (pinned at 0.13).

Tests replace `canvas_image` with a function returning a fixed RGBA array, because AppTest cannot
draw on a custom component.
"""

from __future__ import annotations

import numpy as np

# 12 x 28, square like the model input: fits a 400-pixel-wide phone screen (368 pixels of content
# beside the page margins) while still giving 12 canvas pixels per model pixel.
CANVAS_SIZE = 336
DEFAULT_STROKE_WIDTH = 26  # pen width in canvas pixels, about 2 model pixels
INK = "#000000"
PAPER = "#ffffff"
# Tool name (the radio's value; shown as the catalog's draw.tool.<mode>) -> drawing_mode. Shapes
# are filled with ink: dataset garments are solid silhouettes.
TOOLS = {"Pen": "freedraw", "Filled rectangle": "rect", "Filled polygon": "polygon"}
# Session key of the current drawing as the model sees it: (28, 28) float32, None while the canvas
# is empty. The Draw page writes it on every run; the Layers page reads it (without the canvas).


def canvas_image(*, tool: str, stroke_width: int, key: str) -> np.ndarray | None:
    """Shows the drawing canvas and returns what is drawn on it.

    Args:
        tool: A key of `TOOLS`.
        stroke_width: Pen width in canvas pixels.
        key: Widget key; a new key gives a fresh, empty canvas.

    Returns:
        The canvas as an H x W x 4 uint8 RGBA array (dark ink on white), or None before the first
        stroke.
    """
    # Imported here: the component registers its frontend files on import, which needs a running
    # Streamlit server (the package's asset manifest is read at server start, not under AppTest).
    from streamlit_drawable_canvas import st_canvas

    result = st_canvas(
        fill_color=INK,
        stroke_width=stroke_width,
        stroke_color=INK,
        background_color=PAPER,
        height=CANVAS_SIZE,
        width=CANVAS_SIZE,
        drawing_mode=TOOLS[tool],
        return_image_data=True,
        key=key,
    )
    return result.image_data
