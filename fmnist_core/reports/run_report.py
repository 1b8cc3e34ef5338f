"""The report of one run: its settings, curves, confusion matrix, per-class metrics, the worst
confusions with their images, and calibration; drawn by the same builders as the Evaluate page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fmnist_core import words
from fmnist_core.data import CLASS_NAMES
from fmnist_core.evaluation import error_analysis
from fmnist_core.evaluation.evaluation import RunEvaluation, load_predictions
from fmnist_core.plots import calibration_plots, evaluation_plots, plots
from fmnist_core.plots.sweep_plots import axis_title
from fmnist_core.reports import html
from fmnist_core.reports.errors import ReportError
from fmnist_core.runs import runs

WORST_PAIRS = 5
IMAGES_PER_PAIR = 8
RECORD_FIELDS = ("status", "created_at", "started_at", "finished_at", "params")


def read_finished_run(folder: Path) -> runs.RunRecord:
    """The run's record; refuses a run without test predictions (still training, failed)."""
    record = runs.read_run(Path(folder))
    if not record.has_predictions or not (Path(folder) / "predictions.npz").is_file():
        raise ReportError("error.report.no_predictions", run_id=record.id, status=record.status)
    return record


def load_test_images() -> np.ndarray:
    """The (10000, 28, 28) uint8 test images (read when the caller has none at hand)."""
    from fmnist_core.data import load_fashion_mnist

    return load_fashion_mnist().x_test


def setting_rows(record: runs.RunRecord, t: words.Text = words.english) -> list[tuple[str, Any]]:
    """(name, value) of everything that made the run: model, hyperparameters, record, versions."""
    rows: list[tuple[str, Any]] = [(t("report.id"), record.id), (t("report.model"), record.title)]
    config = sorted(
        (key, value) for key, value in record.config.items() if value is not None and key != "model"
    )
    rows += [(axis_title(key, t), value) for key, value in config]
    values = {"status": record.status, "params": f"{record.params:,}" if record.params else None}
    values |= {key: getattr(record, key) for key in RECORD_FIELDS if key not in values}
    rows += [(t(f"report.{key}"), value) for key, value in values.items() if value is not None]
    rows += [
        (f"{t('report.versions')}: {name}", version) for name, version in sorted(record.versions.items())
    ]
    if record.dataset.get("sha256"):
        rows.append((t("report.dataset"), record.dataset["sha256"]))
    if record.source:
        rows.append((t("report.imported_from"), record.source.get("file_name", "")))
    return rows


def settings_section(record: runs.RunRecord, t: words.Text) -> tuple[str, str, str]:
    rows = setting_rows(record, t)
    return html.section(
        "settings", t("report.settings"), html.table([t("report.setting"), t("report.value")], rows)
    )


def summary_section(record: runs.RunRecord, run: RunEvaluation, t: words.Text) -> tuple[str, str, str]:
    loss = (record.test or {}).get("loss")
    items = [(t("report.test_accuracy"), f"{run.accuracy:.2%}")]
    items += [(t("report.test_loss"), f"{loss:.4f}")] if loss is not None else []
    items += [
        (t("report.misclassified"), f"{len(run.mistakes):,}"),
        (t("report.ece"), f"{run.calibration.ece:.2%}"),
    ]
    return html.section("summary", t("report.summary"), html.metrics(items))


def curves_section(folder: Path, t: words.Text) -> tuple[str, str, str]:
    history = runs.read_history(Path(folder))
    if not history:
        return html.section("curves", t("report.curves"), html.paragraph(t("report.no_history")))
    figure = plots.plot_training_curves(history, t=t)
    return html.section("curves", t("report.curves"), html.figure_html(figure))


def metrics_section(run: RunEvaluation, t: words.Text) -> tuple[str, str, str]:
    """Precision, recall, F1 and support per class; the worst classes highlighted, and the chart."""
    table, names = run.metrics, words.class_names(t)
    worst = error_analysis.worst_classes(table)
    headers = [t(f"report.{key}") for key in ("class", "precision", "recall", "f1", "support")]
    rows = [
        [
            names[CLASS_NAMES.index(name)],
            f"{row.precision:.1%}",
            f"{row.recall:.1%}",
            f"{row.f1:.1%}",
            int(row.support),
        ]
        for name, row in table.iterrows()
    ]
    marked = [CLASS_NAMES.index(name) for name in worst]
    worst_names = ", ".join(names[index] for index in marked)
    return html.section(
        "metrics",
        t("report.per_class"),
        html.table(headers, rows, marked),
        html.paragraph(t("report.worst_classes", count=len(worst), names=worst_names), muted=True),
        html.figure_html(evaluation_plots.plot_per_class_metrics(table, t=t)),
    )


