"""The one notebook harness of the tests: execute a lesson in a seat, read back what happened.

Every test that executes a notebook outside nbmake, Playwright and the Colab venv calls
:func:`execute`. Parameters go in as papermill injects them (its ``parameterize_notebook``,
the cell tagged ``injected-parameters`` after the one tagged ``parameters``), and the notebook
runs with nbclient in a kernel started with exactly ``env`` (nbclient hands it to
jupyter_client's ``start_kernel``): the test process's own environment never leaks into the
seat, and nothing in it is changed. A failing cell stops Run All as papermill and JupyterLab
stop; the executed notebook comes back either way, with where it stopped.
"""

from __future__ import annotations

import copy
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode

from helpers.batch import kernel_config
from tests.outputs import CellError, errors


@dataclass
class Executed:
    """One executed notebook: the node, where it stopped, its seat's environment and run folder."""

    name: str  # the notebook's stem
    notebook: NotebookNode  # as executed, also when a cell failed
    env: dict[str, str]  # the kernel's whole environment
    cwd: Path  # the kernel's working folder
    seconds: float
    console: str = ""  # what the kernel process wrote to its own stdout and stderr
    raised: CellExecutionError | None = None  # what nbclient raised when a cell failed
    failed_at: int | None = None  # the index in ``notebook.cells`` of the cell that failed
    saved: Path | None = None  # where the executed notebook was written
    _runs: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.raised is not None

    @property
    def errors(self) -> list[CellError]:
        """Every error output, read by tests/outputs.py as for every other seat."""
        return errors(self.notebook)

    @property
    def text(self) -> str:
        """Every text output, stdout and stderr alike, and each result's text/plain."""
        return "".join(
            out.get("text", "") or out.get("data", {}).get("text/plain", "")
            for cell in self.notebook.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
        )

    @property
    def wandb_dir(self) -> Path:
        """The run folder: ``$WANDB_DIR/wandb``, or ``wandb/`` in the working folder."""
        return Path(self.env.get("WANDB_DIR") or self.cwd) / "wandb"

    def runs(self) -> list[dict[str, Any]]:
        """What wandb stored, read back by the course's own reader (read once, then kept)."""
        from helpers.runs import read_runs

        if self._runs is None:
            self._runs = read_runs(self.wandb_dir)
        return self._runs

    def why(self) -> str:
        """Where it stopped and the error's last lines, for an assertion message."""
        if not self.failed:
            return f"{self.name} ran to the end ({self.seconds:.0f} s)"
        lines = [line for error in self.errors for line in error.lines][-15:]
        said = "\n".join(lines) or str(self.raised)[-2000:]
        return f"{self.name} stopped at cell {self.failed_at} ({self.seconds:.0f} s):\n{said}"


def execute(
    notebook: Path | NotebookNode,
    cwd: Path,
    env: dict[str, str],
    parameters: dict[str, Any] | None = None,
    timeout: float = 600,
    save_to: Path | None = None,
) -> Executed:
    """Run All on ``notebook`` in ``cwd`` with exactly ``env``; ``timeout`` is per cell.

    ``parameters`` are injected as papermill injects them. ``save_to`` keeps the executed
    notebook on disk (written also when a cell failed), to open when a test fails. An error
    that is not a cell's (the kernel died, a cell timed out) is raised, after saving.
    """
    name = notebook.stem if isinstance(notebook, Path) else ""
    nb = nbformat.read(notebook, as_version=4) if isinstance(notebook, Path) else notebook
    nb = _parameterized(copy.deepcopy(nb), parameters)
    started: list[int] = []
    result = Executed(name or (save_to.stem if save_to else ""), nb, dict(env), cwd, 0.0)
    start = time.monotonic()
    with tempfile.TemporaryFile() as console, kernel_config() as config:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(cwd)}},
            on_cell_start=lambda cell, cell_index: started.append(cell_index),
            config=config,  # the kernel on Unix sockets, as make run starts it
        )
        try:
            client.execute(env=dict(env), stdout=console, stderr=console)
        except CellExecutionError as error:
            result.raised, result.failed_at = error, started[-1] if started else None
        finally:
            result.seconds = time.monotonic() - start
            console.seek(0)
            result.console = console.read().decode(errors="replace")
            if save_to is not None:
                save_to.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, save_to)
                result.saved = save_to
    return result


def _parameterized(nb: NotebookNode, parameters: dict[str, Any] | None) -> NotebookNode:
    """``nb`` with ``parameters`` injected by papermill's own code, as ``papermill -p`` does."""
    if not parameters:
        return nb
    from papermill.parameterize import parameterize_notebook

    nb.metadata.setdefault("papermill", NotebookNode(parameters={}))
    for cell in nb.cells:  # papermill gives every cell its tags when it loads a notebook
        cell.metadata.setdefault("tags", [])
    return parameterize_notebook(nb, parameters, kernel_name="python3", language="python")
