"""The Draw page's model for drawings: ``cnn_draw``, recommended (and started) when none is trained,
and picked by default once one is."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from fmnist_core.runs.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig
from fmnist_ui.shared import i18n, run_choice
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import error_text, t

DRAWING_MODEL = "cnn_draw"


def default_run(records: list[RunRecord]) -> str:
    """Draw's default run: the most accurate ``cnn_draw`` run, else the most accurate run."""
    drawing_runs = [record for record in records if record.model == DRAWING_MODEL]
    return run_choice.most_accurate(drawing_runs or records)


def recommend_drawing_model(finished: list[RunRecord], all_runs: list[RunRecord]) -> None:
    """Recommends ``cnn_draw`` with a button that trains it, unless a finished run of it exists.

    Args:
        finished: the finished runs the page can use.
        all_runs: every run, to see whether a ``cnn_draw`` run is training already.
    """
    if any(record.model == DRAWING_MODEL for record in finished):
        return
    training = next((r for r in all_runs if r.model == DRAWING_MODEL and r.is_active), None)
    with st.container(border=True):
        st.info(t("draw.recommend.text", model=DRAWING_MODEL), icon=":material/draw:")
        if training is not None:
            st.caption(t("draw.recommend.training", run=training.id, model=DRAWING_MODEL))
        elif st.button(
            t("draw.recommend.button", model=DRAWING_MODEL),
            key="draw_train_model",
            icon=":material/model_training:",
            help=t("draw.recommend.button_help", model=DRAWING_MODEL),
        ):
            start_drawing_model()
        # A relative URL rather than st.page_link: the page also runs on its own (AppTest), where
        # only the pages of app.py's navigation could be linked. It carries the language along.
        link = f"train?{urlencode(i18n.url_params())}"
        st.markdown(f"[:material/model_training: {t('draw.recommend.watch')}]({link})")


def start_drawing_model() -> None:
    """The button: starts ``cnn_draw`` with its defaults, or says clearly why not."""
    try:
        run_id = shared_training.start_training(TrainingConfig.for_model(DRAWING_MODEL))
    except (TrainingBusyError, OSError) as exc:
        st.error(
            t("draw.recommend.cannot_start", model=DRAWING_MODEL, error=error_text(exc)),
            icon=":material/block:",
        )
        return
    st.success(t("draw.recommend.started", run=run_id, model=DRAWING_MODEL), icon=":material/rocket_launch:")
