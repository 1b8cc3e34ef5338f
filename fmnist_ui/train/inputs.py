"""The Train form's inputs: the model picker and one widget per hyperparameter the model accepts.

Widget keys include the model name, so switching models shows that model's own values instead of
carrying over another model's; the values are remembered by ``train.form``.
"""

from __future__ import annotations

import itertools
from typing import Any

import streamlit as st

from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models.models import ModelSpec, get_model_spec, list_models
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared.i18n import t
from fmnist_ui.shared.widgets import COMMON_HELP, IMPROVEMENTS, Texts, model_description, setting_widget
from fmnist_ui.train import form as train_form


def model_picker(records: list[RunRecord]) -> ModelSpec:
    """A select box of the registered models, opened at the remembered model, with its description."""
    train_form.open_form(records)
    name = st.selectbox(
        t("common.model"), list_models(), key=train_form.MODEL_KEY, help=t("common.model_help")
    )
    spec = get_model_spec(name)
    size = (
        t("common.model_parameters", count=spec.num_params)
        if spec.num_params
        else t("common.model_size_unknown")
    )
    st.caption(t("common.model_caption", description=model_description(spec), size=size, family=spec.family))
    return spec


COMMON_LABELS = Texts("common.label.{}", ("seed", "patience", "train_samples"))


def hyperparameter_inputs(spec: ModelSpec, columns: int = 3) -> dict[str, Any]:
    """One widget per hyperparameter the model accepts, plus seed, patience and training images,
    opened at the values remembered for this model (kept in the session and the URL).

    Returns:
        Overrides for ``TrainingConfig.for_model`` (``train_samples`` is None for all images),
        exactly as shown: out-of-range numbers are returned as typed, for the page to refuse.
    """
    train_form.open_model_values(spec)
    cells = itertools.cycle(st.columns(columns))  # fills the grid row by row
    values: dict[str, Any] = {}
    for name, default in spec.defaults.items():
        if name not in IMPROVEMENTS:
            with next(cells):
                values[name] = setting_widget(name, default, train_form.widget_key(spec.name, name))
    for name, label in COMMON_LABELS.items():
        with next(cells):
            values[name] = st.number_input(
                label, step=1000 if name == "train_samples" else 1,
                help=COMMON_HELP[name], key=train_form.widget_key(spec.name, name),
            )  # fmt: skip
    values |= improvement_inputs(spec, columns)
    train_form.remember(spec.name, values)
    if values["train_samples"] == NUM_TRAIN_IMAGES:
        values["train_samples"] = None
    return values


def improvement_inputs(spec: ModelSpec, columns: int) -> dict[str, Any]:
    """The optimizer, label smoothing, plateau and augmentation settings, in an expander that
    opens by itself when one of them differs from the model's default."""
    names = [name for name in IMPROVEMENTS if name in spec.defaults]
    if not names:
        return {}
    keys = {name: train_form.widget_key(spec.name, name) for name in names}
    changed = any(st.session_state.get(keys[name]) != spec.defaults[name] for name in names)
    values = {}
    with st.expander(t("common.improvements"), icon=":material/tune:", expanded=changed):
        cells = itertools.cycle(st.columns(columns))
        for name in names:
            with next(cells):
                values[name] = setting_widget(name, spec.defaults[name], keys[name])
    return values
