"""Figures and pictures of the Draw page: probability bars, the enlarged model input, saliency overlays.

Pure functions (data in, figure or RGB array out), so they are testable without a running app.
"""

from __future__ import annotations

import functools

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly import colors

from fmnist_core import words
from fmnist_core.data import CLASS_NAMES

TOP_COLOUR = "#e4572e"
OTHER_COLOUR = "#a0aec0"
PIXEL_SCALE = 6  # 28 x 6 = 168 screen pixels, each model pixel a crisp square
ENLARGED_SIZE = 28 * PIXEL_SCALE
SALIENCY_SCALE = "Inferno"


def plot_probabilities(
    probabilities: np.ndarray, *, height: int = 300, t: words.Text = words.english
) -> go.Figure:
    """Horizontal bars of the 10 class probabilities, the most probable class highlighted.

    Args:
        probabilities: (10,) probabilities in dataset class order.
        height: Figure height in pixels.
        t: Gives the class names (the bars') and their hover names (a translated name carries
            the English one) in the user's language.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    top = int(np.argmax(probabilities))
    bar_colours = [TOP_COLOUR if i == top else OTHER_COLOUR for i in range(len(CLASS_NAMES))]
    figure = go.Figure(
        go.Bar(
            x=probabilities.tolist(),
            y=words.class_names(t),
            customdata=words.class_hover_names(t),
            orientation="h",
            marker_color=bar_colours,
            text=[f"{p:.0%}" if p >= 0.005 else "" for p in probabilities],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{customdata}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 30, "t": 10, "b": 10},
        xaxis={"range": [0, 1], "tickformat": ".0%", "fixedrange": True, "showgrid": True},
        yaxis={"autorange": "reversed", "fixedrange": True},
        showlegend=False,
    )
    return figure


def enlarge(image: np.ndarray, scale: int = PIXEL_SCALE) -> np.ndarray:
    """A (28, 28) float image in [0, 1] as uint8, each pixel a scale x scale square (no smoothing)."""
    pixels = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))


def saliency_overlay(image: np.ndarray, saliency: np.ndarray, scale: int = PIXEL_SCALE) -> np.ndarray:
    """The model input in dim gray with the saliency map blended on top (Inferno: yellow = most).

    Returns:
        An RGB uint8 array of shape (28 * scale, 28 * scale, 3).
    """
    lut = _colour_table(SALIENCY_SCALE)
    heat = lut[np.round(np.clip(saliency, 0.0, 1.0) * 255).astype(int)]
    gray = np.repeat(np.clip(image, 0.0, 1.0)[..., None] * 255.0, 3, axis=-1)
    # Mostly heat, with enough of the garment showing through to see what is lit.
    blended = np.clip(0.35 * gray + 0.8 * heat, 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(blended).resize((28 * scale, 28 * scale), Image.Resampling.NEAREST))


@functools.cache
def _colour_table(name: str) -> np.ndarray:
    """A 256 x 3 float lookup table sampled from a Plotly colour scale."""
    samples = colors.sample_colorscale(name, list(np.linspace(0.0, 1.0, 256)))
    return np.array([colors.unlabel_rgb(sample) for sample in samples], dtype=np.float64)
