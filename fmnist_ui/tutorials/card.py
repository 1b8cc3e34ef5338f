"""One recipe's card on the Tutorials page: its source, settings, code and published figure, the
Run button with its seed choice, and the state of its runs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_core.plots import recipe_plots
from fmnist_core.recipes import recipe_results, recipes
from fmnist_core.recipes.recipe_results import RecipeResult
from fmnist_core.recipes.recipes import Recipe
from fmnist_core.training import TrainingBusyError, launch_queue
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import error_text, t

SEED_CHOICES = (1, 3)
# Settings with a sentence under tutorials.setting.<key> ("batch size {value}"); values with a
# name under tutorials.loss.<value> or tutorials.value.<value>.
SETTINGS = frozenset({
    "model", "input_scaling", "optimizer", "learning_rate", "label_smoothing", "augmentation", "dropout",
    "epochs", "batch_size", "patience", "plateau_patience",
})  # fmt: skip
LOSSES = frozenset({"sparse", "logits", "softmax_as_logits", "one_hot"})
VALUES = frozenset({"raw", "standardized", "none"})


def setting_text(key: str, value: Any) -> str:
    """``batch size 32``, ``no validation split``, ``loss categorical crossentropy on one-hot labels``."""
    if key == "validation_split":
        return t("tutorials.setting.validation_split", value=value) if value else t("tutorials.no_split")
    if key == "loss":
        return t("tutorials.setting.loss", loss=t(f"tutorials.loss.{value}") if value in LOSSES else value)
    if key == "patience" and not value:
        return t("tutorials.no_early_stopping")
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    if value in VALUES:
        shown = t(f"tutorials.value.{value}")
    if key not in SETTINGS:
        return f"{key.replace('_', ' ')} {shown}"
    return t(f"tutorials.setting.{key}", value=shown)


def settings_markdown(recipe: Recipe) -> str:
    """The recipe's settings as one Markdown line of inline code chips."""
    return " · ".join(f"`{setting_text(key, value)}`" for key, value in recipe.settings.items())


def start_recipe(name: str, seeds: list[int]) -> list[str]:
    """Queues one run per seed of recipe ``name`` in one background worker; returns their ids.

    Raises:
        TrainingBusyError: a run is already training (only one trains at a time).
        ValueError: the recipe's settings are not accepted by this version's training code.
    """
    configs = [recipes.recipe_config(name, seed) for seed in seeds]
    active = shared_training.current_run(loaders.list_runs())
    if active:
        raise TrainingBusyError("error.run.busy_run", run=active.id, model=active.model)
    return launch_queue(configs)


def run_controls(recipe: Recipe, result: RecipeResult) -> None:
    """How many seeds, which ones, and the Run button; says clearly why a run cannot start."""
    count = st.radio(
        t("tutorials.runs"),
        SEED_CHOICES,
        key=f"tutorials_seeds_{recipe.name}",
        horizontal=True,
        format_func=lambda n: t("tutorials.one_run") if n == 1 else t("tutorials.seeds_choice", count=n),
        help=t("tutorials.runs_help"),
    )
    seeds = recipe_results.next_seeds(result, count)
    key = "tutorials.runs_seed" if len(seeds) == 1 else "tutorials.runs_seeds"
    st.caption(t(key, seeds=", ".join(map(str, seeds))))
    if not st.button(
        t("tutorials.run"), key=f"tutorials_run_{recipe.name}", type="primary", icon=":material/play_arrow:"
    ):
        return
    try:
        run_ids = start_recipe(recipe.name, seeds)
    except (TrainingBusyError, ValueError, OSError) as exc:
        st.error(error_text(exc), icon=":material/block:")
        return
    key = "tutorials.queued_one" if len(run_ids) == 1 else "tutorials.queued_many"
    st.toast(t(key, count=len(run_ids), name=recipe.name), icon=":material/rocket_launch:")
    st.rerun()  # the page starts polling the new runs


def show_status(recipe: Recipe, result: RecipeResult, split: str) -> None:
    """Runs in progress (with a link to watch them), then the finished runs' figure."""
    if result.active_ids:
        key = "tutorials.active_one" if len(result.active_ids) == 1 else "tutorials.active_many"
        seeds = ", ".join(map(str, result.active_seeds))
        st.markdown(f":material/hourglass_top: {t(key, count=len(result.active_ids), seeds=seeds)}")
        st.page_link("pages/train.py", label=t("tutorials.watch"), icon=":material/model_training:")
    if result.values:
        count = len(result.values)
        runs_text = t("tutorials.runs_one") if count == 1 else t("tutorials.runs_many", count=count)
        time_text = (
            t("tutorials.each", duration=widgets.duration_text(result.mean_seconds))
            if result.mean_seconds
            else ""
        )
        ours = recipe_results.ours_text(result)
        split_text = t(f"tutorials.split.{split}")
        st.markdown(t("tutorials.ours", split=split_text, ours=ours, runs=runs_text, time=time_text))
        if result.explanation:
            st.caption(f":material/info: {recipe.differs_because_in(t)}")
        st.page_link(
            "pages/evaluate.py",
            label=t("tutorials.study"),
            icon=":material/grid_on:",
            query_params={"run": result.run_ids[0]},
        )
    elif not result.active_ids:
        st.caption(t("tutorials.not_run"))


def show_curve(recipe: Recipe, history: list[dict[str, Any]]) -> None:
    """The latest finished run's validation accuracy against its training time, with the
    recipe's target when it has one."""
    if not any("val_accuracy" in line for line in history):
        return
    reported = recipe.reported
    figure = recipe_plots.plot_accuracy_against_time(
        history,
        target=reported.value if reported.is_target else None,
        within_seconds=reported.within_seconds,
        t=t,
    )
    st.plotly_chart(figure, key=f"tutorials_curve_{recipe.name}", config={"displayModeBar": False})


def show_card(recipe: Recipe, result: RecipeResult, history: list[dict[str, Any]]) -> None:
    """The bordered card of one recipe; ``history`` is its latest finished run's (or empty)."""
    with st.container(border=True, key=f"tutorials_card_{recipe.name}"):
        st.markdown(f"#### {recipe.title_in(t)}")
        source = f"[{recipe.source_in(t)}]({recipe.link})" if recipe.link else recipe.source_in(t)
        st.caption(f"`{recipe.name}` · {source}")
        st.markdown(t("tutorials.reported", text=recipe.reported.text_in(t)))
        st.markdown(settings_markdown(recipe))
        with st.expander(t("tutorials.code")):
            st.code(recipe.code, language="python")
        for note in recipe.notes_in(t):
            st.caption(note)
        show_status(recipe, result, recipe.reported.split)
        if result.values:
            show_curve(recipe, history)
        run_controls(recipe, result)
