"""Evaluate's Suspicious labels tab: the test images whose given label every finished run, averaged,
disbelieves most, and the user's verdict on each ("label looks wrong" / "label is fine").

The ensemble is computed once per set of runs (``loaders.load_ensemble``); the marks live in
``<artifacts>/label_marks.json`` and are written by button callbacks, so a mark keeps the page and
the scroll position where they were.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fmnist_core.data import NUM_CLASSES
from fmnist_core.evaluation import error_analysis, label_marks, label_review
from fmnist_core.evaluation.label_marks import FINE, LOOKS_WRONG
from fmnist_core.plots import gallery_plots
from fmnist_core.runs.runs import RunRecord
from fmnist_ui.evaluate import data as evaluate_data
from fmnist_ui.evaluate import gallery as evaluate_gallery
from fmnist_ui.evaluate.data import say
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import class_name, t
from fmnist_ui.shared.widgets import NO_TOOLBAR, run_label

KEY = "suspicious"
PAGE_KEY = f"{KEY}_page"
SHOW_KEY = f"{KEY}_show"
CLASS_KEY = f"{KEY}_class"
FAILED_KEY = f"{KEY}_failed"  # (test index, message) of the last mark that could not be saved
ANY_CLASS = -1
ALL, UNMARKED = "all", "unmarked"
SHOW_OPTIONS = {  # option -> the key of its name
    ALL: "evaluate.suspicious.show_all",
    UNMARKED: "evaluate.suspicious.show_unmarked",
    LOOKS_WRONG: "evaluate.suspicious.show_wrong",
    FINE: "evaluate.suspicious.show_fine",
}


def _first_page() -> None:
    st.session_state[PAGE_KEY] = 1


def _save(index: int, mark: str | None) -> None:
    """Button callback: writes (or, with None, removes) the mark; a failure is shown on the item."""
    try:
        if mark is None:
            label_marks.clear_mark(index)
        else:
            label_marks.set_mark(index, mark)
        st.session_state.pop(FAILED_KEY, None)
    except (OSError, ValueError) as exc:  # MarksFileError is a ValueError
        st.session_state[FAILED_KEY] = (index, say(exc))


def select_images(
    ensemble: label_review.Ensemble, marks: dict[int, label_marks.Mark], show: str, given: int
) -> np.ndarray:
    """The ranked test indices that pass the filters, most suspicious first.

    Args:
        ensemble: the combined runs.
        marks: test index -> the user's mark.
        show: ``ALL``, ``UNMARKED``, ``LOOKS_WRONG`` or ``FINE``.
        given: keep only this given label (``ANY_CLASS``: any).
    """
    ranked = label_review.rank_suspicious(ensemble)
    if given != ANY_CLASS:
        ranked = ranked[ensemble.labels[ranked] == given]
    if show == ALL:
        return ranked
    if show == UNMARKED:
        return ranked[~np.isin(ranked, list(marks))]
    return ranked[np.isin(ranked, label_marks.marked(marks, show))]


def render_intro(ensemble: label_review.Ensemble, records: list[RunRecord]) -> None:
    """What the ranking is, from how many runs, and which runs were left out and why."""
    names = {record.id: run_label(record) for record in records}
    st.markdown(
        t("evaluate.suspicious.intro", runs=ensemble.num_runs)
        + " "
        + t("evaluate.suspicious.no_official_list")
    )
    if ensemble.num_runs == 1:
        st.info(t("evaluate.suspicious.single_model"), icon=":material/info:")
    if ensemble.skipped:
        reasons = "; ".join(f"{names.get(run_id, run_id)}: {say(why)}" for run_id, why in ensemble.skipped)
        st.warning(t("evaluate.suspicious.left_out", count=len(ensemble.skipped), reasons=reasons))


def render_marks_summary(ensemble: label_review.Ensemble, marks: dict[int, label_marks.Mark]) -> None:
    """How many images were marked, and the marks as a CSV file."""
    wrong, fine = (len(label_marks.marked(marks, mark)) for mark in (LOOKS_WRONG, FINE))
    text_col, button_col = st.columns([3, 1], vertical_alignment="center")
    text_col.markdown(t("evaluate.suspicious.marked", wrong=wrong, fine=fine))
    with button_col:
        st.download_button(
            t("evaluate.suspicious.export"),
            label_review.marks_table(ensemble, marks).to_csv(index=False).encode(),
            file_name="label_marks.csv",
            mime="text/csv",
            disabled=not marks,
            on_click="ignore",
            icon=":material/download:",
            key=f"{KEY}_export",
        )


def read_filters() -> tuple[str, int]:
    """Which marks and which given label to show."""
    show_col, class_col = st.columns(2)
    # The names are looked up now, in this run's language (a format_func runs later, elsewhere).
    show_names = {option: t(key) for option, key in SHOW_OPTIONS.items()}
    class_names = {ANY_CLASS: t("evaluate.any"), **{k: class_name(k) for k in range(NUM_CLASSES)}}
    with show_col:
        show = st.selectbox(
            t("evaluate.suspicious.show"),
            list(show_names),
            format_func=show_names.get,
            key=SHOW_KEY,
            on_change=_first_page,
        )
    with class_col:
        given = st.selectbox(
            t("evaluate.suspicious.given_label"),
            list(class_names),
            format_func=class_names.get,
            key=CLASS_KEY,
            on_change=_first_page,
        )
    return show, given


def render_buttons(index: int, mark: label_marks.Mark | None, disabled: bool) -> None:
    """Two verdicts for an unmarked image, an undo for a marked one."""
    with st.container(horizontal=True, gap="small"):
        if mark is None:
            st.button(
                t("evaluate.suspicious.looks_wrong"), key=f"{KEY}_wrong_{index}", on_click=_save, args=(index, LOOKS_WRONG),
                disabled=disabled, icon=":material/flag:",
            )  # fmt: skip
            st.button(
                t("evaluate.suspicious.is_fine"), key=f"{KEY}_fine_{index}", on_click=_save, args=(index, FINE),
                disabled=disabled, icon=":material/check:",
            )  # fmt: skip
        else:
            st.button(
                t("evaluate.suspicious.undo"), key=f"{KEY}_undo_{index}", on_click=_save, args=(index, None),
                disabled=disabled, icon=":material/undo:",
            )  # fmt: skip
    failed = st.session_state.get(FAILED_KEY)
    if failed and failed[0] == index:
        st.error(failed[1])


def render_item(
    ensemble: label_review.Ensemble,
    index: int,
    image: np.ndarray,
    mark: label_marks.Mark | None,
    disabled: bool,
) -> None:
    """One image: its bars (the ensemble's mean), given label, consensus, agreement and buttons."""
    label, consensus = int(ensemble.labels[index]), int(ensemble.consensus[index])
    figure = gallery_plots.plot_gallery_item(
        image,
        ensemble.probabilities[index],
        label,
        index,
        mark=mark.mark if mark else None,
        label_word="given",
        t=t,
    )
    st.plotly_chart(figure, key=f"{KEY}_figure_{index}", width="content", config=NO_TOOLBAR)
    st.markdown(
        t(
            "evaluate.suspicious.item",
            given=class_name(label),
            consensus=class_name(consensus),
            probability=ensemble.label_probability[index],
            agreeing=ensemble.runs_agreeing[index],
            runs=ensemble.num_runs,
        )
    )
    render_buttons(index, mark, disabled)


def render_list(
    ensemble: label_review.Ensemble, marks: dict[int, label_marks.Mark], indices: np.ndarray, disabled: bool
) -> None:
    """A page of the ranked images; the page number survives a mark (it is a widget's key)."""
    if len(indices) == 0:
        st.info(t("evaluate.suspicious.empty"))
        return
    page = evaluate_gallery.read_page(PAGE_KEY, len(indices))
    shown = error_analysis.page_of(indices, page, evaluate_gallery.PER_PAGE)
    first = (page - 1) * evaluate_gallery.PER_PAGE + 1
    st.caption(t("evaluate.suspicious.range", first=first, last=first + len(shown) - 1, total=len(indices)))
    images = evaluate_data.load_test_images(shown)
    with st.container(horizontal=True, key=f"{KEY}_list"):
        for position, index in enumerate(int(k) for k in shown):
            with st.container(border=True, width=330, key=f"{KEY}_item_{index}"):
                render_item(ensemble, index, images[position], marks.get(index), disabled)


def render_suspicious_tab(records: list[RunRecord]) -> None:
    """The whole tab, from the finished runs (newest first) that Evaluate lists."""
    try:
        ensemble = loaders.load_ensemble(tuple(record.id for record in records))
    except ValueError as exc:
        st.error(t("evaluate.suspicious.no_ranking", error=say(exc)))
        return
    render_intro(ensemble, records)
    marks, problem = loaders.load_label_marks()
    if problem:
        st.error(
            t("evaluate.suspicious.marking_off", problem=evaluate_data.marks_problem(problem)),
            icon=":material/flag:",
        )
    render_marks_summary(ensemble, marks)
    show, given = read_filters()
    render_list(ensemble, marks, select_images(ensemble, marks, show, given), disabled=bool(problem))
