"""Run every notebook (``pytest --nbmake notebooks``) offline, then check what it stored.

Each notebook gets its own empty ``WANDB_DIR`` and no W&B credentials; after it ran,
the runs it logged are read back with ``wandb leet inspect`` and checked against
its entry in ``tests/lessons.py``. ``WANDB_MODE`` from the caller is kept (``disabled`` works too).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from helpers.startup import import_jsonschema
from tests.lessons import lesson
from tests.student import no_account

import_jsonschema()  # each pytest process imports nbformat: without the IRI parser's 2 s

# The student edition stops at its first exercise by design: tests/test_exercises.py runs it.
collect_ignore_glob = ["notebooks/exercises/*"]

_saved_env: dict[str, str] = {}


def _is_notebook(item: pytest.Item) -> bool:
    return str(item.path).endswith(".ipynb")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _is_notebook(item):
        return
    folder = Path(tempfile.mkdtemp(prefix=f"wandb-{item.path.stem}-"))
    _saved_env.clear()
    _saved_env.update(os.environ)
    mode = os.environ.get("WANDB_MODE", "offline")
    env = no_account(folder, WANDB_DIR=str(folder), WANDB_MODE=mode)
    os.environ.clear()  # the kernel nbmake starts inherits exactly this
    os.environ.update(env)
    item.stash[_folder_key] = folder


_folder_key = pytest.StashKey[Path]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    if _is_notebook(item) and os.environ.get("WANDB_MODE") != "disabled":
        _check_stored_runs(item.path.stem, item.stash[_folder_key] / "wandb")
    return result


def pytest_runtest_teardown(item: pytest.Item) -> None:
    if not _is_notebook(item):
        return
    os.environ.clear()
    os.environ.update(_saved_env)


def _check_stored_runs(name: str, folder: Path) -> None:
    from helpers.runs import read_runs
    from tests.run_checks import check_run

    expected = lesson(name)
    runs = read_runs(folder)
    assert len(runs) == expected.runs, f"{name}: {len(runs)} runs stored, {expected.runs} expected"
    for run in runs:
        check_run(run, metrics=expected.metrics, config=expected.config).raise_if_failed()
