"""One recipe's card on the Tutorials page: its source, settings, code and published figure, the
Run button with its seed choice, and the state of its runs."""

from __future__ import annotations

from typing import Any

import streamlit as st

from fmnist_core import recipe_results, recipes
from fmnist_core.recipe_results import RecipeResult
from fmnist_core.recipes import Recipe
from fmnist_core.training import TrainingBusyError, launch_queue
from fmnist_ui import loaders, train_view, widgets

SEED_CHOICES = (1, 3)
SETTING_LABELS = {
    "model": "model",
    "input_scaling": "input scaling",
    "loss": "loss",
    "optimizer": "optimizer",
    "learning_rate": "learning rate",
    "label_smoothing": "label smoothing",
    "augmentation": "augmentation",
    "dropout": "dropout",
    "epochs": "epochs",
    "batch_size": "batch size",
    "validation_split": "validation split",
    "patience": "early stopping patience",
    "plateau_patience": "halve the rate after a plateau of",
}
LOSS_TEXT = {
    "sparse": "sparse categorical crossentropy",
    "logits": "sparse crossentropy from logits (softmax added for predicting)",
    "softmax_as_logits": "from_logits=True on a softmax output",
    "one_hot": "categorical crossentropy on one-hot labels",
}


def setting_text(key: str, value: Any) -> str:
    """``batch size 32``, ``no validation split``, ``loss categorical crossentropy on one-hot labels``."""
    if key == "validation_split" and not value:
        return "no validation split (all 60,000 images train)"
    if key == "validation_split":
        return f"validation split {value:.0%} (the last rows)"
    if key == "loss":
        return f"loss: {LOSS_TEXT.get(value, value)}"
    if key == "patience" and not value:
        return "no early stopping"
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{SETTING_LABELS.get(key, key.replace('_', ' '))} {shown}"


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
    active = train_view.current_run(loaders.list_runs())
    if active:
        raise TrainingBusyError(train_view.busy_message(active))
    return launch_queue(configs)


def run_controls(recipe: Recipe, result: RecipeResult) -> None:
    """How many seeds, which ones, and the Run button; says clearly why a run cannot start."""
    count = st.radio(
        "Runs",
        SEED_CHOICES,
        key=f"tutorials_seeds_{recipe.name}",
        horizontal=True,
        format_func=lambda n: "1 run" if n == 1 else f"{n} seeds (see the spread)",
        help="Several seeds show how much the figure moves from run to run.",
    )
    seeds = recipe_results.next_seeds(result, count)
    st.caption(
        f"Runs seed{'s' * (len(seeds) > 1)} {', '.join(map(str, seeds))} on all 60,000 training images."
    )
    if not st.button("Run", key=f"tutorials_run_{recipe.name}", type="primary", icon=":material/play_arrow:"):
        return
    try:
        run_ids = start_recipe(recipe.name, seeds)
    except (TrainingBusyError, ValueError, OSError) as exc:
        st.error(str(exc), icon=":material/block:")
        return
    st.toast(
        f"Queued {len(run_ids)} run{'s' * (len(run_ids) > 1)} of {recipe.name}",
        icon=":material/rocket_launch:",
    )
    st.rerun()  # the page starts polling the new runs


def show_status(result: RecipeResult, split: str) -> None:
    """Runs in progress (with a link to watch them), then the finished runs' figure."""
    if result.active_ids:
        st.markdown(
            f":material/hourglass_top: {len(result.active_ids)} run"
            f"{'s' * (len(result.active_ids) > 1)} queued or training (seeds "
            f"{', '.join(map(str, result.active_seeds))})"
        )
        st.page_link("pages/train.py", label="Watch it train on Train", icon=":material/model_training:")
    if result.values:
        runs_text = f"{len(result.values)} run{'s' * (len(result.values) > 1)}"
        time_text = f", {widgets.duration_text(result.mean_seconds)} each" if result.mean_seconds else ""
        st.markdown(f"**Ours ({split}):** {recipe_results.ours_text(result)} over {runs_text}{time_text}")
        if result.explanation:
            st.caption(f":material/info: {result.explanation}")
        st.page_link(
            "pages/evaluate.py",
            label="Study the latest run on Evaluate",
            icon=":material/grid_on:",
            query_params={"run": result.run_ids[0]},
        )
    elif not result.active_ids:
        st.caption("Not run here yet.")


def show_card(recipe: Recipe, result: RecipeResult) -> None:
    """The bordered card of one recipe."""
    with st.container(border=True, key=f"tutorials_card_{recipe.name}"):
        st.markdown(f"#### {recipe.title}")
        source = f"[{recipe.source}]({recipe.link})" if recipe.link else recipe.source
        st.caption(f"`{recipe.name}` · {source}")
        st.markdown(f"**Reported:** {recipe.reported.text}")
        st.markdown(settings_markdown(recipe))
        with st.expander("The tutorial's code"):
            st.code(recipe.code, language="python")
        for note in recipe.notes:
            st.caption(note)
        show_status(result, recipe.reported.split)
        run_controls(recipe, result)