def confusion_images(
    run: RunEvaluation, pair: tuple[int, int], images: np.ndarray, count: int, t: words.Text
) -> list[str]:
    """Up to ``count`` images of true class ``pair[0]`` taken for ``pair[1]``, most confident first."""
    labels, predicted = run.predictions.labels, run.predictions.predicted
    mistakes = run.mistakes  # already ranked, most confident first
    chosen = mistakes[(labels[mistakes] == pair[0]) & (predicted[mistakes] == pair[1])][:count]
    return image_figures(chosen, run.predictions.probabilities, images, t, pair[1])


def image_figures(
    indices: np.ndarray,
    probabilities: np.ndarray,
    images: np.ndarray,
    t: words.Text,
    wrong: int | None = None,
) -> list[str]:
    """Inline images with their index and the probability of the wrong class (or of the top one)."""
    figures = []
    for index in indices:
        p = probabilities[index].max() if wrong is None else probabilities[index, wrong]
        figures.append(
            html.image_figure(images[index], t("report.image_caption", index=int(index), p=float(p)))
        )
    return figures


def confusions_section(run: RunEvaluation, images: np.ndarray, t: words.Text) -> tuple[str, str, str]:
    pairs = run.confusions[run.confusions["images"] > 0].head(WORST_PAIRS)
    if pairs.empty:
        return html.section("confusions", t("report.confusions"), html.paragraph(t("report.no_confusions")))
    names = words.class_names(t)
    parts = [
        html.paragraph(t("report.confusions_note", count=len(pairs), images=IMAGES_PER_PAIR), muted=True)
    ]
    for _, pair in pairs.iterrows():
        cell = (int(pair["true_index"]), int(pair["predicted_index"]))
        heading = t(
            "report.confusion_pair", true=names[cell[0]], predicted=names[cell[1]], images=int(pair["images"])
        )
        parts += [
            f"<h3>{html.escape(heading)}</h3>",
            html.image_row(confusion_images(run, cell, images, IMAGES_PER_PAIR, t)),
        ]
    return html.section("confusions", t("report.confusions"), *parts)


def calibration_section(run: RunEvaluation, t: words.Text) -> tuple[str, str, str]:
    calibration = run.calibration
    note = t(
        "report.calibration_note",
        ece=calibration.ece,
        confidence=calibration.mean_confidence,
        accuracy=calibration.accuracy,
    )
    figure = calibration_plots.plot_reliability_diagram(calibration, t=t)
    return html.section(
        "calibration", t("report.calibration"), html.paragraph(note), html.figure_html(figure)
    )


def build_run_report(
    folder: Path,
    t: words.Text = words.english,
    lang: str = "en",
    *,
    run: RunEvaluation | None = None,
    images: np.ndarray | None = None,
) -> str:
    """The report of the run in ``folder`` as one HTML page, in ``t``'s language.

    Args:
        run: its evaluation when the caller has it (the app's cache); else computed here.
        images: the test images when the caller holds them; else read from the dataset.

    Raises:
        ReportError: the run has no test predictions. ValueError: they cannot be read.
    """
    record = read_finished_run(folder)
    run = run or RunEvaluation.from_predictions(load_predictions(folder))
    images = load_test_images() if images is None else images
    matrix = evaluation_plots.plot_confusion_matrix(run.confusion, t=t)
    sections = [
        summary_section(record, run, t),
        settings_section(record, t),
        curves_section(folder, t),
        html.section("confusion", t("report.confusion"), html.figure_html(matrix)),
        metrics_section(run, t),
        confusions_section(run, images, t),
        calibration_section(run, t),
    ]
    return html.page(t("report.run_title", name=record.label), sections, lang, t)
