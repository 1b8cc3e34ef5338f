"""The core's English words: error sentences, chart texts and class names, each under a stable key.

The command line prints these English sentences. Plot builders take a ``t`` argument (a function
``t(key, **values) -> str``) that defaults to :func:`english`; the app passes its own, which looks
the same keys up in the user's language. Errors a user can meet are :class:`CodedError`: a key and
its values, so the app can say them in Korean while ``str(error)`` stays English.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ENGLISH_FILE = Path(__file__).with_name("words_en.toml")

Text = Callable[..., str]


class Word(str):
    """A value that is itself a key: translated before it fills a sentence."""


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": "x"}}`` -> ``{"a.b": "x"}`` (TOML tables become dotted keys)."""
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{key}."))
        else:
            flat[key] = value
    return flat


@functools.cache
def english_words() -> dict[str, str]:
    """Every core key with its English text."""
    with ENGLISH_FILE.open("rb") as file:
        return flatten(tomllib.load(file))


def fill(words: Mapping[str, str], key: str, values: Mapping[str, Any]) -> str:
    """The text of ``key`` in ``words`` with its ``{placeholders}`` filled; :class:`Word` values
    are looked up in the same words first, and a :class:`CodedError` value (a reason inside a
    refusal) is said in the same words too."""
    text = words[key]
    if not values:
        return text
    return text.format(**{name: _said(words, value) for name, value in values.items()})


def _said(words: Mapping[str, str], value: Any) -> Any:
    if isinstance(value, Word):
        return words[value]
    if isinstance(value, CodedError):
        return fill(words, value.code, value.values)
    return value


def english(key: str, **values: Any) -> str:
    """The English text of a core key (the default ``t`` of every plot builder)."""
    return fill(english_words(), key, values)


def class_names(t: Text = english) -> list[str]:
    """The ten class names in ``t``'s language."""
    count = sum(key.startswith("class.") for key in english_words())
    return [t(f"class.{index}") for index in range(count)]


def class_hover_names(t: Text = english) -> list[str]:
    """Class names for hover texts: a translated name carries the English one the tutorials use."""
    return [
        name if name == english_name else f"{name} ({english_name})"
        for name, english_name in zip(class_names(t), class_names(), strict=True)
    ]


class CodedError(Exception):
    """An error a user can meet: a stable ``code`` (a key of the words) and its ``values``.

    ``str(error)`` is the English sentence; the app says ``t(error.code, **error.values)``.
    """

    def __init__(self, code: str, **values: Any) -> None:
        self.code = code
        self.values = values
        super().__init__(english(code, **values))

    def __reduce__(self) -> tuple:  # pickled across processes with its code, not its sentence
        return _rebuild, (type(self), self.code, self.values)


def _rebuild(kind: type[CodedError], code: str, values: dict[str, Any]) -> CodedError:
    return kind(code, **values)


def to_json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A key's values as JSON can hold them (a job's status file): a reason that is itself a
    :class:`CodedError` or a :class:`Word` keeps its key, anything else not JSON becomes its text."""
    return {name: _to_json(value) for name, value in values.items()}


def _to_json(value: Any) -> Any:
    if isinstance(value, CodedError):
        return {"coded": value.code, "values": to_json_values(value.values)}
    if isinstance(value, Word):
        return {"word": str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def from_json_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `to_json_values`: nested reasons and words are keys again, for ``t``."""
    return {name: _from_json(value) for name, value in values.items()}


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"coded", "values"}:
        return CodedError(value["coded"], **from_json_values(value["values"]))
    if isinstance(value, dict) and set(value) == {"word"}:
        return Word(value["word"])
    return value
