"""What an executed notebook raised: the one reader of its error outputs for every seat.

A notebook comes as papermill, nbclient or nbmake leave it (an ``nbformat`` node or a path),
or as JupyterLab's contents API returns it (plain dicts): each error output is read the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class CellError:
    """One error output: the code cell it came from (1 for the first), and what it said."""

    cell: int
    ename: str
    evalue: str
    traceback: tuple[str, ...]  # as the kernel sent it, colours included

    @property
    def lines(self) -> list[str]:
        """The traceback as a reader sees it: colours removed, one entry per line."""
        return ANSI.sub("", "\n".join(self.traceback)).strip().splitlines()

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.ename}: {self.evalue}"


def errors(notebook: Path | Mapping[str, Any] | None) -> list[CellError]:
    """Every error output of ``notebook``, in order; none when there is no notebook."""
    if notebook is None:
        return []
    if isinstance(notebook, Path):
        notebook = nbformat.read(notebook, as_version=4)
    code = [c for c in notebook.get("cells", []) if c.get("cell_type") == "code"]
    return [
        CellError(
            number, out.get("ename", ""), out.get("evalue", ""), tuple(out.get("traceback", []))
        )
        for number, cell in enumerate(code, 1)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
