"""The student edition, both ways: untouched, each check stops with its hint; solved, it passes.

``notebooks/exercises/`` is generated from the lessons (``scripts/make_exercises.py``).
For every exercise we run the student edition with the lessons' solutions pasted into
every *Your turn* cell but that one: Run All must stop at that exercise's check, with
the hint alone (no traceback). With every solution pasted, the edition must run to the
end and each check must pass. Runs go to a temporary, offline wandb folder.
"""

from __future__ import annotations

import re
import tomllib

import nbformat
import pytest

from tests.conftest import NOTEBOOKS, ROOT, run_python, seats_but
from tests.harness import Executed, execute
from tests.lessons import LESSONS as TABLE
from tests.lessons import NOTEBOOK_PATHS as LESSONS
from tests.student import no_account

EXERCISES = NOTEBOOKS / "exercises"

# What each check says when its exercise is untouched, in the order of the Your turn cells.
HINTS = {name: entry.hints for name, entry in TABLE.items()}
CASES = [(name, k) for name, hints in HINTS.items() for k in range(len(hints))]


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _solutions(name: str) -> list[str]:
    lesson = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return [cell.source for cell in lesson.cells if "solution" in _tags(cell)]


def _edition(name: str, keep: int | None = None) -> nbformat.NotebookNode:
    """The student edition with the solutions pasted into every Your turn cell but ``keep``."""
    nb = nbformat.read(EXERCISES / f"{name}.ipynb", as_version=4)
    turns = [cell for cell in nb.cells if "your-turn" in _tags(cell)]
    solutions = _solutions(name)
    assert len(turns) == len(solutions) == len(HINTS[name])
    for k, (cell, solution) in enumerate(zip(turns, solutions, strict=True)):
        if k != keep:
            cell.source = solution
    return nb


def _run(nb: nbformat.NotebookNode, name: str, home) -> Executed:
    """Run All as a student with no account, offline, in the empty folder ``home``."""
    env = no_account(home, WANDB_MODE="offline", WANDB_DIR=str(home), WANDB_SILENT="true")
    return execute(nb, home, env, save_to=home / f"executed-{name}.ipynb")


