"""Benchmark figures: each with its target and whether it is met; printed, saved and put in the README."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"


@dataclass
class Figure:
    """One measured figure. ``met`` is None when there is no target or nothing was measured."""

    name: str
    value: float | None
    unit: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    shown: str = ""  # overrides the displayed value (e.g. "yes" / "no")

    @property
    def verdict(self) -> str:
        if self.value is None:
            return f"not measured ({self.note})" if self.note else "not measured"
        if self.met is None:
            return "-"
        return "met" if self.met else "NOT met"

    def shown_value(self) -> str:
        if self.value is None:
            return "-"
        if self.shown:
            return self.shown
        digits = 3 if abs(self.value) < 10 else 1
        return f"{self.value:,.{digits}f}{' ' + self.unit if self.unit else ''}"


def at_most(name: str, value: float | None, limit: float, unit: str, note: str = "") -> Figure:
    return Figure(
        name, value, unit, f"<= {limit:g} {unit}".strip(), None if value is None else value <= limit, note
    )


def at_least(name: str, value: float | None, limit: float, unit: str, note: str = "") -> Figure:
    return Figure(
        name, value, unit, f">= {limit:g} {unit}".strip(), None if value is None else value >= limit, note
    )


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def markdown_table(figures: list[Figure]) -> str:
    """The figures as a Markdown table (also readable as plain text)."""
    lines = ["| figure | value | target | verdict | note |", "|---|---|---|---|---|"]
    for figure in figures:
        note = figure.note if figure.value is not None else ""
        lines.append(
            f"| {figure.name} | {figure.shown_value()} | {figure.target or '-'} | {figure.verdict} | {note} |"
        )
    return "\n".join(lines)


def curve_table(curves: dict[str, list[dict[str, Any]]]) -> str:
    """Validation accuracy against cumulative training seconds, one row per epoch and model."""
    lines = ["| model | epoch | seconds (cumulative) | val_accuracy |", "|---|---|---|---|"]
    for model, points in curves.items():
        for point in points:
            lines.append(
                f"| {model} | {point['epoch']} | {point['seconds']:.1f} | {point['val_accuracy']:.4f} |"
            )
    return "\n".join(lines)


def cumulative_curve(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """History lines -> points of (epoch, seconds since the start of training, val_accuracy)."""
    total, points = 0.0, []
    for line in history:
        total += line["seconds"]
        if line.get("val_accuracy") is not None:
            points.append({"epoch": line["epoch"], "seconds": total, "val_accuracy": line["val_accuracy"]})
    return points


def write_results(path: Path, figures: list[Figure], details: dict[str, Any]) -> None:
    path.write_text(json.dumps({"figures": [asdict(f) for f in figures], **details}, indent=2) + "\n")


def update_readme(readme: Path, section: str) -> bool:
    """Replaces the text between the bench markers; returns False when the markers are missing."""
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        return False
    readme.write_text(pattern.sub(lambda _: f"{README_START}\n{section}\n{README_END}", text, count=1))
    return True
