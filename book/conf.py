"""Sphinx configuration of the course's book: the executed notebooks as a static site.

``make book`` stages the sources (``book/stage.py``: the README as the home page, the
notebooks as ``make run`` executed them, the command-line twins' page) into
``outputs/book-src`` and builds them with this configuration into ``outputs/book``. Nothing is
executed here (``nb_execution_mode = "off"``) and nothing is fetched: the theme ships its assets.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

_URL = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["urls"]
REPOSITORY = re.sub(r"/+$", "", _URL["Repository"])

project = "Experiment tracking with Weights & Biases, on iris"
author = "the course's authors"
language = "en"
extensions = ["myst_nb"]
exclude_patterns = ["book.json", "**/.ipynb_checkpoints"]

# The notebooks run once, in `make run`; the book shows those outputs as they are.
nb_execution_mode = "off"
nb_merge_streams = True  # one block per cell for what it printed, as JupyterLab shows it
myst_enable_extensions = ["colon_fence"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = "W&B on iris"
templates_path = ["_templates"]
html_static_path = ["_static"]
html_css_files = ["book.css"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # pydata-sphinx-theme adds a search field to a top bar unless told not to; the book theme
    # has its own in the sidebar, and a second one above it repeats it for a screen reader.
    "navbar_persistent": [],
}


def _footer(app, config) -> None:
    """Every page's footer says what the notebooks ran with, as stage.py read it from them."""
    facts = json.loads((Path(app.srcdir) / "book.json").read_text())
    config.html_theme_options["extra_footer"] = facts["footer"]


def setup(app):
    app.connect("config-inited", _footer)
