"""Widgets and sections of the Evaluate page: run picker, confusion matrix, gallery, metrics.

The gallery's two class filters are the one record of the chosen cell: a click on the matrix or a
row of the confusions table writes them (a callback), and the matrix's outline, the table's ticked
row and the gallery are all drawn from them, so the four always agree, with or without the focus on
the tops group. Everything drawn comes from the run's cached ``RunEvaluation``: toggles only
re-render.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from fmnist_core.data import NUM_CLASSES
from fmnist_core.evaluation import error_analysis, evaluation, label_marks, label_review
from fmnist_core.evaluation.evaluation import RunEvaluation
from fmnist_core.plots import evaluation_plots
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.evaluate import gallery as evaluate_gallery
from fmnist_ui.evaluate.data import say
from fmnist_ui.shared import i18n, loaders, run_choice
from fmnist_ui.shared.i18n import class_name, t

RUN_KEY = "evaluate_run"
NORMALIZE_KEY = "evaluate_normalize"
FOCUS_KEY = "evaluate_focus_group"
TRUE_KEY = "evaluate_true_class"
PREDICTED_KEY = "evaluate_predicted_class"
CONFIDENCE_KEY = "evaluate_min_confidence"
MATRIX_KEY = "evaluate_matrix"
CONFUSIONS_KEY = "evaluate_top_confusions"
GALLERY_KEY = "evaluate_gallery"
ANY_CLASS = -1  # the filters' "Any" option (None would show as an empty selectbox)
ALL_CLASSES = tuple(range(NUM_CLASSES))


def group_names() -> str:
    """ "T-shirt/top / Pullover / Coat / Shirt" in the session's language."""
    return " / ".join(class_name(k) for k in evaluation.TOPS_GROUP)


# ---------------------------------------------------------------- run picker


def render_empty_state() -> None:
    """What a new user sees before any run has finished."""
    st.info(t("evaluate.empty"))
    st.page_link("pages/train.py", label=t("evaluate.go_to_train"), icon=":material/model_training:")


def reset_gallery() -> None:
    """Back to all mistakes, page 1 (after a run change or a focus change)."""
    st.session_state[TRUE_KEY] = st.session_state[PREDICTED_KEY] = ANY_CLASS
    st.session_state[f"{GALLERY_KEY}_page"] = 1


def pick_run(records: list[RunRecord]) -> RunRecord:
    """Run picker: the run in the URL or studied last on Evaluate or Draw, else the newest finished run."""
    return run_choice.pick_run(
        records, RUN_KEY, run_choice.newest, on_change=reset_gallery, label=t("evaluate.run")
    )


def load_run_evaluation(run_id: str) -> RunEvaluation | None:
    """The run's evaluation (cached per run), or None after telling the user why it cannot be read."""
    try:
        return loaders.load_evaluation(run_id)
    except ValueError as exc:
        st.error(t("evaluate.unreadable", error=say(exc)))
        return None


# ---------------------------------------------------------------- confusion matrix and gallery


def shown_classes(focus: bool) -> tuple[int, ...]:
    """The classes of the matrix, table and filters: the tops group when focused, else all ten."""
    return evaluation.TOPS_GROUP if focus else ALL_CLASSES


def chosen_cell() -> tuple[int, int]:
    """The (true, predicted) class filters; ANY_CLASS on a side that takes any class."""
    return st.session_state.get(TRUE_KEY, ANY_CLASS), st.session_state.get(PREDICTED_KEY, ANY_CLASS)


def _choose_cell(cell: tuple[int, int]) -> None:
    st.session_state[TRUE_KEY], st.session_state[PREDICTED_KEY] = cell
    _first_page()


def _first_page() -> None:
    st.session_state[f"{GALLERY_KEY}_page"] = 1


def clear_choice_outside(classes: tuple[int, ...]) -> None:
    """Forgets a chosen cell or class that the focus hides (before the widgets are drawn)."""
    if any(k not in (ANY_CLASS, *classes) for k in chosen_cell()):
        reset_gallery()


def _on_matrix_select() -> None:
    """Copies the clicked cell into the gallery's class filters."""
    points = st.session_state[MATRIX_KEY].selection.points
    cell = evaluation_plots.cell_from_point(points[0], i18n.class_names()) if points else None
    if cell is not None:
        _choose_cell(cell)


def _on_confusion_row_select(cells: list[tuple[int, int]]) -> None:
    """Copies the ticked pair into the filters; unticking it goes back to any class."""
    rows = st.session_state[CONFUSIONS_KEY].selection.rows
    _choose_cell(cells[rows[0]] if rows else (ANY_CLASS, ANY_CLASS))


def render_matrix(run: RunEvaluation, focus: bool, normalized: bool) -> None:
    """The clickable confusion matrix (10x10, or the tops group's 4x4 when focused)."""
    classes = shown_classes(focus)
    matrix = run.confusion_normalized if normalized else run.confusion
    if focus:
        matrix = error_analysis.sub_matrix(matrix, classes)
    selected = chosen_cell()
    figure = evaluation_plots.plot_confusion_matrix(
        matrix,
        classes,
        normalized=normalized,
        selected=None if ANY_CLASS in selected else selected,
        title=t("evaluate.group_matrix_title", group=group_names()) if focus else t("evaluate.matrix_title"),
        t=t,
    )
    st.plotly_chart(
        figure,
        on_select=_on_matrix_select,
        selection_mode="points",
        key=MATRIX_KEY,
        width="content",
        config={"displayModeBar": False},
    )


