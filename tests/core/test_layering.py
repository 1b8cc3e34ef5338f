"""fmnist_core's layering: no Streamlit, no import cycle, heavy libraries only where they are needed.

The cycle check counts every import a module can make: at module level, inside functions (the lazy
imports that keep TensorFlow out of pages) and under ``TYPE_CHECKING``, plus module names written
as strings for ``importlib`` (the training back ends). A lazy import that closes a circle still
ties the two modules together. A package's ``__init__`` is counted when it is imported by name, not
each time one of its submodules is.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path

import pytest

import fmnist_core

CORE = Path(fmnist_core.__file__).parent


def core_modules() -> dict[str, Path]:
    """Every module of fmnist_core, subpackages included, by dotted name (a package by its __init__)."""
    modules = {}
    for path in CORE.rglob("*.py"):
        parts = path.relative_to(CORE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(name: str, path: Path, modules: Collection[str]) -> set[str]:
    """The fmnist_core modules that module ``name`` imports, wherever the import stands, plus those
    named by a string constant (for ``importlib``). ``from a import b`` counts as importing the
    module ``a.b`` when there is one, else ``a``."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            base = ".".join(part for part in (base, node.module) if part)
            found.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return (found & set(modules)) - {name}


def import_graph() -> dict[str, set[str]]:
    """fmnist_core module -> the fmnist_core modules it imports."""
    modules = core_modules()
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (depth-first search)."""
    finished: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if target in path:
                return path[path.index(target) :] + [target]
            if target not in finished and (cycle := visit(target)):
                return cycle
        path.pop()
        finished.add(node)
        return None

    for node in sorted(graph):
        if node not in finished and (cycle := visit(node)):
            return cycle
    return None


def test_fmnist_core_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_check_sees_lazy_and_importlib_imports_and_finds_cycles():
    graph = import_graph()
    assert "fmnist_core.models.sklearn_files" in graph["fmnist_core.models.inference"]  # inside a function
    assert "fmnist_core.training.keras_backend" in graph["fmnist_core.training.worker"]  # a string
    assert "fmnist_core.training.config" in graph["fmnist_core.training.keras_backend"]
    assert "fmnist_core.training" not in graph["fmnist_core.training.keras_backend"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_fmnist_core_never_imports_streamlit():
    modules = sorted(name for name in core_modules() if not name.endswith("__main__"))
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert "fmnist_core.training.keras_backend" in modules and len(modules) >= 20


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        ("fmnist_core.models.inference", "fmnist_core.training"),  # a finished run's model needs no trainer
        ("fmnist_core.training", "tensorflow"),  # only a Keras run that trains loads TensorFlow
        ("fmnist_core.training", "sklearn"),
    ],
)
def test_importing_a_module_leaves_heavy_or_unrelated_ones_out(module: str, absent: str):
    code = (
        f"import {module}, sys; "
        f"print(sorted(m for m in sys.modules if m == {absent!r} or m.startswith({absent + '.'!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
