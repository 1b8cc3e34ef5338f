"""The Sweep page's logic: start a sweep, pick one (kept in the URL as ``?sweep=NAME``), and watch it.

A sweep lives on disk (its study and its trials' run folders), not in the browser session: a
refresh or a second tab re-attaches to it. While its worker runs, a fragment re-reads it every
second and reruns the page once when it ends.
"""

from __future__ import annotations

import streamlit as st

from fmnist_core import sweeps, words
from fmnist_core.plots import sweep_plots, sweep_rows
from fmnist_core.words import Word
from fmnist_ui.shared import report_downloads, widgets
from fmnist_ui.shared import training as shared_training
from fmnist_ui.shared.i18n import error_text, t, url_params, when
from fmnist_ui.sweep import hparams as sweep_hparams

PICK = "sweep_choice"
URL_SEEN = "sweep_url_seen"  # the ?sweep= value already honoured, so a later pick is not undone
# state -> (badge colour, icon); the word is the catalog's sweep.badge.<state>
STATE_BADGES = {
    "running": ("orange", ":material/progress_activity:"),
    "stopping": ("orange", ":material/hourglass_top:"),
    "stopped": ("gray", ":material/stop_circle:"),
    "done": ("green", ":material/check_circle:"),
    "idle": ("gray", ":material/pause_circle:"),
}
WORKER_COMMAND = ".venv/bin/python -m fmnist_core sweep work {name} --storage postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"


def start_sweep(spec: sweeps.SweepSpec) -> None:
    """The Start button: creates the sweep, launches its worker and opens it, or says why not."""
    try:
        sweeps.create_sweep(spec)
        sweeps.launch_sweep_worker(spec.name)
    except (ValueError, OSError) as exc:
        st.error(t("sweep.not_started", error=error_text(exc)), icon=":material/block:")
        return
    st.session_state[PICK] = st.session_state[URL_SEEN] = st.query_params["sweep"] = spec.name
    st.toast(t("sweep.started", name=spec.name), icon=":material/rocket_launch:")


def sweep_label(spec: sweeps.SweepSpec) -> str:
    return t("sweep.label", name=spec.name, model=spec.model, trials=spec.trials, date=when(spec.created_at))


def pick_sweep(specs: list[sweeps.SweepSpec]) -> str:
    """A select box of all sweeps, newest first, opened at the URL's sweep; the pick goes to the URL."""
    ordered = sorted(specs, key=lambda spec: spec.created_at, reverse=True)
    by_name = {spec.name: spec for spec in ordered}
    requested = st.query_params.get("sweep")
    if requested and requested not in by_name:
        st.error(t("sweep.no_such_sweep", name=repr(requested)), icon=":material/link_off:")
    elif requested and requested != st.session_state.get(URL_SEEN):
        st.session_state[PICK] = st.session_state[URL_SEEN] = requested
    if st.session_state.get(PICK) not in by_name:
        st.session_state[PICK] = next(iter(by_name))
    name = st.selectbox(
        t("sweep.pick"),
        list(by_name),
        format_func={n: sweep_label(spec) for n, spec in by_name.items()}.get,
        key=PICK,
    )
    st.session_state[URL_SEEN] = st.query_params["sweep"] = name
    return name


def images_text(spec: sweeps.SweepSpec) -> str:
    return t("sweep.images", count=spec.train_samples) if spec.train_samples else t("sweep.all_images")


def state_badge(state: str) -> str:
    """The sweep's state as a coloured badge (``state_of``)."""
    color, icon = STATE_BADGES[state]
    return f":{color}-badge[{icon} {t(f'sweep.badge.{state}')}]"


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

    @st.fragment(run_every=shared_training.POLL_S if active else None)
    def sweep_panel() -> None:
        status = read.pop() if read else sweeps.sweep_status(name)
        render_status(status)
        sweep_hparams.show_hparams(status)
        if status.active != active:
            st.rerun()  # the whole page, so that polling starts or stops

    sweep_panel()


