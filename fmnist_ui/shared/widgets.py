"""Widgets and texts every page uses: a setting's input rendered from the registry, the names of
settings, choices and statuses in the session's language, run labels, table cells, page links."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import streamlit as st

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models.models import (
    CHOICE_HYPERPARAMETERS,
    HYPERPARAMETERS,
    ModelSpec,
)
from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import PATIENCE_RANGE, SEED_RANGE, TRAIN_SAMPLES_RANGE
from fmnist_ui.shared.i18n import t, when


class Texts(Mapping[str, str]):
    """A read-only dict of texts in the session's language: ``TEXTS[name]`` is the catalog's
    ``template.format(name)``, looked up on every access (a module constant holds no language)."""

    def __init__(
        self, template: str, names: tuple[str, ...], values: Mapping[str, dict] | None = None
    ) -> None:
        self.template, self.names, self.values = template, names, values or {}

    def __getitem__(self, name: str) -> str:
        if name not in self.names:
            raise KeyError(name)
        return t(self.template.format(name), **self.values.get(name, {}))

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


# The labels of the hyperparameters, in the session's language (the catalog's common.label.*).
LABELS = Texts(
    "common.label.{}",
    ("epochs", "batch_size", "dropout", "learning_rate", "validation_split", "optimizer",
     "label_smoothing", "plateau_patience", "augmentation"),
)  # fmt: skip
# The improvements the tutorials suggest: shown apart from the tutorials' own settings, and in a
# run's summary only when they differ from these defaults.
DEFAULT_IMPROVEMENTS = {
    "optimizer": "adam",
    "label_smoothing": 0.0,
    "plateau_patience": 0,
    "augmentation": "none",
}
IMPROVEMENTS = tuple(DEFAULT_IMPROVEMENTS)
CHOICE_NAMES = Texts(
    "common.choice.{}", ("adam", "sgd_momentum", "rmsprop", "none", "shift_flip_zoom", "drawing")
)
COMMON_HELP = Texts(
    "common.help.{}",
    ("seed", "patience", "train_samples"),
    {
        "seed": {"low": SEED_RANGE[0], "high": SEED_RANGE[1]},
        "patience": {"high": PATIENCE_RANGE[1]},
        "train_samples": {"total": NUM_TRAIN_IMAGES, "low": TRAIN_SAMPLES_RANGE[0]},
    },
)
BATCH_SIZES = (8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
LEARNING_RATES = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
NUMBER_TEXT_COLUMN = functools.partial(st.column_config.TextColumn, alignment="right")  # for *_cell
NO_TOOLBAR = {"displayModeBar": False}  # st.plotly_chart config where zoom and export serve nothing
# status -> (badge colour, icon); the word is the catalog's common.status.<status>
STATUS_BADGES = {
    "queued": ("blue", ":material/schedule:"),
    "running": ("orange", ":material/progress_activity:"),
    "finished": ("green", ":material/check_circle:"),
    "stopped": ("gray", ":material/stop_circle:"),
    "failed": ("red", ":material/error:"),
    "pruned": ("violet", ":material/content_cut:"),
}


def model_description(spec: ModelSpec) -> str:
    """What the model is, in the session's language."""
    return t(spec.description_key)


def setting_help(name: str) -> str:
    """The help text of a tunable setting (``model.help.<name>``), in the session's language."""
    return t(f"model.help.{name}")


def _choices(options: tuple[float, ...], low: float, high: float, *always: float) -> list[float]:
    """Preset values within the allowed range, plus the value shown and the registry default."""
    return sorted({value for value in options if low <= value <= high} | set(always))


def _select_slider(options: tuple[float, ...]) -> Callable[..., Any]:
    def widget(label: str, low: float, high: float, default: float, key: str, **kwargs: Any) -> Any:
        choices = _choices(options, low, high, default, st.session_state[key])
        return st.select_slider(label, choices, format_func="{:g}".format, key=key, **kwargs)

    return widget


def _slider(step: float) -> Callable[..., Any]:
    def widget(label: str, low: float, high: float, default: float, key: str, **kwargs: Any) -> Any:
        return st.slider(label, float(low), float(high), step=step, key=key, **kwargs)

    return widget


def _number(label: str, low: float, high: float, default: float, key: str, **kwargs: Any) -> Any:
    # No min/max: Streamlit would keep the last valid value behind a red box, and Train would then
    # train something else than what is shown. The page validates and refuses instead.
    return st.number_input(label, step=1, key=key, **kwargs)


WIDGETS: dict[str, Callable[..., Any]] = {
    "epochs": _number,
    "batch_size": _select_slider(BATCH_SIZES),
    "dropout": _slider(0.05),
    "learning_rate": _select_slider(LEARNING_RATES),
    "validation_split": _slider(0.05),
    "label_smoothing": _slider(0.05),
    "plateau_patience": _number,
}


