"""Modules small enough to read in one sitting: at most 300 lines each, functions at most 60."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 60


def sources() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("fmnist_core/**/*.py"),
            *ROOT.glob("fmnist_ui/**/*.py"),
            *ROOT.glob("pages/*.py"),
            ROOT / "app.py",
        ]
    )


def test_no_module_is_longer_than_300_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_60_lines():
    long = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)")
    assert long == []
    assert len(sources()) > 100  # the globs found the code