def test_the_student_edition_is_current():
    """Rerunning the generator would change nothing (else: make exercises)."""
    result = run_python("", ROOT, args=["scripts/make_exercises.py", "--check"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_stale_edition_is_reported(tmp_path, monkeypatch):
    make_exercises = _make_exercises()
    monkeypatch.setattr(make_exercises, "EXERCISES", tmp_path)
    (tmp_path / "99_gone.ipynb").write_text("{}")
    assert make_exercises.main(["--check"]) == 1
    assert make_exercises.main([]) == 0  # writes the edition, removes the orphan
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in LESSONS]
    assert make_exercises.main(["--check"]) == 0  # idempotent


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_solution_becomes_a_your_turn_cell_followed_by_a_check(lesson):
    nb = nbformat.read(lesson, as_version=4)
    edition = nbformat.read(EXERCISES / lesson.name, as_version=4)
    assert len(edition.cells) == len(nb.cells)
    assert not [c for c in edition.cells if "solution" in _tags(c)]
    turns = [i for i, c in enumerate(edition.cells) if "your-turn" in _tags(c)]
    assert turns, "every lesson has at least one exercise"
    for i in turns:
        source = edition.cells[i].source
        assert source.startswith("# Your turn"), source
        assert nb.cells[i].source not in source, "the Your turn cell gives the solution away"
        following = [c for c in edition.cells[i + 1 :] if {"check", "your-turn"} & set(_tags(c))]
        assert following and "check" in _tags(following[0]), "a check follows every exercise"


def _make_exercises():
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import make_exercises
    finally:
        sys.path.pop(0)
    return make_exercises


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_teacher_sees_each_stub_and_solution_in_the_lessons_own_source(lesson):
    """No hidden metadata: the stub and the marked solution are the cell's visible lines."""
    make_exercises = _make_exercises()
    edition = nbformat.read(EXERCISES / lesson.name, as_version=4)
    turns = [c.source for c in edition.cells if "your-turn" in _tags(c)]
    solutions = [c for c in nbformat.read(lesson, as_version=4).cells if "solution" in _tags(c)]
    assert not [c for c in solutions if "exercise" in c.metadata], "a stub hidden in metadata"
    for cell, turn in zip(solutions, turns, strict=True):
        assert make_exercises.BEGIN in cell.source and make_exercises.END in cell.source
        assert turn == make_exercises.your_turn(cell.source, lesson.name)
        assert set(turn.splitlines()) <= set(cell.source.splitlines()), (
            "a line only the edition has"
        )


def test_a_changed_stub_changes_the_student_edition_and_bad_markers_are_named():
    make_exercises = _make_exercises()
    source = "# Your turn: log it\nrun = None\n### BEGIN SOLUTION\nrun = 1\n### END SOLUTION"
    assert make_exercises.your_turn(source, "x") == "# Your turn: log it\nrun = None"
    changed = source.replace("log it", "log it twice")
    assert make_exercises.your_turn(changed, "x") == "# Your turn: log it twice\nrun = None"
    with pytest.raises(ValueError, match="'### BEGIN SOLUTION' without its '### END SOLUTION'"):
        make_exercises.your_turn(source.replace("### END SOLUTION", ""), "07, cell 3")
    with pytest.raises(ValueError, match="'### END SOLUTION' outside a solution"):
        make_exercises.your_turn("### END SOLUTION\nrun = None", "x")
    with pytest.raises(ValueError, match="marks no '### BEGIN SOLUTION'"):
        make_exercises.your_turn("run = None", "x")
    with pytest.raises(ValueError, match="must come in pairs"):
        make_exercises.student_prompt("<!-- BEGIN HINT -->\nrun.log(x)", "x")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_the_student_edition_asks_and_hides_the_lines_in_a_hint(lesson):
    """No line of a solution shows in the student's prompts, but inside a closed <details> hint."""
    edition = nbformat.read(EXERCISES / lesson.name, as_version=4)
    solutions = [
        c.source for c in nbformat.read(lesson, as_version=4).cells if "solution" in _tags(c)
    ]
    code = {
        line.strip()
        for source in solutions
        for line in source.splitlines()
        if len(line.strip()) > 12 and not line.strip().startswith("#") and "(" in line
    }
    for cell in edition.cells:
        if cell.cell_type != "markdown":
            continue
        assert "<!-- BEGIN HINT -->" not in cell.source and "<details open" not in cell.source
        shown = re.sub(r"<details>.*?</details>", "", cell.source, flags=re.S)
        assert not [line for line in code if line in shown], cell.source


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_student_edition_badges_point_at_the_student_edition(lesson):
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    repo = url.removeprefix("https://github.com/")
    first = nbformat.read(EXERCISES / lesson.name, as_version=4).cells[0].source
    colab = re.findall(r"\]\((https://colab\.research\.google\.com/github/[^)]+)\)", first)
    assert colab == [
        f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/exercises/{lesson.name}"
    ]
    assert f"labpath=notebooks%2Fexercises%2F{lesson.name})" in first
    assert "Student edition" in first


@pytest.mark.parametrize(  # make test: each lesson's first exercise; the others are seats
    "case",
    seats_but(CASES, {f"{n}-1" for n in HINTS}, ids=lambda case: f"{case[0]}-{case[1] + 1}"),
)
def test_an_untouched_exercise_stops_run_all_at_its_check_with_the_hint_only(tmp_path, case):
    name, k = case
    done = _run(_edition(name, keep=k), name, tmp_path)
    nb, error = done.notebook, done.raised
    assert error is not None, "the untouched exercise passed its check"
    assert error.ename == "ExerciseIncompleteError", f"{error.ename}: {error.evalue}"
    assert HINTS[name][k] in error.evalue
    [found] = done.errors
    index = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"][found.cell - 1]
    turn = [i for i, c in enumerate(nb.cells) if "your-turn" in _tags(c)][k]
    checks = [i for i, c in enumerate(nb.cells) if "check" in _tags(c) and i > turn]
    assert index == checks[0] == done.failed_at, "Run All must stop at this exercise's check"
    assert list(found.traceback) == error.evalue.splitlines(), "the hint alone, no traceback"
    assert found.traceback[0].startswith("Check failed")


@pytest.mark.parametrize(  # make test: the lessons with several exercises
    "name", seats_but(sorted(HINTS), {"03_config", "07_sweeps"}, ids=str)
)
def test_the_edition_with_the_solutions_pasted_passes_every_check(tmp_path, name):
    done = _run(_edition(name), name, tmp_path)
    assert not done.failed, done.why()
    for cell in done.notebook.cells:
        if "check" in _tags(cell):
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert text.startswith("Check passed."), text
