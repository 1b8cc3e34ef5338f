"""Finds English left on a page rendered in Korean (AppTest): every string the page sends to the
browser (texts, labels, options, help, table cells, chart JSON) checked against the English catalog."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache

from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from fmnist_core import data
from fmnist_ui.shared import i18n

LETTERS = re.compile(r"[A-Za-z]{2}")  # a string without two Latin letters in a row has no English
MAX_TEXT = 3000  # longer strings are data, never a text of the catalog
MIN_WORDS_INSIDE = 3  # an English entry this long is a leftover even inside a longer string


def open_in_korean(at: AppTest) -> AppTest:
    """Runs ``at`` with ``?lang=ko``; returns it for chaining."""
    at.query_params[i18n.KEY] = "ko"
    return at


def open_app_page_in_korean(app: str, page: str, timeout: float = 120) -> AppTest:
    """``app`` run in Korean, then its page file ``page`` (``"pages/runs.py"``) through the router."""
    at = open_in_korean(AppTest.from_file(app, default_timeout=timeout))
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@cache
def _english_patterns() -> list[tuple[str, re.Pattern]]:
    """(key, pattern) for every English text that Korean says differently."""
    english, korean = i18n.catalog("en"), i18n.catalog("ko")
    patterns = []
    for key, text in english.items():
        if text == korean[key] or key.startswith("format."):
            continue
        literal = [part for part in re.split(r"\{[^}]*\}", text) if part.strip()]
        if not literal:
            continue
        body = ".+?".join(re.escape(part) for part in re.split(r"\{[^}]*\}", text))
        if len(" ".join(literal).split()) >= MIN_WORDS_INSIDE:
            patterns.append((key, re.compile(body)))
        else:
            patterns.append((key, re.compile(rf"\A\s*{body}\s*\Z")))
    for name in data.CLASS_NAMES:  # "코트 (Coat)" is fine: the parenthesis is stripped first
        patterns.append((f"class name {name}", re.compile(rf"(?<![\w/-]){re.escape(name)}(?![\w/-])")))
    return patterns


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        if value[:1] in "{[":
            try:
                yield from _strings(json.loads(value))
                return
            except ValueError:
                pass
        yield value
    elif isinstance(value, dict):
        for name, item in value.items():
            if name not in ("id", "key", "formId", "fragmentId", "type", "dataType", "src", "url", "page"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def page_strings(at: AppTest) -> list[str]:
    """Every string of every element the last run rendered."""
    found: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "exception":  # Streamlit's own text; tests check at.exception
            continue
        if getattr(node, "type", None) == "code":  # a program (a loading snippet): code, not words
            continue
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            found.extend(_strings(MessageToDict(proto)))
        children = getattr(node, "children", {})
        stack.extend(children.values() if isinstance(children, dict) else children)
    return found


def english_leftovers(at: AppTest) -> list[tuple[str, str]]:
    """(catalog key or class name, the string) for each English text on a Korean page."""
    return english_in(page_strings(at))


def english_in(strings: list[str]) -> list[tuple[str, str]]:
    """(catalog key or class name, the string) for each of ``strings`` that is English."""
    leftovers = []
    for text in dict.fromkeys(strings):  # once each, in order (a map sends thousands of points)
        if (
            text in ("true", "false")
            or not LETTERS.search(text)
            or len(text) > MAX_TEXT
            or (len(text) > 200 and " " not in text)
        ):
            continue  # not a sentence: numbers, or data (encoded images and arrays)
        bare = re.sub(r"\([^()]*\)", "", text)
        for key, pattern in _english_patterns():
            if pattern.search(bare if key.startswith("class name") else text):
                leftovers.append((key, text[:120]))
    return leftovers
