"""The report of a sweep: its settings, the trials (best first), parallel coordinates, slices,
importances, the best trial and its curves; drawn by the same builders as the Sweep page."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from fmnist_core import sweeps, words
from fmnist_core.plots import plots, sweep_plots, sweep_rows
from fmnist_core.plots.sweep_plots import OBJECTIVE, TEST, axis_title
from fmnist_core.reports import html
from fmnist_core.reports.errors import ReportError
from fmnist_core.runs import runs

Section = tuple[str, str, str]
TOP_CURVES = 5


def value_text(value: Any) -> str:
    """A sampled value: a choice as it is, a number in 3 significant digits."""
    if value is None:
        return ""
    return value if isinstance(value, str) else f"{value:.3g}"


def searched_text(param: sweeps.Param, t: words.Text) -> str:
    if param.kind == "categorical":
        return ", ".join(value_text(choice) for choice in param.choices)
    log = t("report.log_scale") if param.log else ""
    return t("report.range_text", low=value_text(param.low), high=value_text(param.high), log=log)


def settings_section(spec: sweeps.SweepSpec, t: words.Text) -> Section:
    rows: list[tuple[str, Any]] = [
        (t("report.model"), spec.model),
        (t("report.sampler"), spec.sampler),
        (t("report.pruning"), t("report.on") if spec.prune else t("report.off")),
        (t("report.trials_planned"), spec.trials),
        (t("report.epochs"), spec.epochs if spec.epochs else ""),
        (
            t("report.train_images"),
            f"{spec.train_samples:,}" if spec.train_samples else t("report.all_images"),
        ),
        (t("report.seed"), spec.seed),
        (t("report.created"), spec.created_at),
    ]
    rows += [
        (t("report.searched", param=axis_title(p, t)), searched_text(s, t)) for p, s in spec.space.items()
    ]
    rows += [
        (t("report.fixed_setting", param=axis_title(p, t)), value_text(v)) for p, v in spec.fixed.items()
    ]
    table = html.table([t("report.setting"), t("report.value")], rows)
    return html.section("settings", t("report.sweep_settings"), table)


def ranked(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every trial, the best validation accuracy first; unscored trials last, in trial order."""
    return sorted(
        rows, key=lambda row: (row.get(OBJECTIVE) is None, -(row.get(OBJECTIVE) or 0), row["trial"])
    )


def state_name(state: str, t: words.Text) -> str:
    try:
        return t(f"report.trial_state.{state}")
    except KeyError:  # a state this version does not know
        return state


def percent(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def trials_section(
    rows: Sequence[Mapping[str, Any]], params: Sequence[str], best: Mapping[str, Any], t: words.Text
) -> Section:
    headers = [t("report.trial"), t("report.state"), *(axis_title(p, t) for p in params)]
    headers += [
        t("report.val_accuracy"),
        t("report.test_accuracy"),
        t("report.epochs_done"),
        t("report.seconds"),
    ]
    ordered = ranked(rows)
    body = [
        [row["trial"], state_name(row["state"], t), *(value_text(row.get(p)) for p in params), percent(row.get(OBJECTIVE)),
         percent(row.get(TEST)), row.get("epochs done", ""), "" if row.get("seconds") is None else row["seconds"]]
        for row in ordered
    ]  # fmt: skip
    marked = [index for index, row in enumerate(ordered) if row["trial"] == best["trial"]]
    note = html.paragraph(t("report.trials_note", shown=len(ordered)), muted=True)
    return html.section("trials", t("report.trials"), note, html.table(headers, body, marked))


def best_section(best: Mapping[str, Any], params: Sequence[str], t: words.Text) -> Section:
    values = ", ".join(
        f"{axis_title(p, t)} {value_text(best.get(p))}" for p in params if best.get(p) is not None
    )
    test = t("report.best_test", accuracy=best[TEST]) if best.get(TEST) is not None else ""
    text = t(
        "report.best_text", trial=best["trial"], accuracy=best[OBJECTIVE], test=test, values=values or "-"
    )
    return html.section("best", t("report.best"), html.paragraph(text))


def importances_section(name: str, root: Any, t: words.Text) -> Section:
    try:
        importances = sweeps.param_importances(name, root)
    except (RuntimeError, ValueError) as exc:
        return html.section(
            "importances", t("report.importances"), html.paragraph(t("report.importances_failed", reason=exc))
        )
    if not importances:
        return html.section(
            "importances", t("report.importances"), html.paragraph(t("report.importances_none"))
        )
    figure = sweep_plots.plot_importances(importances, t=t)
    return html.section("importances", t("report.importances"), html.figure_html(figure))


def curves_section(rows: Sequence[Mapping[str, Any]], root: Any, t: words.Text) -> Section | None:
    """Validation curves of the best trials (those whose runs are still there)."""
    histories = {}
    for row in sweep_rows.top_rows(rows, TOP_CURVES):
        try:
            history = runs.read_history(runs.run_path(row["run id"], root))
        except ValueError:  # its run was deleted
            continue
        if history:
            histories[f"{t('report.trial')} {row['trial']} · {row[OBJECTIVE]:.1%}"] = history
    if not histories:
        return None
    figure = plots.plot_runs_overlay(histories, "accuracy", show_training=False, t=t)
    return html.section("curves", t("report.curves"), html.figure_html(figure))


def load_status(name: str, root: Any) -> sweeps.SweepStatus:
    try:
        return sweeps.sweep_status(name, root)
    except ValueError as exc:  # no such sweep, or a damaged sweep.json
        raise ReportError("error.report.unknown_sweep", name=repr(name), reason=exc) from exc


def build_sweep_report(
    name: str, root: str | os.PathLike | None = None, t: words.Text = words.english, lang: str = "en"
) -> str:
    """The report of sweep ``name`` (under the artifacts ``root``) as one HTML page.

    Raises:
        ReportError: no such sweep, or no complete trial yet.
    """
    status = load_status(name, root)
    spec, rows = status.spec, sweep_rows.trial_rows(status.trials)
    best = sweep_rows.best_row(rows)
    if best is None:
        raise ReportError("error.report.no_finished_trial", name=repr(name))
    params = {param: bool(searched.log) for param, searched in spec.space.items()}
    parallel = sweep_plots.plot_parallel_coordinates(rows, params, t=t)
    slices = sweep_plots.plot_slices(rows, params, t=t)
    sections = [
        best_section(best, list(params), t),
        settings_section(spec, t),
        trials_section(rows, list(params), best, t),
        html.section("parallel", t("report.parallel"), html.figure_html(parallel)),
        html.section("slices", t("report.slices"), html.figure_html(slices)) if params else None,
        importances_section(name, root, t),
        curves_section(rows, root, t),
    ]
    title = t("report.sweep_title", name=spec.name)
    return html.page(title, [section for section in sections if section is not None], lang, t)
