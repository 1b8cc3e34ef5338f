"""The page shell of a report: one self-contained HTML file that opens with no server and no network.

plotly.js is embedded once, in the head; each figure after it is a ``<div>`` and the one call that
draws it. Images are inline PNGs (``data:`` URLs), tables plain HTML tables, every text escaped.
Nothing in the page points outside the file.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from fmnist_core import words

IMAGE_SCALE = 3  # 28x28 test images drawn at 84x84, pixels kept sharp (NEAREST)
TEMPLATE = "plotly_white"
MIN_MARGIN = 60  # pixels left of a plot for its tick labels
FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR","Malgun Gothic",sans-serif;
 margin:0 auto;max-width:1100px;padding:24px;color:#262730;line-height:1.45}
h1{font-size:1.8em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.muted{color:#6b7280;font-size:.9em}nav ol{columns:2}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #e5e7eb;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f3f4f6}tr.hl td{background:rgba(214,39,40,.14);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.metrics{display:flex;flex-wrap:wrap;gap:12px}
.metric{border:1px solid #e5e7eb;border-radius:8px;padding:8px 14px;min-width:150px}
.metric b{display:block;font-size:1.5em}
.images{display:flex;flex-wrap:wrap;gap:8px;margin:.4em 0 1em}
figure{margin:0;text-align:center;font-size:.8em}figure img{display:block;image-rendering:pixelated;
 border:1px solid #ddd}.plot{margin:.5em 0}
"""


@functools.cache
def plotly_bundle() -> str:
    """plotly.js itself, minified (about 4.6 MB): embedded once per report."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def figure_html(figure: go.Figure) -> str:
    """A figure as a ``<div>`` and its drawing call (plotly.js is in the page's head).

    The app's figures have no left margin (Streamlit pads its charts); a page does not, so the
    copy drawn here gets room for the tick labels, and one template: Plotly's default is whatever
    the process set last (importing Streamlit sets its own), and a report looks the same from the
    app and the command line.
    """
    figure = go.Figure(figure)
    margin = figure.layout.margin
    figure.update_layout(
        template=TEMPLATE,
        margin={"l": max(margin.l or 0, MIN_MARGIN), "r": max(margin.r or 0, MIN_MARGIN // 2)},
    )
    shown = figure.to_html(full_html=False, include_plotlyjs=False, config=FIGURE_CONFIG)
    return f'<div class="plot">{shown}</div>'


def png_data_url(image: np.ndarray, scale: int = IMAGE_SCALE) -> str:
    """A uint8 grey image as a ``data:image/png;base64,...`` URL, scaled up with NEAREST."""
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8), mode="L")
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_figure(image: np.ndarray, caption: str, scale: int = IMAGE_SCALE) -> str:
    side = image.shape[0] * scale
    return (
        f'<figure><img src="{png_data_url(image, scale)}" width="{side}" height="{side}" '
        f'alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>'
    )


def image_row(figures: Iterable[str]) -> str:
    return f'<div class="images">{"".join(figures)}</div>'


def _cell(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return f"<td>{escape(value)}</td>"
    return f'<td class="num">{escape(value)}</td>'


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], highlighted: Iterable[int] = ()) -> str:
    """An HTML table; rows whose position is in ``highlighted`` are marked (class ``hl``)."""
    marked = set(highlighted)
    head = "".join(f"<th>{escape(name)}</th>" for name in headers)
    body = "".join(
        f"<tr{' class=hl' if index in marked else ''}>{''.join(_cell(value) for value in row)}</tr>"
        for index, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def metrics(items: Iterable[tuple[str, str]]) -> str:
    """Headline numbers as boxes: (label, value) each."""
    boxes = "".join(
        f'<div class="metric">{escape(label)}<b>{escape(value)}</b></div>' for label, value in items
    )
    return f'<div class="metrics">{boxes}</div>'


def paragraph(text: str, muted: bool = False) -> str:
    return f"<p{' class=muted' if muted else ''}>{escape(text)}</p>"


def section(anchor: str, heading: str, *parts: str) -> tuple[str, str, str]:
    """(anchor, heading, body) of one section; ``page`` lists the headings as the contents."""
    return anchor, heading, "".join(parts)


def page(title: str, sections: Sequence[tuple[str, str, str]], lang: str, t: words.Text) -> str:
    """The whole file: head with the style and plotly.js, the title, contents and sections."""
    written = t("report.written", when=dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    contents = "".join(
        f'<li><a href="#{anchor}">{escape(heading)}</a></li>' for anchor, heading, _ in sections
    )
    body = "".join(
        f'<section id="{anchor}"><h2>{escape(heading)}</h2>{part}</section>'
        for anchor, heading, part in sections
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{plotly_bundle()}</script></head><body>'
        f"<h1>{escape(title)}</h1>{paragraph(written, muted=True)}"
        f"<nav><h2>{escape(t('report.contents'))}</h2><ol>{contents}</ol></nav>{body}</body></html>\n"
    )
