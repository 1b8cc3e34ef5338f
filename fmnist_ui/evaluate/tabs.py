"""The Evaluate page's tabs: their labels in the session's language, and the open one kept across a
language switch (Streamlit knows a tab only by its label)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_ui.shared import i18n
from fmnist_ui.shared.i18n import t

TAB_KEY = "evaluate_tab"
# The tabs by code (their labels are the session's language: evaluate.tab.<code>).
TABS = ("errors", "map", "metrics", "calibration", "suspicious", "compare", "over_time", "download")


def tab_label(code: str, lang: str | None = None) -> str:
    """The label of a tab in the session's language (or ``lang``'s)."""
    key = f"evaluate.tab.{code}"
    return t(key) if lang is None else i18n.catalog(lang)[key]


def keep_tab_across_languages() -> None:
    """The open tab is remembered by its label (Streamlit's tabs know no other value): after a
    language switch, the label of the other language is replaced by this language's."""
    labels = [tab_label(code) for code in TABS]
    chosen = st.session_state.get(TAB_KEY)
    if chosen is None or chosen in labels:
        return
    for lang in i18n.LANGUAGES:
        for code in TABS:
            if tab_label(code, lang) == chosen:
                st.session_state[TAB_KEY] = tab_label(code)
                return


def open_tabs() -> dict[str, Any]:
    """The page's sections by code; only the open one is computed (stateful tabs rerun on switch)."""
    keep_tab_across_languages()
    tabs = st.tabs([tab_label(code) for code in TABS], key=TAB_KEY, on_change="rerun")
    return dict(zip(TABS, tabs, strict=True))
