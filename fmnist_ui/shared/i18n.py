"""Korean and English: the language of this session, the catalogs and ``t(key, **values)``.

One catalog per language in ``fmnist_ui/locales`` (TOML tables become dotted keys). The English
catalog also holds the core's words (``fmnist_core/words_en.toml``: its errors, chart texts and
class names), so Korean has one file with every key. The language comes from the sidebar switch,
else the URL's ``?lang=``, else the browser's language, and is written back to the URL so a shared
link opens in the same language.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from fmnist_core import words

LANGUAGES = {"ko": "한국어", "en": "English"}
DEFAULT = "en"
KEY = "lang"  # session-state key of the switch, and the URL's query parameter
CHOSEN = "i18n_language"  # the session's language in plain session state, which no page change drops
LOCALES = Path(__file__).parents[1] / "locales"
_last_language = DEFAULT  # of the last script run in this process (see language())


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of the app with its text in ``lang`` (loaded once per process)."""
    with (LOCALES / f"{lang}.toml").open("rb") as file:
        texts = words.flatten(tomllib.load(file))
    return {**words.english_words(), **texts} if lang == "en" else texts


def _requested() -> str:
    """The language the URL or, failing that, the browser asks for."""
    asked = st.query_params.get(KEY)
    if asked in LANGUAGES:
        return asked
    locale = (st.context.locale or "").lower()
    return "ko" if locale.startswith("ko") else DEFAULT


def language() -> str:
    """The language of this session: ``"ko"`` or ``"en"``.

    Outside a script run (AppTest calls a widget's ``format_func`` there to find the option it
    sets) there is no session: the language of the last run in this process stands in. Streamlit
    itself calls ``format_func`` only inside runs.
    """
    global _last_language
    if get_script_run_ctx() is None:
        return _last_language
    chosen = st.session_state.get(CHOSEN)
    _last_language = chosen if chosen in LANGUAGES else _requested()
    return _last_language


def t(key: str, **values: Any) -> str:
    """The text of ``key`` in the session's language, ``{placeholders}`` filled from ``values``
    (a :class:`fmnist_core.words.Word` value is translated first)."""
    return words.fill(catalog(language()), key, values)


def error_text(error: BaseException) -> str:
    """What to tell the user about ``error``: a core :class:`~fmnist_core.words.CodedError` in the
    session's language, anything else as its own message."""
    if isinstance(error, words.CodedError):
        return t(error.code, **error.values)
    return str(error)


def class_name(index: int) -> str:
    return t(f"class.{index}")


def class_names() -> list[str]:
    return words.class_names(t)


def class_hover_names() -> list[str]:
    """Class names with the English name beside a translated one, for hover texts."""
    return words.class_hover_names(t)


def when(moment: str | dt.datetime | None) -> str:
    """A date and time (an ISO text or a datetime) written the language's way; "" for none."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.strftime(t("format.datetime"))


def language_switch() -> None:
    """The 한국어 / English switch at the top of the sidebar; keeps the URL's ``?lang=`` in step.

    Called by ``app.py`` before the page runs, so every page has it and every text below it is
    already in the chosen language.
    """
    # The switch's own state can be dropped when the page changes; the plain key keeps the choice,
    # and the switch shows it.
    st.session_state[CHOSEN] = st.session_state[KEY] = language()
    st.sidebar.segmented_control(
        "언어 · Language", list(LANGUAGES), format_func=LANGUAGES.get, key=KEY, required=True,
        label_visibility="collapsed", on_change=_switched,
    )  # fmt: skip
    if st.query_params.get(KEY) != st.session_state[KEY]:
        st.query_params[KEY] = st.session_state[KEY]


def _switched() -> None:
    st.session_state[CHOSEN] = st.session_state[KEY]


def url_params() -> dict[str, str]:
    """The query parameters that belong to every URL of the app (for ``query_params.from_dict``)."""
    return {KEY: language()}
