"""Keeps every page behind app.py's router, even for a deep link to a freshly started server."""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ROUTED = "router_routed"  # session-state flag: this session has run app.py's st.navigation


def route(pages: list) -> None:
    """Runs the page chosen by the URL through ``st.navigation`` (called by app.py)."""
    st.session_state[ROUTED] = True
    st.navigation(pages).run()


def ensure_app_router() -> None:
    """Reruns through ``app.py`` when Streamlit ran this page file directly.

    Until ``st.navigation`` has run once, a fresh server serves a deep link such as ``/evaluate``
    by auto-discovering ``pages/`` (Streamlit's legacy multipage mode): the page then runs without
    app.py's wide layout, page titles and icons. Switching that mode off and rerunning lets app.py
    route the same URL. Only a session that has never been routed reruns, so a widget event is
    never dropped by a second run. Call it first in every page.
    """
    if PagesManager.uses_pages_directory and not st.session_state.get(ROUTED):
        PagesManager.uses_pages_directory = False
        st.rerun()
