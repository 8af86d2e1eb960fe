"""The book site (``make book``): every page readable by everyone, in a real browser.

Each page of ``outputs/book`` is opened in Chromium at 1280 px and must pass the axe-core
audit with no serious or critical violation, show no error output, draw every image (each
with alt text), keep its headings in order, load nothing from off the site and be no wider
than the window, with no table or printed output cut at its column's edge. Every internal
link must lead to a page and anchor that exist. Each lesson page shows every output of its
executed notebook, in order, with previous/next links, and links its notebook, its student
edition and their Colab badges.
"""

from __future__ import annotations

import functools
import platform
import re
import sys
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import nbformat
import pytest

from tests.book.conftest import AXE, EXECUTED, ROOT, SITE, WINDOW, pages
from tests.lessons import NAMES as LESSONS

pytestmark = pytest.mark.book
SCREENS = ROOT / "outputs" / "screens"


class _Page(HTMLParser):
    """The ids and the links of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"])
        if tag == "a" and found.get("href"):
            self.hrefs.append(found["href"])


@functools.cache
def _parse(path: Path) -> _Page:
    parsed = _Page()
    parsed.feed(path.read_text())
    return parsed


def test_every_internal_link_resolves():
    """A link inside the site leads to a file it holds and, with #anchor, to an id on it."""
    broken = []
    for name in pages():
        for href in _parse(SITE / name).hrefs:
            if urlparse(href).scheme or href.startswith("mailto:"):
                continue
            target, anchor = urldefrag(urljoin(f"/{name}", href))
            path = SITE / unquote(target).lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            if not path.is_file():
                broken.append(f"{name}: {href} (no {path.relative_to(SITE)})")
            elif anchor and path.suffix == ".html" and anchor not in _parse(path).ids:
                broken.append(f"{name}: {href} (no id {anchor!r})")
    assert not broken, "broken links:\n" + "\n".join(broken)


