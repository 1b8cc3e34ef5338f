"""Pictures and figures of the Layers page (pure: arrays in, RGB array or Plotly figure out).

A layer's maps are drawn as ONE tiled RGB picture (channels left to right, top to bottom) rather
than one chart per map: a cnn has 192 maps, and one picture per layer is what keeps picking another
image fast (a PNG per layer instead of hundreds of Plotly traces).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly import colors

from fmnist_core import words

MAP_SCALE = "Viridis"  # sequential: dark = quiet, yellow = most active in the layer
WEIGHT_SCALE = "RdBu_r"  # diverging, white at 0: blue negative, red positive
GAP = 1  # pixels between tiles (drawn white)
WEIGHT_PERCENTILE = 99.0  # full colour at this percentile of |weight|: outliers saturate
WEIGHT_GAP_LEVEL = 140  # weights near 0 are white, so their tiles are parted in gray
TILE_PIXELS = 48  # a map is enlarged (nearest neighbour) to about this many screen pixels
BAR_COLOUR = "#4c78a8"


@dataclass(frozen=True)
class MapPanel:
    """One layer's feature maps for one image, ready to show."""

    name: str
    shape: tuple[int, ...]
    picture: np.ndarray  # tiled RGB uint8
    low: float  # the colour range: the layer's smallest and largest value for this image
    high: float


@functools.cache
def colour_table(name: str) -> np.ndarray:
    """A 256 x 3 uint8 lookup table sampled from a Plotly colour scale."""
    samples = colors.sample_colorscale(name, list(np.linspace(0.0, 1.0, 256)))
    return np.array([colors.unlabel_rgb(sample) for sample in samples]).round().astype(np.uint8)


def grid_columns(count: int, most: int = 8) -> int:
    """Columns of a tiled grid: ``most``, or fewer when there are fewer maps."""
    return max(1, min(most, count))


def tile(maps: np.ndarray, columns: int, scale: int = 1, gap: int = GAP) -> tuple[np.ndarray, np.ndarray]:
    """Lays (N, H, W) maps out in a grid, each enlarged ``scale`` times.

    Returns:
        The (rows * (H*scale + gap) - gap, ...) grid of values, and a same-shaped mask that is True
        in the gaps between tiles (and in the empty tiles of the last row).
    """
    count, height, width = maps.shape
    rows = -(-count // columns)
    tile_h, tile_w = height * scale, width * scale
    grid = np.zeros((rows * (tile_h + gap) - gap, columns * (tile_w + gap) - gap), np.float32)
    gaps = np.ones(grid.shape, bool)
    for n in range(count):
        top, left = (n // columns) * (tile_h + gap), (n % columns) * (tile_w + gap)
        grid[top : top + tile_h, left : left + tile_w] = np.kron(maps[n], np.ones((scale, scale)))
        gaps[top : top + tile_h, left : left + tile_w] = False
    return grid, gaps


def _paint(
    grid: np.ndarray, gaps: np.ndarray, low: float, high: float, scale_name: str, gap_level: int = 255
) -> np.ndarray:
    """Values -> RGB through a colour scale spanning [low, high]; gaps in gray ``gap_level``."""
    span = high - low if high > low else 1.0
    levels = np.round(np.clip((grid - low) / span, 0.0, 1.0) * 255).astype(np.intp)
    rgb = colour_table(scale_name)[levels]
    rgb[gaps] = gap_level
    return rgb


def scale_for(height: int) -> int:
    """Enlargement that brings an ``height``-pixel map to about `TILE_PIXELS` screen pixels."""
    return max(1, round(TILE_PIXELS / height))


def feature_map_picture(values: np.ndarray, columns: int = 8) -> np.ndarray:
    """One layer's feature maps for one image, (H, W, C) -> a tiled RGB picture (uint8).

    All maps share the layer's colour range (its minimum to its maximum for this image), so a
    channel the image barely excites looks dark next to one it excites strongly.
    """
    maps = np.moveaxis(np.asarray(values, np.float32), -1, 0)
    grid, gaps = tile(maps, grid_columns(len(maps), columns), scale_for(maps.shape[1]))
    return _paint(grid, gaps, float(maps.min()), float(maps.max()), MAP_SCALE)


def feature_map_panels(probe: Any, image: np.ndarray, columns: int = 8) -> list[MapPanel]:
    """Every probed layer's maps for one (28, 28) image: one model call, one picture per layer.

    Args:
        probe: A `fmnist_core.inspection.layers.LayerProbe` of layers with (height, width, channels) outputs.
        image: The model input, float32 in [0, 1].
    """
    outputs = probe.outputs(np.asarray(image)[None])
    return [
        MapPanel(
            name, shape, feature_map_picture(output[0], columns), float(output.min()), float(output.max())
        )
        for name, shape, output in zip(probe.names, probe.shapes, outputs, strict=True)
    ]


def weight_picture(
    images: np.ndarray, columns: int = 16, limit: float | None = None
) -> tuple[np.ndarray, float]:
    """Signed weights (N, h, w) -> a tiled RGB picture on a diverging scale centred on 0.

    Args:
        images: The weights, one (h, w) image per unit or filter.
        columns: Tiles per row.
        limit: The weight drawn at full colour (larger ones are clipped to it); when None, the
            `WEIGHT_PERCENTILE` of the absolute weights: a few outliers would leave the rest pale.

    Returns:
        The picture and the weight drawn at full colour (the scale is ±this value, shared by all).
    """
    images = np.asarray(images, np.float32)
    limit = limit or float(np.percentile(np.abs(images), WEIGHT_PERCENTILE)) or 1.0
    scale = scale_for(images.shape[1])
    # Gaps of several pixels: weights near 0 are white-ish, and tiny kernels are enlarged a lot.
    grid, gaps = tile(images, grid_columns(len(images), columns), scale, max(2, scale // 4))
    return _paint(grid, gaps, -limit, limit, WEIGHT_SCALE, WEIGHT_GAP_LEVEL), limit  # gray: 0 is white


def gray_picture(image: np.ndarray, scale: int = 3) -> np.ndarray:
    """A (28, 28) float image in [0, 1] as enlarged uint8 gray (each pixel a crisp square)."""
    pixels = np.round(np.clip(image, 0.0, 1.0) * 255).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), np.uint8))


def top_units(activations: np.ndarray, count: int = 20) -> np.ndarray:
    """Indices of the ``count`` most active units, most active first (ties: lower index first)."""
    return np.argsort(-np.asarray(activations), kind="stable")[:count]


def plot_unit_activations(
    activations: np.ndarray, count: int = 20, height: int = 360, *, t: words.Text = words.english
) -> go.Figure:
    """Horizontal bars of the most active hidden units for one image, largest on top (texts in
    ``t``'s language)."""
    activations = np.asarray(activations, dtype=float)
    order = top_units(activations, count)
    figure = go.Figure(
        go.Bar(
            x=activations[order].tolist(),
            y=[t("plot.layers.unit", unit=int(unit)) for unit in order],
            orientation="h",
            marker_color=BAR_COLOUR,
            hovertemplate="%{y}: %{x:.3f}<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 0, "r": 10, "t": 10, "b": 10},
        xaxis={"title": t("plot.layers.activation"), "fixedrange": True},
        yaxis={"autorange": "reversed", "fixedrange": True, "type": "category"},
        showlegend=False,
    )
    return figure
