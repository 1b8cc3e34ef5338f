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


# The packages of fmnist_core from the bottom up: a module imports modules of its own package or of
# packages below it, never above. The foundations (words, data, atomic files) are at the bottom.
CORE_LAYERS = (
    ("words",),
    ("data", "atomic_files", "tensorflow_logs"),
    ("runs", "drawing"),
    ("evaluation",),
    ("models", "plots"),
    ("inspection",),
    ("training",),
    ("recipes", "sweeps", "exporting"),
    ("reports",),
    ("cli",),
    ("__main__",),
)
UI_ROOT = CORE.parent / "fmnist_ui"


def package_of(module: str) -> str:
    """``fmnist_core.runs.jobs`` -> ``runs``; ``fmnist_core.words`` -> ``words``."""
    return module.split(".")[1]


def layer_of(package: str, layers: tuple[tuple[str, ...], ...]) -> int:
    for rank, names in enumerate(layers):
        if package in names:
            return rank
    raise AssertionError(f"{package} is in no layer of CORE_LAYERS: add it where it belongs")


def upward_imports(graph: dict[str, set[str]], layers: tuple[tuple[str, ...], ...]) -> list[str]:
    found = []
    for module, targets in graph.items():
        if module == CORE.name:
            continue
        rank = layer_of(package_of(module), layers)
        for target in targets - {CORE.name}:  # the root package: "-m fmnist_core" in a string
            if layer_of(package_of(target), layers) > rank:
                found.append(f"{module} -> {target}")
            elif package_of(target) != package_of(module) and layer_of(package_of(target), layers) == rank:
                found.append(f"{module} -> {target} (same layer: one must sit below the other)")
    return sorted(found)


def test_fmnist_core_packages_import_downwards_only():
    assert upward_imports(import_graph(), CORE_LAYERS) == []


def test_the_package_check_finds_an_upward_import():
    graph = {"fmnist_core.runs.runs": {"fmnist_core.training.worker"}, "fmnist_core.training.worker": set()}
    assert upward_imports(graph, CORE_LAYERS) == ["fmnist_core.runs.runs -> fmnist_core.training.worker"]


def ui_imports() -> dict[str, set[str]]:
    """fmnist_ui module -> the fmnist_ui packages it imports (``shared``, ``evaluate``, ...)."""
    imports = {}
    for path in UI_ROOT.rglob("*.py"):
        name = ".".join(path.relative_to(UI_ROOT.parent).with_suffix("").parts)
        packages = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fmnist_ui."):
                packages.add(node.module.split(".")[1])
        imports[name] = packages
    return imports


def test_fmnist_ui_pages_use_only_the_shared_part():
    """A page's package uses ``shared`` and its own modules; ``shared`` uses no page's package."""
    crossing = []
    for module, packages in ui_imports().items():
        own = module.split(".")[1]
        allowed = {"shared"} | ({own} if own != "shared" else set())
        crossing += [f"{module} -> fmnist_ui.{package}" for package in sorted(packages - allowed)]
    assert crossing == []
    assert {"shared", "evaluate", "draw", "train"} <= {m.split(".")[1] for m in ui_imports()}
