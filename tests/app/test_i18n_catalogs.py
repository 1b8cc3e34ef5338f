"""The Korean and English catalogs: the same keys, the same placeholders, every key in use."""

from __future__ import annotations

import re
import string
from pathlib import Path

from fmnist_core import data, words
from fmnist_ui.shared import i18n

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("fmnist_ui/**/*.py"),
           *ROOT.glob("fmnist_ui/**/*.js"), *ROOT.glob("fmnist_core/**/*.py")]  # fmt: skip


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_both_catalogs_have_the_same_keys() -> None:
    english, korean = i18n.catalog("en"), i18n.catalog("ko")
    assert sorted(set(english) - set(korean)) == [], "keys without a Korean text"
    assert sorted(set(korean) - set(english)) == [], "Korean keys that English lacks"


def test_every_key_has_the_same_placeholders_in_both_languages() -> None:
    english, korean = i18n.catalog("en"), i18n.catalog("ko")
    differing = {
        key: (placeholders(text), placeholders(korean.get(key, "")))
        for key, text in english.items()
        if placeholders(text) != placeholders(korean.get(key, ""))
    }
    assert differing == {}


def test_every_key_is_used() -> None:
    """A key is used when the code spells it in quotes, or builds it from its table's name
    (``f"class.{index}"`` uses every ``class.*`` key)."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)
    built = set(re.findall(r"""["'`]([a-z_.]+\.)\{""", code)) | set(
        re.findall(r"""["'`]([a-z_.]+\.)\$\{""", code)
    )
    unused = [
        key for key in i18n.catalog("en")
        if f'"{key}"' not in code and f"'{key}'" not in code and not any(key.startswith(p) for p in built)
    ]  # fmt: skip
    assert unused == []


def test_the_english_class_names_are_the_datasets() -> None:
    assert data.CLASS_NAMES == (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )  # Keras's names, in label order
    assert words.class_names() == list(data.CLASS_NAMES)
    assert words.class_hover_names(lambda key, **_: i18n.catalog("ko")[key])[4] == "코트 (Coat)"


def test_a_coded_error_speaks_english_and_keeps_its_code_across_processes() -> None:
    import pickle

    error = words.CodedError("class.4")
    assert str(error) == "Coat" and pickle.loads(pickle.dumps(error)).code == "class.4"
