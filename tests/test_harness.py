"""tests/harness.py: the kernel gets exactly the seat's environment; a failing cell is read back."""

from __future__ import annotations

import os

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tests.harness import execute

SHOW = "import os\nprint(os.environ.get({0!r}, 'absent'), os.environ.get({1!r}, 'absent'))"


def _notebook(*sources: str, parameters: str | None = None) -> nbformat.NotebookNode:
    cells = [new_code_cell(source) for source in sources]
    if parameters is not None:
        cell = new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        cells.insert(0, cell)
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python"}
    return nb


def test_the_kernel_gets_exactly_env_and_os_environ_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_TEST_ONLY_HERE", "test process")
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_TEST_ONLY_HERE"}
    env["HARNESS_TEST_ONLY_IN_ENV"] = "seat"
    # jupyter_client finds the python3 kernel by importing ipykernel, and ipykernel 6's debugpy
    # sets PYDEVD_USE_FRAME_EVAL in os.environ when first imported: once per process, whatever
    # the harness does. Imported first, so that what is compared is the harness's doing alone.
    import ipykernel.kernelspec  # noqa: F401

    before = dict(os.environ)
    done = execute(
        _notebook(
            SHOW.format("HARNESS_TEST_ONLY_IN_ENV", "HARNESS_TEST_ONLY_HERE"),
            "print(os.getcwd())",
        ),
        tmp_path,
        env,
    )
    assert not done.failed, done.why()
    assert done.text.splitlines() == ["seat absent", str(tmp_path)]
    assert dict(os.environ) == before
    assert done.wandb_dir == tmp_path / "wandb"  # no WANDB_DIR: the working folder's


def test_a_failing_cell_stops_run_all_and_comes_back_with_its_error(tmp_path):
    save_to = tmp_path / "out" / "failed.ipynb"
    done = execute(
        _notebook("print('before')", "raise ValueError('boom')", "print('after')"),
        tmp_path,
        dict(os.environ),
        save_to=save_to,
    )
    assert done.failed and done.raised.ename == "ValueError"
    assert done.failed_at == 1
    [error] = done.errors
    assert (error.cell, error.ename, error.evalue) == (2, "ValueError", "boom")
    assert done.text == "before\n", "Run All stops at the failing cell"
    assert "ValueError: boom" in done.why()
    saved = nbformat.read(save_to, as_version=4)
    assert saved.cells[1].outputs[-1]["output_type"] == "error", "the failure is saved too"


def test_parameters_are_injected_as_papermill_injects_them(tmp_path):
    nb = _notebook("print(COUNT, PROJECT)", parameters="COUNT = 10\nPROJECT = 'course'")
    done = execute(nb, tmp_path, dict(os.environ), parameters={"COUNT": 2})
    assert not done.failed, done.why()
    assert done.text == "2 course\n"
    tags = [cell.metadata.get("tags", []) for cell in done.notebook.cells]
    assert tags[:2] == [["parameters"], ["injected-parameters"]]
    assert len(nb.cells) == 2 and not nb.cells[1].get("outputs"), "the node given is untouched"
