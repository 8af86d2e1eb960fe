"""The lesson table (tests/lessons.py) agrees with the notebooks; the student with no account
and the reader of error outputs the tests share (tests/student.py, tests/outputs.py)."""

from __future__ import annotations

import json

import nbformat
import pytest

from tests.lessons import LESSONS, NAMES, NOTEBOOK_PATHS, lesson
from tests.outputs import errors
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


def test_error_outputs_are_read_alike_from_nbformat_and_from_jupyterlab(tmp_path):
    raised = nbformat.v4.new_output(
        "error", ename="ValueError", evalue="no", traceback=["\x1b[31mValueError\x1b[0m: no"]
    )
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# title"),
            nbformat.v4.new_code_cell("1", outputs=[nbformat.v4.new_output("stream", text="1")]),
            nbformat.v4.new_code_cell("raise ValueError('no')", outputs=[raised]),
        ]
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    as_lab_returns = json.loads(path.read_text())  # plain dicts, as the contents API sends
    for source in (nb, path, as_lab_returns):
        [error] = errors(source)
        assert (error.cell, error.ename, error.evalue) == (2, "ValueError", "no")
        assert error.lines == ["ValueError: no"]
        assert str(error) == "cell 2: ValueError: no"
    assert errors(None) == [] and errors(nbformat.v4.new_notebook()) == []
