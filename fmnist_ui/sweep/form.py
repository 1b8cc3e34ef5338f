"""The New sweep form: a search range (a set of choices for the optimizer and the augmentation) or
one fixed value per hyperparameter the model accepts, the trial budget, the sampler and pruning;
checked by ``SweepSpec`` before anything starts. The improvements the tutorials suggest have their
own expander, as on the Train page."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_core import sweeps
from fmnist_core.data import NUM_TRAIN_IMAGES
from fmnist_core.models.models import (
    CHOICE_HYPERPARAMETERS,
    HYPERPARAMETERS,
    ModelSpec,
    get_model_spec,
    list_models,
)
from fmnist_core.runs import runs
from fmnist_ui.shared import widgets
from fmnist_ui.shared.i18n import error_text, t

MODEL_KEY = "sweep_model"
NAME_KEY = "sweep_name"
SUGGESTED = "sweep_name_suggested"  # the last name the form suggested, replaced while not edited
SAMPLERS = ("tpe", "random", "grid")  # named by the catalog's sweep.sampler.*
LOG_LEARNING_RATES = (
    1e-5,
    2e-5,
    5e-5,
    1e-4,
    2e-4,
    5e-4,
    1e-3,
    2e-3,
    5e-3,
    1e-2,
    2e-2,
    5e-2,
    0.1,
    0.2,
    0.5,
    1.0,
)
SEARCHED = ("dropout", "learning_rate")  # searched by default; the others start fixed
RANGE_DEFAULTS = {
    "dropout": (0.0, 0.6),
    "validation_split": (0.1, 0.3),
    "epochs": (1, 3),
    "label_smoothing": (0.0, 0.2),
    "plateau_patience": (0, 3),
}
SLIDER_MAX = {"epochs": 30, "plateau_patience": 20}  # whole-number ranges: what a sweep needs
FIXED_EPOCHS = 3  # a sweep trains many models: small by default


def shown_names(choices: tuple[str, ...]) -> dict[str, str]:
    """Each choice with its name in the session's language, fixed when the widget is drawn (a
    ``format_func`` may be called later, outside the session)."""
    return {choice: widgets.choice_name(choice) for choice in choices}


def sampler_names(grid_ready: bool) -> dict[str, str]:
    names = {sampler: t(f"sweep.sampler.{sampler}") for sampler in SAMPLERS}
    return names if grid_ready else names | {"grid": t("sweep.sampler.grid_not_ready")}


def key(model: str, param: str, part: str = "value") -> str:
    return f"sweep_{model}_{param}_{part}"


def suggest_name(model: str, taken: set[str]) -> str:
    """``mlp-sweep-1``, or the next number not taken."""
    number = 1
    while f"{model}-sweep-{number}" in taken:
        number += 1
    return f"{model}-sweep-{number}"


def model_and_name(taken: set[str]) -> tuple[ModelSpec, str]:
    """The model picker and the sweep's name, prefilled with a free name until the user edits it."""
    st.session_state.setdefault(MODEL_KEY, "mlp")
    name = st.selectbox(t("sweep.model"), list_models(), key=MODEL_KEY, help=t("sweep.model_help"))
    suggestion = suggest_name(name, taken)
    if st.session_state.get(NAME_KEY) in (None, "", st.session_state.get(SUGGESTED)):
        st.session_state[NAME_KEY] = suggestion
    st.session_state[SUGGESTED] = suggestion
    sweep_name = st.text_input(t("sweep.name"), key=NAME_KEY, help=t("sweep.name_help"))
    return get_model_spec(name), sweep_name.strip()


def search_widget(model: str, param: str) -> sweeps.Param | None:
    """The range (or set of values) to search for ``param``; None when none is chosen."""
    label, widget_key = widgets.LABELS[param], key(model, param, "range")
    if param in CHOICE_HYPERPARAMETERS:
        options = CHOICE_HYPERPARAMETERS[param][0]
        chosen = st.multiselect(
            t("sweep.choices_label", label=label), options, default=list(options),
            format_func=shown_names(options).get, key=widget_key, help=widgets.setting_help(param),
        )  # fmt: skip
        kept = tuple(value for value in options if value in chosen)  # in the registry's order
        return sweeps.Param("categorical", choices=kept) if kept else None
    low, high, kind, _ = HYPERPARAMETERS[param]
    if param == "learning_rate":
        chosen = st.select_slider(
            t("sweep.log_range_label", label=label), LOG_LEARNING_RATES, value=(1e-4, 1e-2), format_func="{:g}".format,
            key=widget_key,
        )  # fmt: skip
        return sweeps.Param("float", chosen[0], chosen[1], log=True)
    if param == "batch_size":
        chosen = st.multiselect(
            t("sweep.values_label", label=label), widgets.BATCH_SIZES, default=[32, 64, 128], key=widget_key
        )
        return sweeps.Param("categorical", choices=tuple(sorted(chosen))) if chosen else None
    if kind is int:
        chosen = st.slider(
            t("sweep.range_label", label=label), int(low), SLIDER_MAX[param], RANGE_DEFAULTS[param], key=widget_key
        )  # fmt: skip
        return sweeps.Param("int", chosen[0], chosen[1])
    default = tuple(float(value) for value in RANGE_DEFAULTS.get(param, (low, high)))
    chosen = st.slider(
        t("sweep.range_label", label=label), float(low), float(high), default, step=0.05, key=widget_key
    )
    return sweeps.Param("float", chosen[0], chosen[1])


