"""The Draw page's model for drawings: ``cnn_draw``, recommended (and started) when none is trained,
and picked by default once one is."""

from __future__ import annotations

import streamlit as st

from fmnist_core.runs import RunRecord
from fmnist_core.training import TrainingBusyError, TrainingConfig
from fmnist_ui import run_choice, train_view

DRAWING_MODEL = "cnn_draw"
RECOMMENDATION = (
    f"**Drawings are recognised best by `{DRAWING_MODEL}`**, trained on drawing-like images: 30% "
    "of its training images are replaced by their filled silhouette, their outline or the outline "
    "filled as this page fills it, and shoes point either way. The other models only know the "
    "dataset's grey, textured photos, so a drawn sneaker can come out as a bag. Training it takes "
    "2-3 minutes on two CPU cores."
)


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
        st.info(RECOMMENDATION, icon=":material/draw:")
        if training is not None:
            st.caption(
                f"Run `{training.id}` of `{DRAWING_MODEL}` is training now; this page picks it once it "
                "has finished (reload the page then)."
            )
        elif st.button(
            f"Train {DRAWING_MODEL}",
            key="draw_train_model",
            icon=":material/model_training:",
            help=f"Starts {DRAWING_MODEL} with its default settings, in the background; only one run "
            "trains at a time.",
        ):
            start_drawing_model()
        # A relative URL rather than st.page_link: the page also runs on its own (AppTest), where
        # only the pages of app.py's navigation could be linked.
        st.markdown("[:material/model_training: Watch it train on the Train page](train)")


def start_drawing_model() -> None:
    """The button: starts ``cnn_draw`` with its defaults, or says clearly why not."""
    try:
        run_id = train_view.start_training(TrainingConfig.for_model(DRAWING_MODEL))
    except (TrainingBusyError, OSError) as exc:
        st.error(
            f"**{DRAWING_MODEL} could not be started.** {exc} Try again when that run has ended.",
            icon=":material/block:",
        )
        return
    st.success(
        f"Started run `{run_id}` of `{DRAWING_MODEL}`. Watch it on the Train page; this page picks it "
        "once it has finished.",
        icon=":material/rocket_launch:",
    )
