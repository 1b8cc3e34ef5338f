"""The Sweep page's logic: start a sweep, pick one (kept in the URL as ``?sweep=NAME``), and watch it.

A sweep lives on disk (its study and its trials' run folders), not in the browser session: a
refresh or a second tab re-attaches to it. While its worker runs, a fragment re-reads it every
second and reruns the page once when it ends.
"""

from __future__ import annotations

import streamlit as st

from fmnist_core import sweep_plots, sweeps
from fmnist_ui import sweep_hparams, train_view, widgets

PICK = "sweep_choice"
URL_SEEN = "sweep_url_seen"  # the ?sweep= value already honoured, so a later pick is not undone
STATE_BADGES = {
    "running": ":orange-badge[:material/progress_activity: running]",
    "stopping": ":orange-badge[:material/hourglass_top: stopping after this trial]",
    "stopped": ":gray-badge[:material/stop_circle: stopped]",
    "done": ":green-badge[:material/check_circle: done]",
    "idle": ":gray-badge[:material/pause_circle: not running]",
}
WORKER_COMMAND = ".venv/bin/python -m fmnist_core sweep work {name} --storage postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"


def start_sweep(spec: sweeps.SweepSpec) -> None:
    """The Start button: creates the sweep, launches its worker and opens it, or says why not."""
    try:
        sweeps.create_sweep(spec)
        sweeps.launch_sweep_worker(spec.name)
    except (ValueError, OSError) as exc:
        st.error(f"The sweep did not start: {exc}", icon=":material/block:")
        return
    st.session_state[PICK] = st.session_state[URL_SEEN] = st.query_params["sweep"] = spec.name
    st.toast(f"Started sweep {spec.name}", icon=":material/rocket_launch:")


def sweep_label(spec: sweeps.SweepSpec) -> str:
    return f"{spec.name} · {spec.model} · {spec.trials} trials · {spec.created_at[:16].replace('T', ' ')}"


def pick_sweep(specs: list[sweeps.SweepSpec]) -> str:
    """A select box of all sweeps, newest first, opened at the URL's sweep; the pick goes to the URL."""
    ordered = sorted(specs, key=lambda spec: spec.created_at, reverse=True)
    by_name = {spec.name: spec for spec in ordered}
    requested = st.query_params.get("sweep")
    if requested and requested not in by_name:
        st.error(f"There is no sweep named {requested!r}: pick one below.", icon=":material/link_off:")
    elif requested and requested != st.session_state.get(URL_SEEN):
        st.session_state[PICK] = st.session_state[URL_SEEN] = requested
    if st.session_state.get(PICK) not in by_name:
        st.session_state[PICK] = next(iter(by_name))
    name = st.selectbox("Sweep", list(by_name), format_func=lambda n: sweep_label(by_name[n]), key=PICK)
    st.session_state[URL_SEEN] = st.query_params["sweep"] = name
    return name


def images_text(spec: sweeps.SweepSpec) -> str:
    return f"{spec.train_samples:,} training images" if spec.train_samples else "all training images"


def state_of(status: sweeps.SweepStatus) -> str:
    if status.active:
        return "stopping" if status.stopped else "running"
    if status.done:
        return "done"
    return "stopped" if status.stopped else "idle"


def is_remote(spec: sweeps.SweepSpec) -> bool:
    """A PostgreSQL sweep: its workers run on the machines that share it, from the command line."""
    return bool(spec.storage) and spec.storage.startswith("postgresql")


def show_sweep(name: str) -> None:
    """The chosen sweep, live while its worker runs (polled every second, not after it ends)."""
    first = sweeps.sweep_status(name)
    active, read = first.active, [first]  # the first drawing reuses it; each poll reads again

    @st.fragment(run_every=train_view.POLL_S if active else None)
    def sweep_panel() -> None:
        status = read.pop() if read else sweeps.sweep_status(name)
        render_status(status)
        sweep_hparams.show_hparams(status)
        if status.active != active:
            st.rerun()  # the whole page, so that polling starts or stops

    sweep_panel()


def render_status(status: sweeps.SweepStatus) -> None:
    """Headline, counts, problem, Stop / Resume and the best trial so far."""
    spec, rows = status.spec, sweep_plots.trial_rows(status.trials)
    st.subheader(f"{spec.name} {STATE_BADGES[state_of(status)]}")
    counts = {state: sum(row["state"] == state for row in rows) for state in sweep_plots.STATE_COLORS}
    st.caption(
        f"{spec.model} · {spec.sampler} sampler · pruning {'on' if spec.prune else 'off'} · "
        f"{counts['complete']} complete, {counts['pruned']} pruned of {spec.trials} trials · "
        f"{images_text(spec)} · seed {spec.seed}"
        + (f" · {spec.epochs} epochs" if spec.epochs else "")
        + "".join(
            f" · {widgets.LABELS.get(k, k).lower()} {widgets.setting_text(v)}"
            for k, v in spec.fixed.items()
            if v != widgets.DEFAULT_IMPROVEMENTS.get(k)  # the improvements only when used
        )
    )
    if status.problem:
        st.error(f"**The sweep's study cannot be read.** {status.problem}", icon=":material/error:")
    controls(status)
    best = sweep_plots.best_row(rows)
    if best:
        show_best(best, list(spec.space))


def controls(status: sweeps.SweepStatus) -> None:
    """Stop while it runs; Resume once stopped. PostgreSQL sweeps say how to run their workers."""
    name = status.spec.name
    if is_remote(status.spec):
        st.info(
            "This sweep's study lives in PostgreSQL, whose password is not stored, so its workers run "
            f"from the command line, one per machine that shares the artifacts folder:\n\n```\n{WORKER_COMMAND.format(name=name)}\n```",
            icon=":material/terminal:",
        )
    if status.active and not status.stopped:
        stop_button(name)
    elif not status.active and not status.done and not is_remote(status.spec):
        resume_button(name)


def stop_button(name: str) -> None:
    if st.button(
        "Stop sweep", key="sweep_stop", icon=":material/stop_circle:",
        help="The current trial stops after its batch and no new trial starts.",
    ):  # fmt: skip
        sweeps.stop_sweep(name)
        st.rerun()


def resume_button(name: str) -> None:
    if st.button(
        "Resume", key="sweep_resume", icon=":material/play_arrow:",
        help="Starts a worker again: it runs the remaining trials.",
    ):  # fmt: skip
        try:
            sweeps.resume_sweep(name)
        except (ValueError, OSError) as exc:
            st.error(f"The sweep did not resume: {exc}", icon=":material/block:")
            return
        st.rerun()


def show_best(best: dict, params: list[str]) -> None:
    """The best trial so far, with its values and a link to study its run on Evaluate."""
    values = " · ".join(
        f"{widgets.LABELS.get(p, p).lower()} {sweep_hparams.value_text(best[p])}"
        for p in params
        if best.get(p) is not None
    )
    test = f", test accuracy **{best['test accuracy']:.2%}**" if best.get("test accuracy") is not None else ""
    st.success(
        f"**Best so far: trial {best['trial']}**, validation accuracy **{best['val accuracy']:.2%}**{test} · {values}",
        icon=":material/emoji_events:",
    )
    if best.get("test accuracy") is not None and best.get("run id"):
        st.page_link(
            "pages/evaluate.py",
            label=f"Study trial {best['trial']} on Evaluate",
            icon=":material/grid_on:",
            query_params={"run": best["run id"]},
        )