def fixed_widget(spec: ModelSpec, param: str) -> Any:
    """One value, with the Train page's widget for it."""
    default = FIXED_EPOCHS if param == "epochs" else spec.defaults[param]
    widget_key = key(spec.name, param)
    st.session_state.setdefault(widget_key, default)
    return widgets.setting_widget(param, default, widget_key)


def search_space_inputs(spec: ModelSpec) -> tuple[dict[str, sweeps.Param], dict[str, Any], list[str]]:
    """Per hyperparameter: a search/fixed toggle and its widget.

    Returns:
        The searched ranges, the fixed values, and what is missing (a set with no value).
    """
    space, fixed, missing = {}, {}, []
    improvements = [param for param in widgets.IMPROVEMENTS if param in spec.defaults]
    for param in spec.defaults:
        if param not in improvements:
            param_row(spec, param, space, fixed, missing)
    if improvements:
        changed = any(
            st.session_state.get(key(spec.name, param, "search"))
            or st.session_state.get(key(spec.name, param), spec.defaults[param]) != spec.defaults[param]
            for param in improvements
        )
        with st.expander(t("common.improvements"), icon=":material/tune:", expanded=changed):
            for param in improvements:
                param_row(spec, param, space, fixed, missing)
    return space, fixed, missing


def param_row(
    spec: ModelSpec, param: str, space: dict[str, sweeps.Param], fixed: dict[str, Any], missing: list[str]
) -> None:
    """One hyperparameter's search/fixed toggle and its widget; adds what it shows to ``space``,
    ``fixed`` or ``missing``."""
    toggle, widget = st.columns([1, 4], vertical_alignment="center")
    with toggle:
        searched = st.toggle(
            t("sweep.search"), value=param in SEARCHED, key=key(spec.name, param, "search"),
            help=t("sweep.search_help"),
        )  # fmt: skip
    with widget:
        if not searched:
            fixed[param] = fixed_widget(spec, param)
        elif (chosen := search_widget(spec.name, param)) is not None:
            space[param] = chosen
        else:
            missing.append(t("sweep.choose_one", label=widgets.LABELS[param].lower()))


def grid_ready_param(param: sweeps.Param) -> bool:
    try:
        param.grid_values()
    except ValueError:
        return False
    return True


def run_inputs(space: dict[str, sweeps.Param]) -> dict[str, Any]:
    """Trials, sampler, pruning, seed and training images."""
    grid_ready = bool(space) and all(grid_ready_param(param) for param in space.values())
    first, second, third = st.columns(3)
    with first:
        trials = st.number_input(
            t("sweep.trials"), value=8, step=1, key="sweep_trials", help=t("sweep.trials_help")
        )
        seed = st.number_input(t("sweep.seed"), value=0, step=1, key="sweep_seed", help=t("sweep.seed_help"))
    with second:
        sampler = st.radio(
            t("sweep.sampler_label"),
            SAMPLERS,
            format_func=sampler_names(grid_ready).get,
            key="sweep_sampler",
            help=t("sweep.sampler_help"),
        )  # fmt: skip
    with third:
        prune = st.toggle(t("sweep.prune"), value=True, key="sweep_prune", help=t("sweep.prune_help"))
        train_samples = st.number_input(
            t("sweep.train_samples"), value=NUM_TRAIN_IMAGES, step=1000, key="sweep_train_samples",
            help=widgets.COMMON_HELP["train_samples"],
        )  # fmt: skip
    return {
        "trials": trials,
        "sampler": sampler,
        "prune": prune,
        "seed": seed,
        "train_samples": train_samples,
    }


def build_spec(
    name: str, spec: ModelSpec, space: dict[str, sweeps.Param], fixed: dict[str, Any], options: dict[str, Any]
) -> sweeps.SweepSpec:
    """The sweep the form describes; raises ValueError with the reason when it cannot run (a
    coded error, said with ``error_text``)."""
    samples = int(options["train_samples"])
    return sweeps.SweepSpec(
        name=name,
        model=spec.name,
        trials=int(options["trials"]),
        space=space,
        fixed={param: value for param, value in fixed.items() if param != "epochs"},
        epochs=None if "epochs" in space else int(fixed.get("epochs", FIXED_EPOCHS)),
        train_samples=None if samples == NUM_TRAIN_IMAGES else samples,
        sampler=options["sampler"],
        prune=bool(options["prune"]),
        seed=int(options["seed"]),
        storage=None,
        created_at=runs.now_iso(),
    ).validate()


def new_sweep_form(taken: set[str]) -> tuple[sweeps.SweepSpec | None, str | None]:
    """The whole form; returns the sweep it describes, or None and why it cannot start as shown."""
    spec, name = model_and_name(taken)
    space, fixed, missing = search_space_inputs(spec)
    options = run_inputs(space)
    if missing:
        return None, " ".join(missing)
    if name in taken:
        return None, t("sweep.name_taken", name=repr(name))
    try:
        return build_spec(name, spec, space, fixed, options), None
    except ValueError as exc:
        return None, error_text(exc)