def tick_chosen_row(cells: list[tuple[int, int]]) -> None:
    """Ticks the table row of the chosen cell, or none when the table does not list it."""
    chosen = chosen_cell()
    rows = [cells.index(chosen)] if chosen in cells else []
    state = st.session_state.get(CONFUSIONS_KEY)
    if list(state["selection"]["rows"] if state else []) != rows:
        st.session_state[CONFUSIONS_KEY] = {"selection": {"rows": rows}}


def render_top_confusions(run: RunEvaluation, focus: bool) -> None:
    """The largest confusions as a table; selecting a row opens them in the gallery."""
    table = run.group_confusions if focus else run.confusions.head(8)
    cells = [(int(i), int(j)) for i, j in zip(table["true_index"], table["predicted_index"], strict=True)]
    tick_chosen_row(cells)
    st.markdown(t("evaluate.confusions_group_heading" if focus else "evaluate.confusions_heading"))
    shown = pd.DataFrame(
        {
            t("evaluate.column_true"): [class_name(i) for i, _ in cells],
            t("evaluate.column_predicted"): [class_name(j) for _, j in cells],
            t("evaluate.column_images"): table["images"].to_numpy(),
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        on_select=functools.partial(_on_confusion_row_select, cells),
        selection_mode="single-row",
        key=CONFUSIONS_KEY,
        height="content",
    )


def _class_filter(label: str, key: str, focus: bool) -> int | None:
    """A picker of the shown classes; returns the class index, or None for any of them."""
    # The names are looked up now, in this run's language (a format_func runs later, elsewhere).
    names = {ANY_CLASS: t("evaluate.any_in_group" if focus else "evaluate.any")}
    names |= {k: class_name(k) for k in shown_classes(focus)}
    choice = st.selectbox(
        label,
        list(names),
        format_func=names.get,
        key=key,
        on_change=_first_page,
    )
    return None if choice == ANY_CLASS else choice


def read_gallery_filters(focus: bool) -> tuple[int | None, int | None, float]:
    """True class, predicted class (None: any) and minimum confidence of the gallery."""
    true_col, predicted_col, confidence_col = st.columns(3)
    with true_col:
        true_class = _class_filter(t("evaluate.true_class"), TRUE_KEY, focus)
    with predicted_col:
        predicted_class = _class_filter(t("evaluate.predicted_class"), PREDICTED_KEY, focus)
    with confidence_col:
        min_confidence = st.slider(t("evaluate.min_confidence"), 0.0, 1.0, 0.0, 0.05, key=CONFIDENCE_KEY)
    return true_class, predicted_class, min_confidence


def describe_gallery(true_class: int | None, predicted_class: int | None, focus: bool) -> str:
    """A sentence naming what the gallery shows."""
    if true_class is not None and true_class == predicted_class:
        return t("evaluate.gallery_correct", name=class_name(true_class))
    any_class = t("evaluate.any_class_of_group" if focus else "evaluate.any_class")
    true_name = class_name(true_class) if true_class is not None else any_class
    predicted_name = class_name(predicted_class) if predicted_class is not None else any_class
    return t("evaluate.gallery_mistakes", true=true_name, predicted=predicted_name)


def render_gallery_section(run: RunEvaluation, focus: bool) -> None:
    """Filters, then one page of matching test images with their probability bars."""
    st.subheader(t("evaluate.gallery"))
    true_class, predicted_class, min_confidence = read_gallery_filters(focus)
    group = shown_classes(focus) if focus else None
    indices = error_analysis.select_gallery(
        run,
        group if true_class is None else true_class,
        group if predicted_class is None else predicted_class,
        min_confidence,
    )
    st.markdown(describe_gallery(true_class, predicted_class, focus))
    evaluate_gallery.render_gallery(
        indices,
        run.predictions.probabilities,
        run.predictions.labels,
        GALLERY_KEY,
        t("evaluate.gallery_empty"),
    )


def render_accuracy_without_marked(run: RunEvaluation) -> None:
    """The test accuracy with and without the images whose label the user marked as looking wrong
    (Suspicious labels tab); nothing when none is marked. A corrupt marks file is reported by the
    gallery below, once."""
    marks, _problem = loaders.load_label_marks()
    wrong = label_marks.marked(marks, label_marks.LOOKS_WRONG)
    if not wrong:
        return
    try:
        without, excluded = label_review.accuracy_without(run.predictions, wrong)
    except ValueError:  # every test image is marked: no second figure to give
        return
    key = "evaluate.accuracy_without_one" if excluded == 1 else "evaluate.accuracy_without_many"
    st.caption(t(key, accuracy=run.accuracy, without=without, excluded=excluded))


def render_errors_tab(run: RunEvaluation) -> None:
    """Confusion matrix, the largest confusions and the gallery they open."""
    normalize_col, focus_col = st.columns(2)
    with normalize_col:
        normalized = st.toggle(t("evaluate.row_normalised"), key=NORMALIZE_KEY)
    with focus_col:
        focus = st.toggle(t("evaluate.focus", group=group_names()), key=FOCUS_KEY, on_change=_first_page)
    clear_choice_outside(shown_classes(focus))
    matrix_col, side_col = st.columns([3, 2])
    with matrix_col:
        render_matrix(run, focus, normalized)
    with side_col:
        accuracy_col, mistakes_col = st.columns(2)
        accuracy_col.metric(t("evaluate.test_accuracy"), f"{run.accuracy:.2%}")
        mistakes_col.metric(t("evaluate.misclassified"), f"{len(run.mistakes):,}")
        render_accuracy_without_marked(run)
        render_top_confusions(run, focus)
    render_gallery_section(run, focus)
