"""book/stage.py, which lays out the book's sources: what it refuses and how it rewrites links.

The built site itself is checked in a browser by tests/book (`make test-book`); these run
in `make test`, without Sphinx.
"""

from __future__ import annotations

import importlib.util
import os

import nbformat
import pytest

from tests.conftest import NOTEBOOKS

ROOT = NOTEBOOKS.parent
_spec = importlib.util.spec_from_file_location("book_stage", ROOT / "book" / "stage.py")
stage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stage)
LESSON = NOTEBOOKS / "01_login.ipynb"


def _executed(tmp_path, *outputs):
    nb = nbformat.read(LESSON, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = list(outputs)
    nbformat.write(nb, tmp_path / LESSON.name)
    return nb


def test_a_notebook_make_run_did_not_write_stops_the_build(tmp_path):
    with pytest.raises(
        SystemExit, match="01_login.ipynb is missing or older than .*: run `make run`"
    ):
        stage.executed(LESSON, tmp_path)


def test_a_notebook_older_than_its_source_stops_the_build(tmp_path):
    _executed(tmp_path)
    old = LESSON.stat().st_mtime - 60
    os.utime(tmp_path / LESSON.name, (old, old))
    with pytest.raises(SystemExit, match="missing or older than"):
        stage.executed(LESSON, tmp_path)


@pytest.mark.parametrize(
    ("output", "named"),
    [
        (
            nbformat.v4.new_output("error", ename="ValueError", evalue="x", traceback=[]),
            "ValueError",
        ),
        (nbformat.v4.new_output("stream", name="stderr", text="Traceback ..."), "stderr"),
    ],
)
def test_a_notebook_that_printed_an_error_stops_the_build(tmp_path, output, named):
    _executed(tmp_path, output)
    with pytest.raises(SystemExit, match=rf"01_login.ipynb: a cell printed an error \({named}\)"):
        stage.executed(LESSON, tmp_path)


def test_a_clean_executed_notebook_is_read_as_it_ran(tmp_path):
    printed = nbformat.v4.new_output("stream", name="stdout", text="python 3.11.7 | wandb 0.31.0\n")
    _executed(tmp_path, printed)
    nb = stage.executed(LESSON, tmp_path)
    assert printed in [o for c in nb.cells for o in c.get("outputs", [])]


def test_versions_come_from_what_the_notebooks_printed(tmp_path):
    line = "python 3.11.7 | wandb 0.31.0 | scikit-learn 1.9.1 | helpers 0.1.0\n"
    nb = _executed(tmp_path, nbformat.v4.new_output("stream", name="stdout", text=line))
    assert stage.versions([nb]) == ("3.11.7", "0.31.0", "1.9.1")
    with pytest.raises(SystemExit, match="no executed notebook printed `python X | wandb Y"):
        stage.versions([_executed(tmp_path)])


def test_links_outside_the_site_go_to_the_repository(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "01_login.ipynb").write_text("{}")
    blob = f"https://github.com/{stage.links.repository()}/blob/main/"
    text = (
        "[a](notebooks/01_login.ipynb) [b](CONTRIBUTING.md) [c](https://wandb.ai) "
        "[d](#two-commands) [e](tests/standin/#x)"
    )
    assert stage.site_links(text, tmp_path) == (
        f"[a](notebooks/01_login.ipynb) [b]({blob}CONTRIBUTING.md) [c](https://wandb.ai) "
        f"[d](#two-commands) [e]({blob}tests/standin/#x)"
    )


def test_badges_are_drawn_from_the_site_itself():
    colab = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](u)"
    assert stage.local_badges(colab, "../") == "[![Open In Colab](../_badges/colab-badge.svg)](u)"
    for name in stage.BADGES.values():
        assert (ROOT / "book" / "badges" / name).read_text().startswith("<svg")
