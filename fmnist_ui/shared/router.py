"""Keeps every page behind app.py's router, even for a deep link to a freshly started server, and
keeps long-lived objects out of the garbage collections Streamlit forces after every run."""

import gc
import sys
import threading

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

ROUTED = "router_routed"  # session-state flag: this session has run app.py's st.navigation
_freezing = threading.Lock()
_modules_frozen = 0  # len(sys.modules) at the last freeze


def route(pages: list) -> None:
    """Runs the page chosen by the URL through ``st.navigation`` (called by app.py)."""
    st.session_state[ROUTED] = True
    try:
        st.navigation(pages).run()
    finally:  # also after st.stop() and st.rerun()
        freeze_new_modules()


def freeze_new_modules() -> None:
    """Moves everything alive into the garbage collector's permanent generation when this run
    imported new modules.

    After every script run Streamlit forces a full collection, and calls Keras's ``clear_session``,
    which forces another. With TensorFlow loaded (millions of objects) each took 0.2 s, during which
    the server sends nothing: every stroke on the Draw page waited 0.4 s more for its answer. Modules,
    and the models cached next to them, live as long as the server, which is what frozen objects do.
    """
    global _modules_frozen
    if len(sys.modules) == _modules_frozen or not _freezing.acquire(blocking=False):
        return
    try:
        gc.collect()  # garbage is not frozen: only what is alive now
        gc.freeze()
        _modules_frozen = len(sys.modules)
    finally:
        _freezing.release()


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
