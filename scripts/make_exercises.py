"""Write the student edition: ``notebooks/exercises/`` from the complete lessons in ``notebooks/``.

    python scripts/make_exercises.py          # rewrite what is stale
    python scripts/make_exercises.py --check  # exit 1 and list what is stale, change nothing

Each lesson cell tagged ``solution`` marks its solution as nbgrader does, with lines a
teacher sees and edits in JupyterLab::

    # Your turn: start a run (run = wandb.init(...)) and finish it.
    run = None
    ### BEGIN SOLUTION
    run = wandb.init(project=PROJECT, mode=MODE)
    run.finish()
    ### END SOLUTION

The student edition keeps every line outside the markers (the "Your turn" stub: a
comment and a variable left empty, so the check after it names what is missing) and
drops each marked region; a cell may hold several regions (notebook 02 marks three
lines of a script). In a markdown prompt, the text between ``<!-- BEGIN HINT -->`` and
``<!-- END HINT -->`` (the worked lines the lesson spells out) becomes a collapsed
``<details>`` hint that the student opens on purpose. Everything else is copied as it
is, so the checks of the student edition judge the student's own run. Badges point at
the student edition's own files. The output depends only on the lessons, so a rerun
changes nothing.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from notebook_links import ROOT, link_notebook, repository

LESSONS = ROOT / "notebooks"
EXERCISES = LESSONS / "exercises"  # where the edition is written
PUBLISHED = LESSONS / "exercises"  # where it lives in the repository: its badges point there
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HINT_BEGIN, HINT_END = "<!-- BEGIN HINT -->", "<!-- END HINT -->"
HINT_OPEN = "<details><summary>Hint: the lines to write</summary>\n"
HINT_CLOSE = "\n</details>"
EDITION_NOTE = (
    "**Student edition.** Write your code in the *Your turn* cells; the check after each one reads "
    "back what your run stored and tells you what is missing. The complete lesson, with the "
    "solutions, is [`notebooks/{name}`](../{name})."
)


def your_turn(source: str, where: str) -> str:
    """The solution cell's source without its marked regions: what the student starts from."""
    kept: list[str] = []
    inside = False
    for line in source.splitlines():
        mark = line.strip()
        if mark in (BEGIN, END) and (mark == BEGIN) == inside:
            raise ValueError(f"{where}: {mark!r} {'inside' if inside else 'outside'} a solution")
        if mark in (BEGIN, END):
            inside = mark == BEGIN
        elif not inside:
            kept.append(line)
    if inside:
        raise ValueError(f"{where}: {BEGIN!r} without its {END!r}")
    if BEGIN not in source:
        raise ValueError(f"{where}: a solution cell marks no {BEGIN!r} ... {END!r}:\n{source}")
    return "\n".join(kept).strip("\n")


def student_prompt(source: str, where: str) -> str:
    """A markdown cell whose ``HINT`` blocks are folded into ``<details>``, closed until clicked."""
    if source.count(HINT_BEGIN) != source.count(HINT_END):
        raise ValueError(f"{where}: {HINT_BEGIN} and {HINT_END} must come in pairs")
    return source.replace(HINT_BEGIN, HINT_OPEN).replace(HINT_END, HINT_CLOSE)


def student_edition(lesson: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The lesson with every ``solution`` cell replaced by its "Your turn" cell."""
    nb = copy.deepcopy(lesson)
    cells = []
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if "solution" in cell.metadata.get("tags", []):
            turn = nbformat.v4.new_code_cell(your_turn(cell.source, where))
            turn.metadata["tags"] = ["your-turn"]
            cell = turn
        elif cell.cell_type == "markdown" and HINT_BEGIN in cell.source:
            cell.source = student_prompt(cell.source, where)
        cells.append(cell)
    intro = cells[0].source.split("\n\n", 2)
    if len(intro) < 3:
        raise ValueError(f"{name}: the first cell needs a title, the badges, then the text")
    cells[0].source = "\n\n".join([intro[0], intro[1], EDITION_NOTE.format(name=name), intro[2]])
    for index, cell in enumerate(cells):  # the ids nbstripout gives: stable, so reruns agree
        cell["id"] = str(index)
    nb.cells = cells
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files, change nothing")
    args = parser.parse_args(argv)
    repo = repository()
    lessons = sorted(LESSONS.glob("[0-9][0-9]_*.ipynb"))
    editions = []
    for path in lessons:
        target = EXERCISES / path.name
        editions.append((target, student_edition(nbformat.read(path, as_version=4), path.name)))
    stale = []
    for i, (target, nb) in enumerate(editions):
        neighbours = [
            editions[i - 1] if i else None,
            editions[i + 1] if i + 1 < len(editions) else None,
        ]
        link_notebook(nb, PUBLISHED / target.name, repo, neighbours)
        text = nbformat.writes(nb) + "\n"
        if not target.exists() or target.read_text() != text:
            stale.append(f"exercises/{target.name}")
            if not args.check:
                target.parent.mkdir(exist_ok=True)
                target.write_text(text)
    wanted = {target.name for target, _ in editions}
    extra = sorted(p for p in EXERCISES.glob("*.ipynb") if p.name not in wanted)
    for path in extra:
        stale.append(f"exercises/{path.name} (no lesson of that name)")
        if not args.check:
            path.unlink()
    if args.check and stale:
        print("stale (run python scripts/make_exercises.py):", ", ".join(stale))
        return 1
    print(("updated: " + ", ".join(stale)) if stale else "the student edition is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
