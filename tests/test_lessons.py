"""The lesson table (tests/lessons.py) and the notebooks on disk agree, and so do its hints."""

from __future__ import annotations

import nbformat
import pytest

from tests.lessons import LESSONS, NAMES, NOTEBOOK_PATHS, lesson
from tests.student import no_account


def test_every_notebook_on_disk_has_an_entry_and_every_entry_a_notebook():
    missing = [name for name in NAMES if name not in LESSONS]
    assert missing == [], f"notebooks without an entry in tests/lessons.py: {missing}"
    assert sorted(LESSONS) == NAMES, "entries without a notebook in notebooks/"


def test_a_notebook_without_an_entry_is_named():
    with pytest.raises(AssertionError, match="tests/lessons.py has no entry for notebook 99_x"):
        lesson("99_x")


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_one_hint_per_exercise(path):
    cells = nbformat.read(path, as_version=4).cells
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) == len(LESSONS[path.stem].hints)


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_small_parameters_are_parameters_the_notebook_declares(path):
    from papermill.inspection import inspect_notebook

    declared = inspect_notebook(str(path))
    assert set(LESSONS[path.stem].small) <= set(declared), sorted(declared)


def test_a_student_with_no_account_has_no_key_server_or_login_of_this_machine(tmp_path):
    machine = {
        "WANDB_API_KEY": "k" * 40,
        "WANDB_BASE_URL": "http://example.invalid",
        "WANDB_SERVICE": "2-1-tcp-localhost-1",
        "NETRC": "/root/.netrc",
        "PATH": "/bin",
    }
    env = no_account(tmp_path, machine, WANDB_MODE="offline", PATH=None)
    assert env == {
        "NETRC": str(tmp_path / ".netrc"),
        "WANDB_CONFIG_DIR": str(tmp_path / ".config" / "wandb"),
        "WANDB_MODE": "offline",
    }
