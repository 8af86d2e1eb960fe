"""Write the student edition: ``notebooks/exercises/`` from the complete lessons in ``notebooks/``.

    python scripts/make_exercises.py          # rewrite what is stale
    python scripts/make_exercises.py --check  # exit 1 and list what is stale, change nothing

Each lesson cell tagged ``solution`` holds its exercise in ``metadata.exercise``: the
"Your turn" cell the student edition shows instead (usually a comment and a variable
left empty, so the check after it names what is missing). Everything else is copied
as it is, so the checks of the student edition judge the student's own run. Badges
point at the student edition's own files. The output depends only on the lessons,
so a rerun changes nothing.
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
EDITION_NOTE = (
    "**Student edition.** Write your code in the *Your turn* cells; the check after each one reads "
    "back what your run stored and tells you what is missing. The complete lesson, with the "
    "solutions, is [`notebooks/{name}`](../{name})."
)


def student_edition(lesson: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The lesson with every ``solution`` cell replaced by its "Your turn" cell."""
    nb = copy.deepcopy(lesson)
    cells = []
    for cell in nb.cells:
        if "solution" in cell.metadata.get("tags", []):
            if "exercise" not in cell.metadata:
                raise ValueError(
                    f"{name}: a solution cell has no metadata.exercise:\n{cell.source}"
                )
            turn = nbformat.v4.new_code_cell(cell.metadata["exercise"])
            turn.metadata["tags"] = ["your-turn"]
            cell = turn
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
