"""Is a difference real? The paired test on Evaluate's Compare tab, and seed groups on Runs and
Compare (the statistics are ``fmnist_core.evaluation.significance``; this module says them)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core.evaluation import significance
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import error_text, t


@st.cache_data(show_spinner=False, max_entries=16)
def paired_test(run_a: str, run_b: str) -> significance.PairedTest:
    """McNemar's test and the bootstrap interval of two finished runs (immutable: cached by ids)."""
    return significance.compare_predictions(loaders.load_predictions(run_a), loaders.load_predictions(run_b))


def groups_frame(groups: list[significance.SeedGroup]) -> pd.DataFrame:
    """One row per setting: its runs, seeds, mean, spread and 95% interval of the mean."""
    return pd.DataFrame(
        {
            t("seeds.column_setting"): [significance.describe_setting(g.setting, t) for g in groups],
            t("seeds.column_runs"): [g.size for g in groups],
            t("seeds.column_seeds"): [", ".join(map(str, g.seeds)) for g in groups],
            t("seeds.column_mean"): [f"{g.mean:.2%}" for g in groups],
            t("seeds.column_spread"): [t("seeds.spread", points=g.spread * 100) for g in groups],
            t("seeds.column_interval"): [
                t("seeds.interval", low=g.interval[0], high=g.interval[1]) for g in groups
            ],
        }
    )


def render_seed_groups(records: list[RunRecord]) -> None:
    """The Runs page's section: every setting trained with two or more seeds."""
    st.subheader(t("seeds.heading"))
    groups = significance.seed_groups(records)
    if not groups:
        st.caption(t("seeds.none"))
        return
    st.caption(t("seeds.caption"))
    st.dataframe(groups_frame(groups), hide_index=True, key="runs_seed_groups")


def render_compare_significance(
    a: RunRecord, b: RunRecord, names: tuple[str, str], records: list[RunRecord]
) -> None:
    """Compare's verdict in plain words, then the seed groups of both runs' settings."""
    st.subheader(t("seeds.compare_heading"))
    try:
        test = paired_test(a.id, b.id)
    except ValueError as exc:
        st.error(error_text(exc))
        return
    st.markdown(significance.describe_paired(test, *names, t=t))
    st.caption(t("seeds.compare_caption", count=test.count, resamples=significance.RESAMPLES))
    groups = significance.seed_groups(records)
    shown = [g for g in (significance.group_of(a.id, groups), significance.group_of(b.id, groups)) if g]
    if not shown:
        st.caption(t("seeds.compare_no_groups"))
        return
    unique = list({id(group): group for group in shown}.values())
    st.markdown(t("seeds.compare_groups"))
    st.dataframe(groups_frame(unique), hide_index=True, key="evaluate_compare_seed_groups")
