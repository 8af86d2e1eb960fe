"""Run every notebook (``pytest --nbmake notebooks``) offline, then check what it stored.

Each notebook gets its own empty ``WANDB_DIR`` and no W&B credentials; after it ran,
the runs it logged are read back with ``wandb leet inspect`` and checked against
``EXPECTED`` below. ``WANDB_MODE`` from the caller is kept (``disabled`` works too).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from helpers.wandb_internals import SERVICE

# What each notebook must leave behind: number of finished runs, metrics each has,
# config keys each has.
COURSE = ("accuracy", "f1", "nll")
EXPECTED: dict[str, dict] = {
    "01_login": {"runs": 1, "metrics": ("hello",), "config": ()},
    # the exercise's run and the same script run from the command line
    "02_logging": {"runs": 2, "metrics": (*COURSE, "fold_accuracy"), "config": ("model",)},
    "03_config": {"runs": 4, "metrics": COURSE, "config": ("model",)},
    "04_figures": {"runs": 1, "metrics": (), "config": ("model",)},
    # the five wandb.sklearn charts, then wandb.plot's confusion matrix in a run of its own
    "05_sklearn_plots": {"runs": 2, "metrics": (), "config": ("model",)},
    "06_entities": {"runs": 3, "metrics": COURSE, "config": ("model",)},
    "07_sweeps": {
        "runs": 10,
        "metrics": COURSE,
        "config": ("model", "n_neighbors", "weights", "p"),
    },
}

# The student edition stops at its first exercise by design: tests/test_exercises.py runs it.
collect_ignore_glob = ["notebooks/exercises/*"]

_saved_env: dict[str, str | None] = {}
_OFFLINE_ENV = (
    "WANDB_DIR",
    "WANDB_MODE",
    "WANDB_API_KEY",
    "WANDB_CONFIG_DIR",
    "WANDB_SILENT",
    SERVICE,  # the kernel starts its own wandb-core, not this process's
)


def _is_notebook(item: pytest.Item) -> bool:
    return str(item.path).endswith(".ipynb")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _is_notebook(item):
        return
    folder = Path(tempfile.mkdtemp(prefix=f"wandb-{item.path.stem}-"))
    _saved_env.update({k: os.environ.get(k) for k in _OFFLINE_ENV})
    os.environ.pop("WANDB_API_KEY", None)
    os.environ.pop(SERVICE, None)
    os.environ["WANDB_DIR"] = str(folder)
    os.environ["WANDB_CONFIG_DIR"] = str(folder / "config")
    os.environ.setdefault("WANDB_MODE", "offline")
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
    for key, value in _saved_env.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _check_stored_runs(name: str, folder: Path) -> None:
    from helpers.runs import read_runs
    from tests.run_checks import check_run

    expected = EXPECTED.get(name)
    if expected is None:
        raise AssertionError(f"conftest.EXPECTED has no entry for notebook {name}")
    runs = read_runs(folder)
    assert len(runs) == expected["runs"], (
        f"{name}: {len(runs)} runs stored, {expected['runs']} expected"
    )
    for run in runs:
        check_run(run, metrics=expected["metrics"], config=expected["config"]).raise_if_failed()
