"""The embedding map component: Plotly's scattergl in an iframe, with image hover and lasso.

``st.plotly_chart`` cannot show an image on hover, so this is a bidirectional custom component
without a build step (plain HTML and JavaScript in ``embedding_map_frontend/``). Streamlit serves one
folder per component, so the folder is assembled once per server from the frontend files and a
sprite of the 10,000 test images the hover cuts its thumbnails from.

The frontend carries plotly.js's own gl2d partial bundle (``plotly-gl2d.min.js``, npm's
``plotly.js-gl2d-dist-min`` 3.7.0, MIT, licence beside it): 1.6 MB against the full 4.8 MB bundle of
the plotly package, whose compiling made a first visit with an empty cache slow. It holds the two
trace types the map draws, ``scattergl`` and ``scatter``.

The frontend holds no text of its own: `frontend_words` sends every word it shows (legend names,
the hover card, Plotly's toolbar) in the session's language with each render.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from fmnist_core.atomic_files import atomic_write_bytes
from fmnist_core.inspection import map_payload
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import class_hover_names, class_names, language, t

FRONTEND = Path(__file__).with_name("embedding_map_frontend")
FRONTEND_FILES = ("index.html", "traces.js", "map.js", "map.css", "plotly-gl2d.min.js")
SPRITE = "sprite.png"
HEIGHT = 560  # the frame's height on a wide screen (400 below 600 pixels of width), set by map.js


def frontend_digest() -> str:
    """Changes with the frontend files, naming a fresh served folder."""
    digest = hashlib.sha256()
    for name in FRONTEND_FILES:
        digest.update((FRONTEND / name).read_bytes())
    return digest.hexdigest()[:12]


def assemble(target: Path, test_images: Any) -> Path:
    """Writes the served folder (the frontend files, the test-image sprite) if missing.

    Files are written atomically, so two sessions assembling at once leave complete files.
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in FRONTEND_FILES:
        if not (target / name).exists():
            atomic_write_bytes(target / name, (FRONTEND / name).read_bytes())
    if not (target / SPRITE).exists():
        atomic_write_bytes(target / SPRITE, map_payload.sprite_png(test_images))
    return target


@functools.cache
def served_folder() -> Path:
    """The assembled folder, under the system's temp directory (once per server process)."""
    target = Path(tempfile.gettempdir()) / f"fmnist-embedding-map-{frontend_digest()}"
    return assemble(target, loaders.load_dataset().x_test)


def frontend_words() -> dict[str, Any]:
    """Every word the map's frontend shows, in the session's language.

    The legend names the classes in the language; the hover card adds the English name the
    tutorials use ("코트 (Coat)"). ``plotly`` translates Plotly's own toolbar and notices (Plotly
    looks its English up in this dictionary).
    """
    return {
        "lang": language(),
        "label": t("map.frontend.label"),
        "class_names": class_names(),
        "hover_names": class_hover_names(),
        "correct": t("map.frontend.correct"),
        "wrong": t("map.frontend.wrong"),
        "test_images": t("map.frontend.test_images"),
        "confidence": t("map.frontend.confidence"),
        "your_drawing": t("map.frontend.your_drawing"),
        "hover_title": t("map.frontend.hover_title"),
        "hover_true": t("map.frontend.hover_true"),
        "plotly": {
            "Zoom": t("map.plotly.zoom"),
            "Pan": t("map.plotly.pan"),
            "Box Select": t("map.plotly.box_select"),
            "Lasso Select": t("map.plotly.lasso_select"),
            "Zoom in": t("map.plotly.zoom_in"),
            "Zoom out": t("map.plotly.zoom_out"),
            "Reset axes": t("map.plotly.reset_axes"),
            "Autoscale": t("map.plotly.autoscale"),
            "Reset": t("map.plotly.reset"),
            "Double-click to zoom back out": t("map.plotly.zoom_back"),
            "Double-click on legend to isolate one trace": t("map.plotly.isolate_trace"),
        },
    }


def embedding_map(args: dict[str, Any], key: str, on_change: Callable[[], None] | None = None) -> Any:
    """Draws the map with ``args`` (from `map_payload.map_args`) and the session's words; returns the
    last selection ({"indices", "kind", "token"}) or None before the first one. ``on_change`` runs
    when the user selects (before the rerun)."""
    component = components.declare_component("embedding_map", path=str(served_folder()))
    words = frontend_words()
    return component(
        **{**args, "class_names": words["class_names"]},
        words=words,
        key=key,
        default=None,
        on_change=on_change,
    )
