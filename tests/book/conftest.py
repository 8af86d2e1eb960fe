"""The book as a reader gets it: the built site served over HTTP, read in Debian's Chromium.

``make test-book`` builds ``outputs/book`` first (``make book``), installs axe-core from npm
into ``.cache/axe`` and runs these tests. The site is served from a local port, as a static
host would serve it; Playwright drives ``/usr/bin/chromium`` and never downloads a browser.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("BOOK_DIR", ROOT / "outputs" / "book"))
EXECUTED = SITE.parent  # make run's notebooks, next to the site
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
WINDOW = {"width": 1280, "height": 900}


def pages() -> list[str]:
    """Every HTML page of the site, relative to its root (Sphinx's index and search included;
    the theme's template fragments in _static are no pages)."""
    if not (SITE / "index.html").exists():
        raise pytest.UsageError(f"no book in {SITE}: run `make book` (make test-book does)")
    found = (p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    return sorted(p for p in found if not p.startswith("_static/"))


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # one line per request would bury pytest's report
        pass


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """The site on a free local port; the base URL ends with a slash."""
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server):
    """A 1280-px window that refuses every request off the local site (the book is offline)."""
    context = browser.new_context(viewport=WINDOW)
    tab = context.new_page()
    offsite: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith(server):
            request_route.continue_()
        else:
            offsite.append(request_route.request.url)
            request_route.abort()

    tab.route("**/*", route)
    tab.offsite = offsite
    yield tab
    context.close()
