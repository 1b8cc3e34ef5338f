"""The paginated image gallery: a page of small figures (an image beside its probability bars) in a
row that wraps, so a wide screen shows several side by side and a phone one under the other."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import streamlit as st

from fmnist_core.evaluation import error_analysis
from fmnist_core.plots import gallery_plots
from fmnist_ui.evaluate import data as evaluate_data
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import t

PER_PAGE = 12


def clamp_page(page_key: str, num_pages: int) -> None:
    """Puts a stale page number (the gallery shrank) back to 1 before the widget is drawn."""
    if not 1 <= st.session_state.get(page_key, 1) <= num_pages:
        st.session_state[page_key] = 1


def read_page(page_key: str, num_items: int) -> int:
    """The page picker (only when there is more than one page); returns the 1-based page."""
    num_pages = error_analysis.count_pages(num_items, PER_PAGE)
    if num_pages == 1:
        return 1
    clamp_page(page_key, num_pages)
    return int(
        st.number_input(
            t("evaluate.page", pages=num_pages),
            min_value=1,
            max_value=num_pages,
            step=1,
            key=page_key,
            width=180,
        )
    )


def render_gallery(
    indices: np.ndarray,
    probabilities: np.ndarray,
    labels: np.ndarray,
    key: str,
    empty_message: str,
) -> None:
    """Shows ``indices`` (already sorted) a page at a time, each image with its probability bars
    and the user's mark of its label (Evaluate's Suspicious labels tab), if any.

    Args:
        indices: test-set indices to show, in display order.
        probabilities: (10000, 10) probabilities of the model whose predictions are drawn.
        labels: (10000,) true classes.
        key: prefix of this gallery's widget keys.
        empty_message: what to say when nothing matches.
    """
    if len(indices) == 0:
        st.info(empty_message)
        return
    page = read_page(f"{key}_page", len(indices))
    shown = error_analysis.page_of(indices, page, PER_PAGE)
    first = (page - 1) * PER_PAGE + 1
    st.caption(t("evaluate.gallery_range", first=first, last=first + len(shown) - 1, total=len(indices)))
    images = evaluate_data.load_test_images(shown)  # a missing dataset stops the page with a message
    marks, problem = loaders.load_label_marks()
    if problem:  # the images still show, without marks
        st.warning(
            t("evaluate.marks_not_shown", problem=evaluate_data.marks_problem(problem)),
            icon=":material/flag:",
        )
    with st.container(horizontal=True, key=f"{key}_chart"):
        for position, index in enumerate(shown):
            figure = gallery_plots.plot_gallery_item(
                images[position],
                probabilities[index],
                int(labels[index]),
                int(index),
                mark=marks[int(index)].mark if int(index) in marks else None,
                t=t,
            )
            with st.container(width="content", gap=None):
                st.plotly_chart(
                    figure, key=f"{key}_item_{position}", width="content", config={"displayModeBar": False}
                )
                open_in_layers(int(index))


def open_in_layers(index: int) -> None:
    """A link that opens this test image on the Layers page, with the run studied here.

    A relative URL rather than ``st.page_link``: this page also runs on its own (AppTest), where
    only the pages of ``app.py``'s navigation could be linked.
    """
    run_id = st.query_params.get("run")
    query = urlencode({**({"run": run_id} if run_id else {}), "test_index": index})
    st.markdown(f"[:material/layers: {t('evaluate.open_in_layers')}](layers?{query})")