def setting_widget(name: str, default: Any, key: str) -> Any:
    """The widget of one tunable setting: a select box for a choice, else its number widget."""
    if name in CHOICE_HYPERPARAMETERS:
        options = CHOICE_HYPERPARAMETERS[name][0]
        return st.selectbox(LABELS[name], options, format_func=choice_name, key=key, help=setting_help(name))
    low, high, _, _ = HYPERPARAMETERS[name]
    return WIDGETS[name](LABELS[name], low, high, default, key, help=setting_help(name))


def choice_name(value: str) -> str:
    """How a choice (an optimizer, an augmentation) reads in the app."""
    return CHOICE_NAMES.get(value, value)


def setting_text(value: Any) -> str:
    """One setting's value as text: numbers in their shortest form, choices by their name."""
    return choice_name(value) if isinstance(value, str) else f"{value:g}"


def status_badge(status: str) -> str:
    """Markdown badge for a run status."""
    color, icon = STATUS_BADGES.get(status, ("gray", ""))
    return f":{color}-badge[{icon} {status_name(status)}]".replace("[ ", "[")


def status_name(status: str) -> str:
    """A run status in the session's language (unknown ones as they are)."""
    return t(f"common.status.{status}") if status in STATUS_BADGES else status


def run_title(record: RunRecord) -> str:
    """The model as people see it (``RunRecord.title`` in the session's language)."""
    if record.is_imported:
        return t("common.imported_title", file=record.config.get("file_name", "model.keras"))
    return record.title


def run_label(record: RunRecord) -> str:
    """``mlp · 86.1% · 2026-11-23 10:00 · 1a2b3c`` (``RunRecord.label`` in the session's language):
    how pickers, confirmations and messages name a run."""
    score = f"{record.test_accuracy:.1%}" if record.test_accuracy is not None else status_name(record.status)
    return t(
        "common.run_label",
        title=run_title(record),
        score=score,
        date=when(record.created_at),
        short_id=record.short_id,
    )


def config_summary(record: RunRecord) -> str:
    """One line of the run's hyperparameters, e.g. ``epochs 3 · batch size 32 · dropout 0.4``."""
    config = record.config
    parts = [
        f"{LABELS[key].lower()} {setting_text(config[key])}"
        for key in LABELS
        if config.get(key) is not None and config[key] != DEFAULT_IMPROVEMENTS.get(key)
    ]
    if config.get("recipe"):
        parts.insert(0, t("common.summary_recipe", recipe=config["recipe"]))
    if config.get("train_samples"):
        parts.append(t("common.summary_train_samples", count=config["train_samples"]))
    if config.get("patience"):
        parts.append(t("common.summary_patience", patience=config["patience"]))
    if "seed" in config:
        parts.append(t("common.summary_seed", seed=config["seed"]))
    return " · ".join(parts)


def start_button(label: str, key: str, problem: str | None, verb: str) -> bool:
    """The primary button that starts work: disabled, with the reason above it, while the inputs
    are invalid, so what starts is always what is shown.

    Args:
        verb: what the button does, ``"train"`` or ``"start"`` (the catalog's ``common.correct_it.*``).
    """
    if problem:
        st.error(t(f"common.correct_it.{verb}", problem=problem), icon=":material/block:")
    return st.button(
        label, type="primary", key=key, icon=":material/play_arrow:", disabled=problem is not None
    )


def percent_cell(fraction: float | None) -> str:
    """An accuracy as table text that sorts like the number (padded with spaces, which sort before
    digits) and is blank when missing: Streamlit writes a grey "None" in an empty number cell."""
    return "" if fraction is None else f"{100 * fraction:>7.2f}%"


def count_cell(number: int | None) -> str:
    """A count as table text that sorts like the number, blank when missing."""
    return "" if number is None else f"{number:>11,}"


def duration_text(seconds: float) -> str:
    """``45 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = round(seconds)
    if seconds < 60:
        return t("common.seconds", seconds=seconds)
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return t("common.minutes", minutes=minutes, seconds=seconds)
    hours, minutes = divmod(minutes, 60)
    return t("common.hours", hours=hours, minutes=minutes)


def page_links(*pages: tuple[str, ...]) -> None:
    """Links to other pages side by side: (path, label, icon) or (path, label, icon, caption) each."""
    for column, (path, label, icon, *caption) in zip(st.columns(len(pages)), pages, strict=True):
        with column:
            st.page_link(path, label=label, icon=icon)
            if caption:
                st.caption(caption[0])