AUDIT = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}x, e.g. ${v.nodes[0].target})`);
}"""

LOOK = """() => {
  const main = document.querySelector("main") || document.body;
  const headings = [...main.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(h => h.offsetParent !== null)
    .map(h => [Number(h.tagName[1]), h.textContent.trim()]);
  const images = [...document.querySelectorAll("main img")].map(img => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt") || "",
    drawn: img.complete && img.naturalWidth > 0,
  }));
  const errors = [...document.querySelectorAll(
    ".cell_output .stderr, .cell_output .traceback, .cell_output .error, .system-message")]
    .map(e => e.textContent.slice(0, 200));
  const cut = [...document.querySelectorAll(".cell_output > *, .cell_output :is(table, pre)")]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 80));
  return {
    headings, images, errors, cut,
    width: document.documentElement.scrollWidth,
    text: document.body.innerText,
  };
}"""


@pytest.mark.parametrize("name", pages())
def test_page_is_readable_by_everyone(page, server, name):
    """axe finds no serious or critical violation; the page is whole, in order, offline."""
    page.goto(server + name, wait_until="load")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(AUDIT)
    assert not violations, f"{name}: axe-core found\n" + "\n".join(violations)
    look = page.evaluate(LOOK)
    assert not look["errors"], f"{name} shows error output: {look['errors']}"
    assert "Traceback (most recent call last)" not in look["text"], name
    undrawn = [i["src"] for i in look["images"] if not i["drawn"]]
    assert not undrawn, f"{name}: images not drawn: {undrawn}"
    assert all(i["alt"].strip() for i in look["images"]), f"{name}: an image has no alt text"
    assert look["width"] <= WINDOW["width"], f"{name} is {look['width']} px wide"
    assert not look["cut"], f"{name}: outputs wider than their column: {look['cut']}"
    assert not page.offsite, f"{name} asked for files off the site: {page.offsite}"
    levels = [level for level, _ in look["headings"]]
    if name not in ("genindex.html", "search.html"):  # Sphinx's own pages
        assert levels[:1] == [1] and levels.count(1) == 1, f"{name}: one h1 first: {levels}"
    skips = [(a, b) for a, b in pairwise(levels) if b > a + 1]
    assert not skips, f"{name}: headings skip a level: {look['headings']}"


def _outputs(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """Each output of an executed notebook as (kind, its first line or alt text), in order.

    Consecutive printed outputs of a cell are one block, as the book (and JupyterLab)
    shows them; an HTML table shows as a table, anything else by its text.
    """
    found = []
    for cell in nb.cells:
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        previous = None
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                found.append(("image", alt))
            elif "<table" in data.get("text/html", ""):
                found.append(("table", ""))
            elif output.output_type == "stream" and previous == "stream":
                continue
            else:
                text = output.get("text") or data.get("text/plain", "")
                found.append(("text", text.strip().splitlines()[0].strip()))
            previous = output.output_type
    return found


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_shows_every_output_in_order(page, server, lesson):
    """The page holds every figure (with the alt text its cell sets), table and printed
    line of the notebook `make run` executed, in the notebook's order, and its links."""
    nb = nbformat.read(EXECUTED / f"{lesson}.ipynb", as_version=4)
    expected = _outputs(nb)
    page.goto(f"{server}notebooks/{lesson}.html", wait_until="load")
    shown = page.evaluate(
        """() => [...document.querySelectorAll(".cell_output > *")].map(e => {
          const img = e.tagName === "IMG" ? e : e.querySelector("img");
          if (img) return ["image", img.alt];
          if (e.querySelector("table")) return ["table", ""];
          return ["text", e.innerText.trim().split("\\n")[0].trim()];
        })"""
    )
    assert [tuple(s) for s in shown] == expected
    images = [alt for kind, alt in expected if kind == "image"]
    assert all(len(alt) > 40 for alt in images), f"{lesson}: a figure cell has no alt text"

    links = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)")
    repo = "github.com/wandb-iris-course/wandb-iris-course/blob/main"
    for wanted in [
        f"{repo}/notebooks/{lesson}.ipynb",
        f"{repo}/notebooks/exercises/{lesson}.ipynb",
        f"colab.research.google.com/github/wandb-iris-course/wandb-iris-course/blob/main/notebooks/{lesson}.ipynb",
        f"colab.research.google.com/github/wandb-iris-course/wandb-iris-course/blob/main/notebooks/exercises/{lesson}.ipynb",
    ]:
        assert any(wanted in href for href in links), f"{lesson} does not link {wanted}"
    index = LESSONS.index(lesson)
    previous = page.locator("a.left-prev")
    following = page.locator("a.right-next")
    if index:
        assert previous.get_attribute("href").endswith(f"{LESSONS[index - 1]}.html")
    if index + 1 < len(LESSONS):
        assert following.get_attribute("href").endswith(f"{LESSONS[index + 1]}.html")


def test_home_is_the_readme_and_says_what_the_lessons_ran_with(page, server):
    """The home page is the README; every page names the Python, wandb and scikit-learn
    the notebooks ran with (this test runs in the venv make book built them with)."""
    import sklearn
    import wandb

    readme_title = (ROOT / "README.md").read_text().splitlines()[0].lstrip("# ").strip()
    page.goto(server, wait_until="load")
    assert page.locator("article h1").inner_text().strip().rstrip("#").strip() == readme_title
    ran = (
        f"Python {platform.python_version()}, wandb {wandb.__version__} "
        f"and scikit-learn {sklearn.__version__}"
    )
    for name in ["index.html", "scripts.html", f"notebooks/{LESSONS[0]}.html"]:
        page.goto(server + name, wait_until="load")
        assert f"Executed with {ran}." in page.locator("footer.bd-footer-content").inner_text()
    hrefs = page.evaluate("() => [...document.querySelectorAll('nav a')].map(a => a.href)")
    assert any(h.endswith("scripts.html") for h in hrefs), "no page for the command-line twins"


def test_twins_page_shows_each_script_and_its_help(page, server):
    """The command-line twins' page shows each script's --help as it prints it, and its source."""
    import subprocess

    page.goto(server + "scripts.html", wait_until="load")
    text = page.locator("main").inner_text()
    for name in ["wandb_script.py", "wandb_sweep.py"]:
        script = ROOT / "scripts" / name
        usage = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, check=True
        ).stdout
        assert " ".join(usage.split()) in " ".join(text.split()), name
        assert "def main(" in script.read_text() and f"scripts/{name}" in text


def test_the_book_sources_are_committed():
    """A clean clone builds the same site: everything make book reads from book/ is tracked."""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files", "book"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    present = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "book").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert sorted(present) == sorted(tracked)


@pytest.mark.parametrize("name", ["index", "notebooks/05_sklearn_plots"])
def test_screenshot(page, server, name):
    """Two pages as a reader sees them, for a person to look at: outputs/screens/book-*.png."""
    page.goto(f"{server}{name}.html", wait_until="load")
    SCREENS.mkdir(parents=True, exist_ok=True)
    shot = SCREENS / f"book-{Path(name).name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert re.search(r"\S", page.locator("main").inner_text())


def test_the_pages_workflow_publishes_what_make_book_builds():
    """The README's GitHub Pages workflow runs `make book` and uploads the folder it fills."""
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    steps = workflow["jobs"]["book"]["steps"]
    assert {"run": "make book"} in steps
    [upload] = [s for s in steps if "upload-pages-artifact" in s.get("uses", "")]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^OUT\s*\?=\s*outputs$", makefile, re.M), "make's outputs moved"
    assert "-c book $(OUT)/book-src $(OUT)/book\n" in makefile
    assert upload["with"]["path"] == "outputs/book"
    assert "deploy-pages" in steps[-1]["uses"]
    assert ".github/workflows/book.yml" in (ROOT / "README.md").read_text()
