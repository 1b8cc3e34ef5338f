"""Evaluate's Per-class metrics tab: precision, recall, F1 and support per class, the worst
classes highlighted, and one click to the tops group on the matrix."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis
from fmnist_core.evaluation.evaluation import RunEvaluation
from fmnist_core.plots import evaluation_plots
from fmnist_ui.evaluate import tabs as evaluate_tabs
from fmnist_ui.evaluate import view as evaluate_view
from fmnist_ui.shared.i18n import class_name, t


def focus_on_group() -> None:
    """One click from the metrics to the tops group's sub-matrix and its confusions."""
    evaluate_view.reset_gallery()
    st.session_state[evaluate_view.FOCUS_KEY] = True
    st.session_state[evaluate_tabs.TAB_KEY] = evaluate_tabs.tab_label(evaluate_tabs.TABS[0])


METRIC_COLUMNS = {
    "precision": "evaluate.column_precision",
    "recall": "evaluate.column_recall",
    "f1": "evaluate.column_f1",
    "support": "evaluate.column_support",
}


def translated_class(name: str) -> str:
    """An English class name (the metrics table's index) in the session's language."""
    return class_name(CLASS_NAMES.index(name)) if name in CLASS_NAMES else name


def style_metrics(table: pd.DataFrame, worst: list[str]) -> pd.io.formats.style.Styler:
    """Percentages, with the rows of the worst classes highlighted; class names and column
    headers in the session's language (the table itself keeps its English names)."""
    highlight = "background-color: rgba(214, 39, 40, 0.18); font-weight: bold"
    shown = table.rename(index=translated_class, columns=lambda column: t(METRIC_COLUMNS[column]))
    worst_shown = [translated_class(name) for name in worst]
    percent = {t(METRIC_COLUMNS[column]): "{:.1%}" for column in ("precision", "recall", "f1")}
    return shown.style.format({**percent, t(METRIC_COLUMNS["support"]): "{:,}"}).apply(
        lambda row: [highlight if row.name in worst_shown else ""] * len(row), axis=1
    )


def render_metrics_tab(run: RunEvaluation) -> None:
    """Precision, recall, F1 and support per class (scikit-learn), worst classes highlighted."""
    table = run.metrics
    worst = error_analysis.worst_classes(table)
    table_col, chart_col = st.columns([2, 3])
    with table_col:
        st.dataframe(style_metrics(table, worst), key="evaluate_metrics_table")
        names = ", ".join(translated_class(name) for name in worst)
        st.caption(t("evaluate.highlighted", count=len(worst), names=names))
        st.button(
            t("evaluate.focus", group=evaluate_view.group_names()),
            on_click=focus_on_group,
            key="evaluate_focus_button",
            icon=":material/center_focus_strong:",
        )
    with chart_col:
        figure = evaluation_plots.plot_per_class_metrics(table, t=t)
        st.plotly_chart(figure, key="evaluate_metrics_chart", config={"displayModeBar": False})
