"""The Layers page's top-9 view: for a chosen layer and channel, the 9 test images exciting it most.

The ranking is computed once per run by the ``top9`` background job (its own process, see
`fmnist_core.runs.jobs`) and stored in the run folder; a fragment polls its progress every second.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fmnist_core.data import to_model_input
from fmnist_core.inspection import layer_ranking
from fmnist_core.plots import layer_plots
from fmnist_core.runs import jobs
from fmnist_ui.shared import loaders
from fmnist_ui.shared.i18n import class_name, error_text, t
from fmnist_ui.shared.job_words import job_error, job_message

LAYER_KEY, CHANNEL_KEY = "layers_top9_layer", "layers_top9_channel"
POLL_S = 1.0


def render_top9(run_id: str) -> None:
    """The chosen channel's top 9, or the job that computes them (start button or progress)."""
    folder = loaders.run_folder(run_id)
    st.subheader(t("layers.top9_title"))
    try:
        tops = layer_ranking.load_tops(folder)
    except ValueError as error:
        st.error(t("layers.top9_unreadable", error=error_text(error)), icon=":material/error:")
        tops = None
    if tops is None:
        st.caption(t("layers.top9_intro"))
        job_panel(folder)
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        # Layer names are the model's identifiers: never translated.
        layer = st.selectbox(t("layers.top9_layer"), tops.names, key=LAYER_KEY, width=220)
        channels = len(tops.indices[tops.names.index(layer)])
        if st.session_state.get(CHANNEL_KEY, 0) >= channels:  # another layer had more channels
            st.session_state[CHANNEL_KEY] = 0
        channel = int(
            st.number_input(
                t("layers.top9_channel", last=channels - 1),
                0,
                channels - 1,
                step=1,
                key=CHANNEL_KEY,
                width=180,
            )
        )
    indices, values = tops.top(layer, channel)
    dataset = loaders.load_dataset()
    pictures = [layer_plots.gray_picture(to_model_input(dataset.x_test[i])) for i in indices]
    captions = [
        f"#{i} {class_name(int(dataset.y_test[i]))} · {value:.3f}"
        for i, value in zip(indices, values, strict=True)
    ]
    st.image(pictures, caption=captions, width=84)
    st.caption(t("layers.top9_caption", channel=channel, layer=layer, seconds=tops.seconds))


def job_panel(folder: Path) -> None:
    """A start button (never run, or failed), or the running job's progress."""
    status = jobs.job_status(folder, layer_ranking.JOB_NAME)
    if status.is_running:
        _progress(folder)
        return
    if status.is_failed:
        st.error(t("layers.top9_failed", error=job_error(status)), icon=":material/error:")
    if st.button(t("layers.top9_start"), key="layers_top9_start", icon=":material/play_arrow:"):
        try:
            jobs.start_job(folder, layer_ranking.JOB_NAME)
        except (OSError, ValueError) as error:
            st.error(t("layers.top9_not_started", error=error_text(error)), icon=":material/error:")
        else:
            st.rerun()


@st.fragment(run_every=POLL_S)
def _progress(folder: Path) -> None:
    """The job's progress bar, redrawn on its own every second; reruns the page when it ends."""
    status = jobs.job_status(folder, layer_ranking.JOB_NAME)
    if not status.is_running:
        st.rerun(scope="app")
    progress = min(max(float(status.progress), 0.0), 1.0)
    st.progress(progress, text=t("layers.top9_progress", stage=job_message(status), progress=progress))
