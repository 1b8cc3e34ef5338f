"""Offline HTML reports of a run, of two runs compared and of a sweep (issue 21).

Each ``build_*`` returns one self-contained page (plotly.js embedded once, images inline, no
external URL) in the language of its ``t``; ``write_report`` puts it on disk atomically. The sweep
report lives in ``reports.sweep_report`` (it imports Optuna, which run reports do not need).
"""

from fmnist_core.reports.compare_report import build_compare_report
from fmnist_core.reports.errors import ReportError
from fmnist_core.reports.run_report import build_run_report
from fmnist_core.reports.writing import size_text, write_report

__all__ = ["ReportError", "build_compare_report", "build_run_report", "size_text", "write_report"]
