"""Write the Colab/Binder badges, the Colab install line, previous/next links and the README table.

The student edition (``notebooks/exercises/``, written by ``scripts/make_exercises.py``)
gets its badges from :func:`link_notebook` too, pointing at its own files.

    python scripts/notebook_links.py          # rewrite what is stale
    python scripts/notebook_links.py --check  # exit 1 and list what is stale, change nothing

Everything comes from one setting, ``[project.urls] Repository`` in pyproject.toml, and
from the notebooks themselves (their titles and "Course exercises covered" lines). Each
generated piece sits between sentinel comments, so a rerun finds it and changes nothing.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BRANCH = "main"


def repository() -> str:
    """``owner/name`` from pyproject.toml's Repository URL."""
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)/?", url)
    if not match:
        raise SystemExit(f"Repository URL {url!r} is not https://github.com/OWNER/NAME")
    return match.group(1)


def colab_url(repo: str, path: str) -> str:
    return f"https://colab.research.google.com/github/{repo}/blob/{BRANCH}/{path}"


def binder_url(repo: str, path: str) -> str:
    return f"https://mybinder.org/v2/gh/{repo}/{BRANCH}?labpath={path.replace('/', '%2F')}"


def colab_badge(repo: str, path: str) -> str:
    image = "https://colab.research.google.com/assets/colab-badge.svg"
    return f"[![Open In Colab]({image})]({colab_url(repo, path)})"


def binder_badge(repo: str, path: str) -> str:
    return f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder_url(repo, path)})"


def badges(repo: str, path: str) -> str:
    return f"{colab_badge(repo, path)} {binder_badge(repo, path)}"


def _between(text: str, name: str, body: str) -> str:
    """Put ``body`` between ``<!-- name -->`` and ``<!-- /name -->`` (adding the end marker)."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    pattern = re.compile(re.escape(start) + r"(.*?" + re.escape(end) + r")?", re.S)
    if not pattern.search(text):
        raise ValueError(f"no {start} marker")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text, count=1)


def title(nb: nbformat.NotebookNode) -> str:
    heading = nb.cells[0].source.splitlines()[0]
    return re.sub(r"^#\s*\d+\s*·\s*", "", heading).strip()


def exercises(nb: nbformat.NotebookNode) -> str:
    match = re.search(r"\*\*Course exercises? covered:\*\*\s*(.+)", nb.cells[0].source)
    return match.group(1).strip().rstrip(".") if match else ""


def link_notebook(nb: nbformat.NotebookNode, path: Path, repo: str, neighbours: list) -> bool:
    """Set the badges, the Colab install line and the previous/next links; True if any changed."""
    before = [c.source for c in nb.cells]
    nb.cells[0].source = _between(
        nb.cells[0].source, "badges", badges(repo, path.relative_to(ROOT).as_posix())
    )
    # Colab's install: the course adds only what Colab lacks (helpers, wandb at the tested
    # version, sweeps); pyproject's bounds admit Colab's own kernel, numpy, pandas, matplotlib
    # and scikit-learn, so pip keeps them (make test-colab checks it on Colab's package set).
    install = f'%pip install -q "wandb-iris-course @ git+https://github.com/{repo}"'
    for cell in nb.cells:
        if cell.cell_type == "code" and "# colab-install" in cell.source:
            cell.source = re.sub(r'%pip install -q "[^"]*"', install, cell.source)
    previous, following = neighbours
    links = []
    if previous:
        links.append(f"← Previous: [{title(previous[1])}]({previous[0].name})")
    if following:
        links.append(f"Next: [{title(following[1])}]({following[0].name}) →")
    nb.cells[-1].source = _between(nb.cells[-1].source, "nav", " · ".join(links))
    return before != [c.source for c in nb.cells]


def readme_table(repo: str, notebooks: list) -> str:
    rows = ["| # | Notebook | Course exercises | Colab | Binder |", "|---|---|---|---|---|"]
    for path, nb in notebooks:
        rel = f"notebooks/{path.name}"
        rows.append(
            f"| {path.name[:2]} | [{title(nb)}]({rel}) | {exercises(nb)} "
            f"| {colab_badge(repo, rel)} | {binder_badge(repo, rel)} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files, change nothing")
    args = parser.parse_args(argv)
    repo = repository()
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in NOTEBOOKS]
    stale = []
    for i, (path, nb) in enumerate(notebooks):
        neighbours = [
            notebooks[i - 1] if i else None,
            notebooks[i + 1] if i + 1 < len(notebooks) else None,
        ]
        if link_notebook(nb, path, repo, neighbours):
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                nbformat.write(nb, path)
    readme = ROOT / "README.md"
    text = readme.read_text()
    first = f"notebooks/{NOTEBOOKS[0].name}"
    new = _between(text, "top-badges", badges(repo, first))  # Binder opens the first notebook
    new = _between(new, "notebook-table", readme_table(repo, notebooks))
    if new != text:
        stale.append("README.md")
        if not args.check:
            readme.write_text(new)
    if args.check and stale:
        print("stale (run python scripts/notebook_links.py):", ", ".join(stale))
        return 1
    print(
        ("updated: " + ", ".join(stale)) if stale else "badges, links and README table are current"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
