"""helpers/ has no import circle, counting imports inside functions, and each module imports alone.

An import placed inside a function hides a circle from Python until the day someone moves it
to the top; reading every ``import`` statement (top level and nested) finds it today.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_python

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
MODULES = sorted(f"helpers.{p.stem}" for p in HELPERS.glob("*.py") if p.stem != "__init__")


def helper_imports(module: str) -> set[str]:
    """The helpers modules that ``module`` imports anywhere in its source (functions included)."""
    path = HELPERS / f"{module.removeprefix('helpers.')}.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom):  # relative: from . import x, from .x import y
            base = "helpers" + (f".{node.module}" if node.module else "")
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES and name != module)
    return found


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle in ``graph`` as a list of modules (first == last), or [] when none."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" after
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*path[path.index(target) :], target]
            if target not in state and (circle := visit(target)):
                return circle
        state[node] = "done"
        path.pop()
        return []

    for node in sorted(graph):
        if node not in state and (circle := visit(node)):
            return circle
    return []


def test_the_circle_finder_finds_a_circle_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_circle(graph) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": {"c"}, "d": {"a", "c"}}) == []


def test_nested_imports_are_counted():
    assert "helpers.run_files" in helper_imports("helpers.mode")  # imported inside choose_mode


def test_helpers_has_no_import_circle():
    graph = {module: helper_imports(module) for module in MODULES}
    circle = find_circle(graph)
    assert circle == [], "import circle in helpers/: " + " -> ".join(circle)


@pytest.mark.parametrize("module", MODULES)
def test_each_helpers_module_imports_alone(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_first_lesson_does_not_import_scikit_learn():
    """01 checks no model: its imports stay off scikit-learn (and SciPy), the checks that need it
    come in when a notebook names one, and a name that is no check is still an ImportError."""
    code = (
        "import sys\n"
        "import helpers.course, helpers.mode\n"
        "from helpers.checks import check_logged\n"
        "print('sklearn' in sys.modules)\n"
        "from helpers.checks import check_scatter, check_each_model, check_fold_scores\n"
        "print('sklearn' in sys.modules, check_scatter.__module__, check_fold_scores.__module__)\n"
        "try:\n"
        "    from helpers.checks import check_nothing\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = run_python(code, ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "False",
        "True helpers.chart_checks helpers.score_checks",
    ]
    assert "cannot import name 'check_nothing' from 'helpers.checks'" in result.stdout
