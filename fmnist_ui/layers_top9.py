"""The Layers page's top-9 view: for a chosen layer and channel, the 9 test images exciting it most.

The ranking is computed once per run by the ``top9`` background job (its own process, see
`fmnist_core.jobs`) and stored in the run folder; a fragment polls its progress every second.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from fmnist_core import jobs, layer_plots, layer_ranking
from fmnist_core.data import CLASS_NAMES, to_model_input
from fmnist_ui import loaders

LAYER_KEY, CHANNEL_KEY = "layers_top9_layer", "layers_top9_channel"
POLL_S = 1.0


def render_top9(run_id: str) -> None:
    """The chosen channel's top 9, or the job that computes them (start button or progress)."""
    folder = loaders.run_folder(run_id)
    st.subheader("The test images that excite a channel most")
    try:
        tops = layer_ranking.load_tops(folder)
    except ValueError as error:
        st.error(f"**The stored ranking cannot be read.** {error}", icon=":material/error:")
        tops = None
    if tops is None:
        st.caption(
            "For every channel of every convolution and pooling layer: the 9 test images with the largest "
            "mean activation. The run's model reads the 10,000 test images once, in the background "
            "(about 10 seconds for a cnn); the result is kept in the run folder."
        )
        job_panel(folder)
        return
    with st.container(horizontal=True, vertical_alignment="bottom"):
        layer = st.selectbox("Layer", tops.names, key=LAYER_KEY, width=220)
        channels = len(tops.indices[tops.names.index(layer)])
        if st.session_state.get(CHANNEL_KEY, 0) >= channels:  # another layer had more channels
            st.session_state[CHANNEL_KEY] = 0
        channel = int(
            st.number_input(
                f"Channel (0 to {channels - 1})", 0, channels - 1, step=1, key=CHANNEL_KEY, width=180
            )
        )
    indices, values = tops.top(layer, channel)
    dataset = loaders.load_dataset()
    pictures = [layer_plots.gray_picture(to_model_input(dataset.x_test[i])) for i in indices]
    captions = [
        f"#{i} {CLASS_NAMES[int(dataset.y_test[i])]} · {value:.3f}"
        for i, value in zip(indices, values, strict=True)
    ]
    st.image(pictures, caption=captions, width=84)
    st.caption(
        f"Channel {channel} of {layer}: its 9 strongest test images (test index, true class, mean "
        f"activation). Ranked over the 10,000 test images in {tops.seconds:.1f} s."
    )


def job_panel(folder: Path) -> None:
    """A start button (never run, or failed), or the running job's progress."""
    status = jobs.job_status(folder, layer_ranking.JOB_NAME)
    if status.is_running:
        _progress(folder)
        return
    if status.is_failed:
        st.error(f"**The last attempt failed.** {status.error or status.message}", icon=":material/error:")
    if st.button("Rank the test images", key="layers_top9_start", icon=":material/play_arrow:"):
        try:
            jobs.start_job(folder, layer_ranking.JOB_NAME)
        except (OSError, ValueError) as error:
            st.error(f"**The ranking could not start.** {error}", icon=":material/error:")
        else:
            st.rerun()


@st.fragment(run_every=POLL_S)
def _progress(folder: Path) -> None:
    """The job's progress bar, redrawn on its own every second; reruns the page when it ends."""
    status = jobs.job_status(folder, layer_ranking.JOB_NAME)
    if not status.is_running:
        st.rerun(scope="app")
    progress = min(max(float(status.progress), 0.0), 1.0)
    st.progress(progress, text=f"Ranking the test images: {status.message or 'starting'} ({progress:.0%})")
