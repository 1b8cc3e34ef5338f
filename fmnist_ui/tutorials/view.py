"""The Tutorials page: the results table (published figure beside ours) and one card per recipe.

Everything is read from the run folders on every rerun; while a recipe's run is queued or training
the page polls them every second, and reruns once when one starts or ends.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core.recipes import recipe_results, recipes
from fmnist_core.recipes.recipe_results import RecipeResult
from fmnist_ui.shared import loaders, widgets
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import t
from fmnist_ui.tutorials import card as tutorials_card

CARD_COLUMNS = 2


def results_frame(results: list[RecipeResult]) -> pd.DataFrame:
    """One row per recipe: reported figure, ours (mean and range), seeds, time here, why they
    differ, and a link to the latest run on Evaluate (blank without one: a None cell reads "None")."""
    rows = []
    for result in results:
        recipe = recipes.get_recipe(result.recipe)
        rows.append({
            "recipe": result.recipe,
            "reported": recipe.reported.short_in(t),
            "split": t(f"tutorials.split.{recipe.reported.split}"),
            "ours": recipe_results.ours_text(result),
            "seeds": str(len(result.seeds)) if result.seeds else "",
            "time here": widgets.duration_text(result.mean_seconds) if result.mean_seconds else "",
            "evaluate": f"/evaluate?run={result.run_ids[0]}" if result.run_ids else "",
            "why they differ": recipe.differs_because_in(t) if result.explanation else "",
            "runs": ", ".join(result.run_ids),
        })  # fmt: skip
    return pd.DataFrame(rows)


def show_results_table(results: list[RecipeResult]) -> None:
    """The table; its headers in the page's language (the frame keeps its English column names)."""
    frame = results_frame(results)
    config = {
        "recipe": st.column_config.TextColumn(pinned=True),
        "reported": st.column_config.TextColumn(help=t("tutorials.reported_help")),
        "split": st.column_config.TextColumn(help=t("tutorials.split_help")),
        "ours": st.column_config.TextColumn(help=t("tutorials.ours_help")),
        "seeds": widgets.NUMBER_TEXT_COLUMN(help=t("tutorials.seeds_help")),
        "time here": st.column_config.TextColumn(help=t("tutorials.time_help")),
        "why they differ": st.column_config.TextColumn(
            width="large", help=t("tutorials.differ_help", floor=recipe_results.SPREAD_FLOOR)
        ),
        "evaluate": st.column_config.LinkColumn(
            display_text=t("tutorials.evaluate_link"), help=t("tutorials.evaluate_help")
        ),
        "runs": st.column_config.TextColumn(),
    }
    for name, column in config.items():
        column["label"] = t(f"tutorials.column.{name.replace(' ', '_')}")
    st.dataframe(frame, hide_index=True, key="tutorials_results", column_config=config)


def show_cards(results: list[RecipeResult], histories: dict[str, list]) -> None:
    """The recipe cards in a grid, in the recipes' order; ``histories`` by run id."""
    for start in range(0, len(results), CARD_COLUMNS):
        row = results[start : start + CARD_COLUMNS]
        for column, result in zip(st.columns(CARD_COLUMNS), row, strict=False):
            with column:
                latest = histories.get(result.run_ids[0], []) if result.run_ids else []
                tutorials_card.show_card(recipes.get_recipe(result.recipe), result, latest)


def active_ids(results: list[RecipeResult]) -> set[str]:
    return {run_id for result in results for run_id in result.active_ids}


def show_tutorials() -> None:
    """The results table and the cards, polled while a recipe's run is queued or training."""
    listed = [_listing()]  # the first drawing uses this listing; each poll lists again
    active = active_ids(listed[0][0])

    @st.fragment(run_every=shared_training.POLL_S if active else None)
    def tutorials() -> None:
        results, histories = listed.pop() if listed else _listing()
        if active_ids(results) != active:
            st.rerun()
        st.subheader(t("tutorials.results_heading"))
        show_results_table(results)
        st.subheader(t("tutorials.recipes_heading"))
        show_cards(results, histories)

    tutorials()


def _listing() -> tuple[list[RecipeResult], dict[str, list]]:
    """Every recipe's result and the runs' histories by id."""
    records = loaders.list_runs()
    histories = loaders.load_histories(records)
    return recipe_results.results_table(records, histories), histories
