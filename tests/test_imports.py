"""helpers/ has no import circle, counting imports inside functions, and each module imports alone.

An import placed inside a function hides a circle from Python until the day someone moves it
to the top; reading every ``import`` statement (top level and nested) finds it today.
"""

from __future__ import annotations

import ast
import json
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


# Each helpers module is imported in a process of its own, forked from one that has imported
# every third-party module helpers names (no helpers module): a module that only works after
# another helpers module was imported fails there, and scikit-learn, wandb and matplotlib are
# imported once for all of them instead of once per module (seconds each).
ALONE = """
import importlib, json, os, sys, traceback
package, modules, preload = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
for name in preload:
    try:
        importlib.import_module(name)
    except BaseException:
        pass  # the module that imports it meets the error itself
assert not any(m == package or m.startswith(package + ".") for m in sys.modules), "preloaded"
errors = {}
for module in modules:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            message = ""
        except BaseException:
            message = traceback.format_exc()
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        errors[module] = pipe.read().decode()
    os.waitpid(pid, 0)
print(json.dumps(errors))
"""


def third_party(sources: list[Path], package: str) -> list[str]:
    """Every module the sources import that is not ``package`` itself, in a stable order."""
    names: set[str] = set()
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
    return sorted(n for n in names if n.split(".")[0] not in (package, "__future__"))


def import_each_alone(root: Path, package: str, modules: list[str]) -> dict[str, str]:
    """Each module's traceback when imported alone (after the third-party preload), or ""."""
    preload = third_party(sorted((root / package).glob("*.py")), package)
    result = subprocess.run(
        [sys.executable, "-c", ALONE, package, json.dumps(modules), json.dumps(preload)],
        cwd=root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def helpers_alone() -> dict[str, str]:
    return import_each_alone(ROOT, "helpers", MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_each_helpers_module_imports_alone(helpers_alone, module):
    assert helpers_alone[module] == ""


def test_a_module_that_needs_another_imported_first_fails_alone(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text("import json\nVALUE = 1\n")
    (package / "leans.py").write_text("import pkg\nVALUE = pkg.base.VALUE\n")  # never imports it
    (package / "fine.py").write_text("from pkg.base import VALUE\n")
    errors = import_each_alone(tmp_path, "pkg", ["pkg.base", "pkg.leans", "pkg.fine"])
    assert errors["pkg.base"] == errors["pkg.fine"] == ""
    assert "AttributeError" in errors["pkg.leans"] and "base" in errors["pkg.leans"]


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