def render_status(status: sweeps.SweepStatus) -> None:
    """Headline, counts, problem, Stop / Resume and the best trial so far."""
    spec, rows = status.spec, sweep_rows.trial_rows(status.trials)
    st.subheader(f"{spec.name} {state_badge(state_of(status))}")
    counts = {state: sum(row["state"] == state for row in rows) for state in sweep_plots.STATE_COLORS}
    parts = [
        spec.model,
        t("sweep.summary_sampler", sampler=Word(f"sweep.sampler_short.{spec.sampler}")),
        t("sweep.summary_pruning_on") if spec.prune else t("sweep.summary_pruning_off"),
        t("sweep.summary_counts", complete=counts["complete"], pruned=counts["pruned"], trials=spec.trials),
        images_text(spec),
        t("sweep.summary_seed", seed=spec.seed),
    ]
    if spec.epochs:
        parts.append(t("sweep.summary_epochs", epochs=spec.epochs))
    parts += [
        t("sweep.summary_fixed", label=widgets.LABELS.get(k, k).lower(), value=widgets.setting_text(v))
        for k, v in spec.fixed.items()
        if v != widgets.DEFAULT_IMPROVEMENTS.get(k)  # the improvements only when used
    ]
    st.caption(" · ".join(parts))
    if status.problem:
        st.error(t("sweep.unreadable", problem=problem_text(status)), icon=":material/error:")
    controls(status)
    report_downloads.render_sweep_report(spec.name, rows)
    best = sweep_rows.best_row(rows)
    if best:
        show_best(best, list(spec.space))


def problem_text(status: sweeps.SweepStatus) -> str:
    """Why the sweep's study cannot be read, and where its trials come from instead."""
    if isinstance(status.problem_error, words.CodedError):
        return t("sweep.problem_from_runs", error=error_text(status.problem_error))
    return status.problem


def controls(status: sweeps.SweepStatus) -> None:
    """Stop while it runs; Resume once stopped. PostgreSQL sweeps say how to run their workers."""
    name = status.spec.name
    if is_remote(status.spec):
        command = WORKER_COMMAND.format(name=name)
        st.info(t("sweep.remote", command=f"```\n{command}\n```"), icon=":material/terminal:")
    if status.active and not status.stopped:
        stop_button(name)
    elif not status.active and not status.done and not is_remote(status.spec):
        resume_button(name)


def stop_button(name: str) -> None:
    if st.button(
        t("sweep.stop"), key="sweep_stop", icon=":material/stop_circle:", help=t("sweep.stop_help"),
    ):  # fmt: skip
        sweeps.stop_sweep(name)
        st.rerun()


def resume_button(name: str) -> None:
    if st.button(
        t("sweep.resume"), key="sweep_resume", icon=":material/play_arrow:", help=t("sweep.resume_help"),
    ):  # fmt: skip
        try:
            sweeps.resume_sweep(name)
        except (ValueError, OSError) as exc:
            st.error(t("sweep.not_resumed", error=error_text(exc)), icon=":material/block:")
            return
        st.rerun()


def show_best(best: dict, params: list[str]) -> None:
    """The best trial so far, with its values and a link to study its run on Evaluate."""
    values = " · ".join(
        t(
            "sweep.summary_fixed",
            label=widgets.LABELS.get(p, p).lower(),
            value=sweep_hparams.value_text(best[p]),
        )
        for p in params
        if best.get(p) is not None
    )
    tested = best.get(sweep_plots.TEST) is not None
    test = t("sweep.best_test", accuracy=best[sweep_plots.TEST]) if tested else ""
    st.success(
        t("sweep.best", trial=best["trial"], accuracy=best[sweep_plots.OBJECTIVE], test=test, values=values),
        icon=":material/emoji_events:",
    )
    if tested and best.get("run id"):
        st.page_link(
            "pages/evaluate.py",
            label=t("sweep.study_best", trial=best["trial"]),
            icon=":material/grid_on:",
            query_params={"run": best["run id"], **url_params()},
        )
