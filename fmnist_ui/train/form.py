"""What the Train form shows, kept across reruns, page changes and reloads.

Streamlit forgets a widget's value when its page is left, and a reload starts a new session. So the
form's values live in session state (per model, for page changes) and in the URL
(``?model=cnn&epochs=5...``, for reloads and shared links). A session that has neither, a new tab
for instance, starts from the settings of the most recent run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models.models import (
    CHOICE_HYPERPARAMETERS,
    COMMON_HYPERPARAMETERS,
    HYPERPARAMETERS,
    ModelSpec,
    list_models,
)
from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import TrainingConfig
from fmnist_ui.shared import i18n
from fmnist_ui.shared.i18n import error_text, t

FORM = "train_form"  # session state: {"model": name, <model>: {setting: value}}
MODEL_KEY = "train_model"
SETTINGS = (*HYPERPARAMETERS, *CHOICE_HYPERPARAMETERS, *COMMON_HYPERPARAMETERS)
DEFAULT_MODEL = "mlp"
COMMON_DEFAULTS = {"seed": 0, "patience": 0, "train_samples": NUM_TRAIN_IMAGES}


def widget_key(model: str, setting: str) -> str:
    """Keys include the model, so switching models shows that model's own values."""
    return f"train_{model}_{setting}"


def _from_url() -> tuple[str | None, dict[str, Any], list[str]]:
    """The model and settings in the URL, each checked; and what was ignored, with the reason."""
    model = st.query_params.get("model")
    if model is None:
        return None, {}, []
    if model not in list_models():
        return None, {}, [t("train.ignored_model", model=model, known=", ".join(list_models()))]
    values, ignored = {}, []
    for setting in SETTINGS:
        text = st.query_params.get(setting)
        if text is None:
            continue
        try:
            value = text if setting in CHOICE_HYPERPARAMETERS else _number(setting, text)
            TrainingConfig.for_model(model, **{setting: value})
        except ValueError as exc:
            ignored.append(t("train.ignored_setting", setting=setting, text=text, reason=error_text(exc)))
            continue
        values[setting] = value
    return model, values, ignored


def _number(setting: str, text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and HYPERPARAMETERS.get(setting, (0, 0, int))[2] is int else value


def _from_latest_run(records: list[RunRecord]) -> tuple[str | None, dict[str, Any]]:
    """The model and settings of the most recent trained (not imported) run."""
    latest = next((record for record in records if not record.is_imported), None)
    if latest is None or latest.model not in list_models():
        return None, {}
    config = latest.config
    return latest.model, {
        key: value for key, value in config.items() if key in SETTINGS and value is not None
    }


def open_form(records: list[RunRecord]) -> None:
    """Before the widgets are drawn: the model picker opens at the remembered model.

    The first time in a session the form opens with the URL's settings, else the latest run's.
    """
    form = st.session_state.setdefault(FORM, {})
    if not form:
        model, values, ignored = _from_url()
        if ignored:
            st.warning(t("train.ignored", items="; ".join(ignored)), icon=":material/link_off:")
        if model is None:
            model, values = _from_latest_run(records)
        model = model or DEFAULT_MODEL
        form.update({"model": model, model: values})
    st.session_state.setdefault(MODEL_KEY, form["model"])


def open_model_values(spec: ModelSpec) -> None:
    """Puts the remembered values of ``spec``'s settings (else its defaults) into the widgets."""
    remembered = st.session_state[FORM].get(spec.name) or {}
    for setting, default in {**spec.defaults, **COMMON_DEFAULTS}.items():
        value = remembered.get(setting)
        st.session_state.setdefault(widget_key(spec.name, setting), default if value is None else value)


def remember(model: str, values: dict[str, Any]) -> None:
    """Keeps what the form shows in the session and in the URL."""
    form = st.session_state[FORM]
    form["model"], form[model] = model, dict(values)
    shown = {key: str(value) for key, value in values.items() if value is not None}
    st.query_params.from_dict({"model": model, **shown, **i18n.url_params()})  # keeps ?lang=
