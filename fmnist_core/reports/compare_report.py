"""The report of two runs compared: settings side by side (differences highlighted), accuracies,
whether the difference is real, the confusion difference, the images B fixes and breaks, both
runs' curves and their reliability; drawn by the same builders as Evaluate's Compare tab."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fmnist_core import words
from fmnist_core.evaluation import error_analysis, significance
from fmnist_core.evaluation.evaluation import RunEvaluation, load_predictions
from fmnist_core.plots import calibration_plots, evaluation_plots, plots
from fmnist_core.reports import html
from fmnist_core.reports.run_report import image_figures, load_test_images, read_finished_run, setting_rows
from fmnist_core.runs import runs

GALLERY_IMAGES = 8
Section = tuple[str, str, str]


def run_names(a: runs.RunRecord, b: runs.RunRecord) -> tuple[str, str]:
    """Model names, with the id suffix when both runs are the same model (as the Compare tab)."""
    if a.model != b.model:
        return a.title, b.title
    return f"{a.title} ({a.short_id})", f"{b.title} ({b.short_id})"


def settings_section(a: runs.RunRecord, b: runs.RunRecord, names: tuple[str, str], t: words.Text) -> Section:
    """Both runs' settings side by side; the rows where they differ highlighted."""
    values_a, values_b = dict(setting_rows(a, t)), dict(setting_rows(b, t))
    keys = list(values_a) + [key for key in values_b if key not in values_a]
    rows = [(key, values_a.get(key, ""), values_b.get(key, "")) for key in keys]
    differing = [index for index, (_, left, right) in enumerate(rows) if left != right]
    return html.section(
        "settings",
        t("report.settings"),
        html.table([t("report.setting"), *names], rows, differing),
        html.paragraph(t("report.differing_note"), muted=True),
    )


def accuracy_section(
    comparison: error_analysis.RunComparison, names: tuple[str, str], t: words.Text
) -> Section:
    name_a, name_b = names
    items = [
        (t("report.accuracy_of", name=name_a), f"{comparison.accuracy_a:.2%}"),
        (t("report.accuracy_of", name=name_b), f"{comparison.accuracy_b:.2%}"),
    ]
    sentence = t(
        "report.fixes_and_breaks",
        a=name_a,
        b=name_b,
        fixed=len(comparison.fixed),
        broken=len(comparison.broken),
        net=comparison.net_gain,
    )
    return html.section("accuracies", t("report.accuracies"), html.metrics(items), html.paragraph(sentence))


def significance_section(
    labels: np.ndarray, predicted: tuple[np.ndarray, np.ndarray], names: tuple[str, str], t: words.Text
) -> Section:
    """McNemar's test and a bootstrap interval in plain words (``fmnist_core.evaluation.significance``)."""
    test = significance.paired_test(labels, predicted[0], predicted[1])
    text = significance.describe_paired(test, names[0], names[1], t)
    return html.section("significance", t("report.significance"), html.paragraph(text))


def difference_section(
    comparison: error_analysis.RunComparison, names: tuple[str, str], t: words.Text
) -> Section:
    name_a, name_b = names
    title = t("report.difference_title", a=name_a, b=name_b)
    figure = evaluation_plots.plot_confusion_difference(comparison.confusion_difference, title, t=t)
    note = html.paragraph(t("report.difference_note", b=name_b), muted=True)
    return html.section("difference", t("report.difference"), html.figure_html(figure), note)


def gallery_sections(
    comparison: error_analysis.RunComparison,
    evaluations: tuple[RunEvaluation, RunEvaluation],
    names: tuple[str, str],
    images: np.ndarray,
    t: words.Text,
) -> list[Section]:
    """The images B fixes (with A's wrong probability) and breaks (with B's), a few of each."""
    sections = []
    for code, indices, wrong in (("fixed", comparison.fixed, 0), ("broken", comparison.broken, 1)):
        probabilities = evaluations[wrong].predictions.probabilities
        note = html.paragraph(
            t(f"report.{code}_note", count=len(indices), a=names[0], b=names[1]), muted=True
        )
        shown = indices[:GALLERY_IMAGES]
        row = (
            html.image_row(image_figures(shown, probabilities, images, t))
            if len(shown)
            else html.paragraph(t("report.none_such"))
        )
        sections.append(html.section(code, t(f"report.{code}", b=names[1]), note, row))
    return sections


def curves_section(folders: tuple[Path, Path], names: tuple[str, str], t: words.Text) -> Section:
    histories = {name: runs.read_history(Path(folder)) for name, folder in zip(names, folders, strict=True)}
    histories = {name: history for name, history in histories.items() if history}
    if not histories:
        return html.section("curves", t("report.both_curves"), html.paragraph(t("report.no_curves")))
    figure = plots.plot_runs_overlay(histories, "accuracy", show_training=True, t=t)
    return html.section("curves", t("report.both_curves"), html.figure_html(figure))


def reliability_section(
    evaluations: tuple[RunEvaluation, RunEvaluation], names: tuple[str, str], t: words.Text
) -> Section:
    curves = [(name, run.calibration) for name, run in zip(names, evaluations, strict=True)]
    figure = calibration_plots.plot_reliability_comparison(curves, t=t)
    return html.section("reliability", t("report.reliability"), html.figure_html(figure))


def build_compare_report(
    folder_a: Path,
    folder_b: Path,
    t: words.Text = words.english,
    lang: str = "en",
    *,
    evaluations: tuple[RunEvaluation, RunEvaluation] | None = None,
    images: np.ndarray | None = None,
) -> str:
    """The comparison of run A (the baseline) and run B as one HTML page, in ``t``'s language.

    Raises:
        ReportError: a run has no test predictions. ValueError: the runs cover different test sets.
    """
    records = read_finished_run(folder_a), read_finished_run(folder_b)
    names = run_names(*records)
    if evaluations is None:
        evaluations = tuple(RunEvaluation.from_predictions(load_predictions(f)) for f in (folder_a, folder_b))
    comparison = error_analysis.compare_runs(evaluations[0].predictions, evaluations[1].predictions)
    images = load_test_images() if images is None else images
    predicted = (evaluations[0].predictions.predicted, evaluations[1].predictions.predicted)
    sections = [
        accuracy_section(comparison, names, t),
        significance_section(evaluations[0].predictions.labels, predicted, names, t),
        settings_section(*records, names, t),
        difference_section(comparison, names, t),
        *gallery_sections(comparison, evaluations, names, images, t),
        curves_section((folder_a, folder_b), names, t),
        reliability_section(evaluations, names, t),
    ]
    title = t("report.compare_title", a=names[0], b=names[1])
    return html.page(title, [section for section in sections if section is not None], lang, t)
