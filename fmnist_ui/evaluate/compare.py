"""Evaluate page sections that look beyond one test-set snapshot: two runs side by side, and the
validation confusion matrix epoch by epoch."""

from __future__ import annotations

import streamlit as st

from fmnist_core.evaluation import error_analysis
from fmnist_core.plots import evaluation_plots
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.evaluate import calibration as evaluate_calibration
from fmnist_ui.evaluate import data as evaluate_data
from fmnist_ui.evaluate import gallery as evaluate_gallery
from fmnist_ui.evaluate.data import say
from fmnist_ui.shared import loaders, report_downloads
from fmnist_ui.shared import significance as significance_view
from fmnist_ui.shared.i18n import t

BASELINE_KEY = "evaluate_compare_a"
CHALLENGER_KEY = "evaluate_compare_b"
DIRECTION_KEY = "evaluate_compare_direction"
COMPARE_GALLERY_KEY = "evaluate_compare_gallery"
EPOCH_KEY = "evaluate_epoch"


def accuracy_change(before: float, after: float) -> str:
    """A difference of two accuracies, in percentage points (``+7.87 points``), never in %."""
    return t("evaluate.points_change", points=(after - before) * 100)


def default_pair(records: list[RunRecord], current_id: str) -> tuple[str, str]:
    """(baseline, challenger): the run being evaluated against the newest run of another model."""
    others = [r for r in records if r.id != current_id]
    current_model = next(r.model for r in records if r.id == current_id)
    different = [r for r in others if r.model != current_model]
    return (different or others)[0].id, current_id


def short_names(a: RunRecord, b: RunRecord) -> tuple[str, str]:
    """Model names, with the id suffix when both runs are the same model."""
    if a.model != b.model:
        return a.title, b.title
    return f"{a.title} ({a.short_id})", f"{b.title} ({b.short_id})"


def pick_pair(records: list[RunRecord], current_id: str) -> tuple[RunRecord, RunRecord]:
    """Two run pickers: the baseline A and the challenger B."""
    ids = [record.id for record in records]
    by_id = {record.id: record for record in records}
    baseline, challenger = default_pair(records, current_id)
    a_col, b_col = st.columns(2)
    with a_col:
        a_id = st.selectbox(
            t("evaluate.run_a"),
            ids,
            index=ids.index(baseline),
            format_func=lambda run: by_id[run].label,
            key=BASELINE_KEY,
        )
    with b_col:
        b_id = st.selectbox(
            t("evaluate.run_b"),
            ids,
            index=ids.index(challenger),
            format_func=lambda run: by_id[run].label,
            key=CHALLENGER_KEY,
        )
    return by_id[a_id], by_id[b_id]


def render_compare_tab(records: list[RunRecord], current_id: str) -> None:
    """Accuracy of both runs, their confusion difference and the images one fixes or breaks."""
    if len(records) < 2:
        st.info(t("evaluate.compare_one_run"))
        return
    a, b = pick_pair(records, current_id)
    if a.id == b.id:
        st.info(t("evaluate.compare_same_run"))
        return
    try:
        comparison = evaluate_data.compare_runs(a.id, b.id)
    except ValueError as exc:
        st.error(t("evaluate.compare_error", error=say(exc)))
        return
    name_a, name_b = short_names(a, b)
    col_a, col_b, col_net = st.columns(3)
    col_a.metric(t("evaluate.accuracy_of", name=name_a), f"{comparison.accuracy_a:.2%}")
    col_b.metric(
        t("evaluate.accuracy_of", name=name_b),
        f"{comparison.accuracy_b:.2%}",
        delta=accuracy_change(comparison.accuracy_a, comparison.accuracy_b),
    )
    col_net.metric(t("evaluate.net_gain"), f"{comparison.net_gain:+,}")
    report_downloads.render_compare_report(a, b)
    st.markdown(
        t(
            "evaluate.fixes_and_breaks",
            b=name_b,
            a=name_a,
            fixed=len(comparison.fixed),
            broken=len(comparison.broken),
        )
    )
    matrix_col, note_col = st.columns([3, 2])
    with matrix_col:
        title = t("evaluate.difference_title", b=name_b, a=name_a)
        figure = evaluation_plots.plot_confusion_difference(comparison.confusion_difference, title, t=t)
        st.plotly_chart(
            figure, key="evaluate_difference_chart", width="content", config={"displayModeBar": False}
        )
    with note_col:
        st.markdown(t("evaluate.difference_note", b=name_b, a=name_a))
    significance_view.render_compare_significance(a, b, (name_a, name_b), records)
    render_compare_gallery(comparison, a, b, (name_a, name_b))
    evaluate_calibration.render_compare_calibration(
        [(name_a, loaders.load_evaluation(a.id)), (name_b, loaders.load_evaluation(b.id))]
    )


def render_compare_gallery(
    comparison: error_analysis.RunComparison, a: RunRecord, b: RunRecord, names: tuple[str, str]
) -> None:
    """The images B fixes (drawn with A's wrong probabilities) or breaks (with B's)."""
    name_a, name_b = names
    options = {
        "fixed": (comparison.fixed, a, name_a),
        "broken": (comparison.broken, b, name_b),
    }
    labels = {
        "fixed": t("evaluate.fixed_by", name=name_b, count=len(comparison.fixed)),
        "broken": t("evaluate.broken_by", name=name_b, count=len(comparison.broken)),
    }
    if st.session_state.get(DIRECTION_KEY) not in options:  # unset, or a label of an older version
        st.session_state.pop(DIRECTION_KEY, None)
    choice = st.radio(
        t("evaluate.images"),
        list(options),
        format_func=labels.get,
        horizontal=True,
        key=DIRECTION_KEY,
        label_visibility="collapsed",
    )
    indices, wrong_run, wrong_name = options.get(choice, next(iter(options.values())))
    predictions = loaders.load_evaluation(wrong_run.id).predictions
    st.caption(t("evaluate.probabilities_of", name=wrong_name))
    evaluate_gallery.render_gallery(
        indices,
        predictions.probabilities,
        predictions.labels,
        COMPARE_GALLERY_KEY,
        t("evaluate.no_such_images"),
    )


def render_over_time_tab(record: RunRecord) -> None:
    """The validation confusion matrix after any epoch (row-normalised, fixed colour scale)."""
    try:
        history = evaluate_data.load_validation_history(record.id)
    except ValueError as exc:
        st.error(t("evaluate.history_error", error=say(exc)))
        return
    if history is None:
        st.info(t("evaluate.no_history"))
        return
    if history.num_epochs == 1:
        epoch = 1
        st.caption(t("evaluate.single_epoch"))
    else:
        epoch = st.slider(t("evaluate.epoch"), 1, history.num_epochs, 1, key=EPOCH_KEY)
    matrix_col, info_col = st.columns([3, 2])
    with info_col:
        previous = history.accuracy_at(epoch - 1) if epoch > 1 else None
        accuracy = history.accuracy_at(epoch)
        delta = accuracy_change(previous, accuracy) if previous is not None else None
        st.metric(t("evaluate.validation_accuracy", epoch=epoch), f"{accuracy:.2%}", delta=delta)
        st.caption(t("evaluate.validation_note", count=len(history.labels)))
    with matrix_col:
        figure = evaluation_plots.plot_confusion_matrix(
            history.confusion_at(epoch, normalize=True),
            normalized=True,
            title=t("evaluate.over_time_title", epoch=epoch, epochs=history.num_epochs),
            t=t,
        )
        st.plotly_chart(
            figure, key="evaluate_over_time_chart", width="content", config={"displayModeBar": False}
        )
