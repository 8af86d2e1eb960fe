"""Lay out the book's sources: the README, the executed notebooks and the command-line twins.

    python book/stage.py SRC EXECUTED

``make book`` runs it, then ``sphinx-build -c book SRC outputs/book``. ``EXECUTED`` is where
``make run`` wrote the notebooks (``outputs/``); they are copied as they ran, with one cell
added after each title that links the notebook, its student edition and their Colab badges.
Nothing is executed again. A notebook that is missing or stopped on an error stops the
build with one line, so the book never shows a half-run lesson. Links that lead outside
the site (the README's own files) go to the repository; the badge images are local copies
(``book/badges``), so the site draws them offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import notebook_links as links  # noqa: E402  (scripts/ is not a package)

BADGES = {
    "https://colab.research.google.com/assets/colab-badge.svg": "colab-badge.svg",
    "https://mybinder.org/badge_logo.svg": "binder-badge.svg",
}
TWINS = ["wandb_script.py", "wandb_sweep.py"]
VERSIONS = re.compile(r"python (\S+) \| wandb (\S+) \| scikit-learn (\S+)")


def local_badges(text: str, prefix: str) -> str:
    """The badge images as the site's own copies, ``prefix`` being the way up to the site root."""
    for url, name in BADGES.items():
        text = text.replace(f"]({url})", f"]({prefix}_badges/{name})")
    return text


def site_links(text: str, src: Path) -> str:
    """Relative links to files the site does not hold go to the repository on GitHub."""
    blob = f"https://github.com/{links.repository()}/blob/{links.BRANCH}/"

    def target(match: re.Match) -> str:
        path = match.group(2)
        if re.match(r"[a-z]+:|#|/", path) or (src / path.split("#")[0]).exists():
            return match.group(0)
        return f"{match.group(1)}({blob}{path})"

    return re.sub(r"(\]\s?)\(([^)\s]+)\)", target, text)


def executed(path: Path, executed_dir: Path) -> nbformat.NotebookNode:
    """The notebook as ``make run`` left it; SystemExit when it is missing or failed."""
    out = executed_dir / path.name
    if not out.exists() or out.stat().st_mtime < path.stat().st_mtime:
        raise SystemExit(f"{out} is missing or older than {path}: run `make run` first")
    nb = nbformat.read(out, as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error" or output.get("name") == "stderr":
                raise SystemExit(
                    f"{out}: a cell printed an error ({output.get('ename', 'stderr')})"
                )
    return nb


def links_cell(path: Path) -> nbformat.NotebookNode:
    """Where this lesson lives: its notebook and its student edition, each with a Colab badge.

    Each badge's alt text says which of the two it opens, so a screen reader tells them apart.
    """
    repo, blob = links.repository(), f"https://github.com/{links.repository()}/blob/{links.BRANCH}/"
    lesson, student = f"notebooks/{path.name}", f"notebooks/exercises/{path.name}"
    badge = "../_badges/colab-badge.svg"
    text = (
        "This page is the notebook as `make run` executed it, outputs included.\n\n"
        f"- The lesson: [{lesson}]({blob}{lesson}) "
        f"[![Open the lesson in Colab]({badge})]({links.colab_url(repo, lesson)})\n"
        f"- The student edition, with *Your turn* cells: [{student}]({blob}{student}) "
        f"[![Open the student edition in Colab]({badge})]({links.colab_url(repo, student)})\n"
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.id = "book-links"
    return cell


def versions(notebooks: list[nbformat.NotebookNode]) -> tuple[str, str, str]:
    """Python, wandb and scikit-learn as the notebooks printed them when they ran."""
    for nb in notebooks:
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                found = VERSIONS.search(output.get("text", ""))
                if found:
                    return found.groups()
    raise SystemExit("no executed notebook printed `python X | wandb Y | scikit-learn Z`")


def twins_page(src: Path) -> None:
    """The command-line twins: what each is for, its --help as it prints it, its source."""
    parts = [
        "# The command-line twins\n",
        "Two scripts do in a terminal what the notebooks do: `scripts/wandb_script.py` trains "
        "and logs one run (notebooks 02 and 03), `scripts/wandb_sweep.py` runs the sweep "
        "(notebook 07). Run them from the repository folder, in the environment `make run` "
        "creates (`.venv`). Each one's docstring, at the top of its source, says how.\n",
    ]
    (src / "scripts").mkdir()
    for name in TWINS:
        script = ROOT / "scripts" / name
        shutil.copy(script, src / "scripts" / name)
        usage = subprocess.run(  # wrapped for the page's column, as an 80-column terminal shows it
            [sys.executable, str(script), "--help"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "COLUMNS": "80"},
        ).stdout
        parts += [
            f"## `scripts/{name}`\n",
            f"`python scripts/{name} --help` prints:\n",
            f"```text\n{usage.strip()}\n```\n",
            f"```{{literalinclude}} scripts/{name}\n:language: python\n```\n",
        ]
    (src / "scripts.md").write_text("\n".join(parts))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    src, executed_dir = Path(args[0]), Path(args[1])
    shutil.rmtree(src, ignore_errors=True)
    (src / "notebooks").mkdir(parents=True)
    shutil.copytree(ROOT / "book" / "badges", src / "_badges")
    notebooks = []
    for path in links.NOTEBOOKS:
        nb = executed(path, executed_dir)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = local_badges(cell.source, "../")
        nb.cells.insert(1, links_cell(path))
        nbformat.write(nb, src / "notebooks" / path.name)
        notebooks.append(nb)
    python, wandb, sklearn = versions(notebooks)
    ran = f"Python {python}, wandb {wandb} and scikit-learn {sklearn}"
    twins_page(src)
    toc = "\n".join(f"notebooks/{p.stem}" for p in links.NOTEBOOKS)
    readme = site_links(local_badges((ROOT / "README.md").read_text(), ""), src)
    (src / "index.md").write_text(
        f"{readme}\n## This edition\n\nEvery lesson page shows its notebook as `make run` "
        f"executed it, offline, with {ran}.\n\n"
        f"```{{toctree}}\n:hidden:\n:caption: Lessons\n\n{toc}\nscripts\n```\n"
    )
    (src / "book.json").write_text(json.dumps({"footer": f"Executed with {ran}."}))
    print(f"book sources in {src}: {len(notebooks)} lessons, executed with {ran}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
