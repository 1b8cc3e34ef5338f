"""The Tutorials page: the results table (published figure beside ours) and one card per recipe.

Everything is read from the run folders on every rerun; while a recipe's run is queued or training
the page polls them every second, and reruns once when one starts or ends.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core import recipe_results, recipes
from fmnist_core.recipe_results import RecipeResult
from fmnist_ui import loaders, train_view, tutorials_card, widgets

CARD_COLUMNS = 2


def results_frame(results: list[RecipeResult]) -> pd.DataFrame:
    """One row per recipe: reported figure, ours (mean and range), seeds, time here, why they
    differ, and a link to the latest run on Evaluate (blank without one: a None cell reads "None")."""
    rows = []
    for result in results:
        recipe = recipes.get_recipe(result.recipe)
        rows.append({
            "recipe": result.recipe,
            "reported": recipe.reported.short,
            "split": recipe.reported.split,
            "ours": recipe_results.ours_text(result),
            "seeds": str(len(result.seeds)) if result.seeds else "",
            "time here": widgets.duration_text(result.mean_seconds) if result.mean_seconds else "",
            "evaluate": f"/evaluate?run={result.run_ids[0]}" if result.run_ids else "",
            "why they differ": result.explanation or "",
            "runs": ", ".join(result.run_ids),
        })  # fmt: skip
    return pd.DataFrame(rows)


def show_results_table(results: list[RecipeResult]) -> None:
    st.dataframe(
        results_frame(results),
        hide_index=True,
        key="tutorials_results",
        column_config={
            "recipe": st.column_config.TextColumn(pinned=True),
            "reported": st.column_config.TextColumn(
                help="The tutorial's published accuracy; its card quotes it in full."
            ),
            "split": st.column_config.TextColumn(
                help="The split the tutorial reports; ours is measured on the same one (validation: "
                "the best epoch's accuracy)."
            ),
            "ours": st.column_config.TextColumn(
                help="Mean accuracy of the finished runs here, with the lowest and highest in brackets."
            ),
            "seeds": widgets.NUMBER_TEXT_COLUMN(help="Distinct seeds among the finished runs."),
            "time here": st.column_config.TextColumn(help="Mean training time of one run on this machine."),
            "why they differ": st.column_config.TextColumn(
                width="large",
                help="Shown where our mean misses the reported figure by more than the seed spread "
                f"(half the range of our runs, at least {recipe_results.SPREAD_FLOOR}).",
            ),
            "evaluate": st.column_config.LinkColumn(
                display_text="Evaluate",
                help="Study the recipe's latest run: its confusion matrix and mistakes.",
            ),
        },
    )


def show_cards(results: list[RecipeResult]) -> None:
    """The recipe cards in a grid, in the recipes' order."""
    for start in range(0, len(results), CARD_COLUMNS):
        row = results[start : start + CARD_COLUMNS]
        for column, result in zip(st.columns(CARD_COLUMNS), row, strict=False):
            with column:
                tutorials_card.show_card(recipes.get_recipe(result.recipe), result)


def active_ids(results: list[RecipeResult]) -> set[str]:
    return {run_id for result in results for run_id in result.active_ids}


def show_tutorials() -> None:
    """The results table and the cards, polled while a recipe's run is queued or training."""
    first = recipe_results.results_table(*_load())
    active = active_ids(first)
    listed = [first]  # the first drawing uses this listing; each poll lists again

    @st.fragment(run_every=train_view.POLL_S if active else None)
    def tutorials() -> None:
        results = listed.pop() if listed else recipe_results.results_table(*_load())
        if active_ids(results) != active:
            st.rerun()
        st.subheader("Published figures beside ours")
        show_results_table(results)
        st.subheader("The recipes")
        show_cards(results)

    tutorials()


def _load() -> tuple[list, dict]:
    records = loaders.list_runs()
    return records, loaders.load_histories(records)
