"""With WANDB_MODE=disabled every notebook still runs top to bottom, stores nothing, and says so."""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from tests.conftest import seats_but
from tests.lessons import NOTEBOOK_PATHS


@pytest.mark.parametrize(
    "notebook", seats_but(NOTEBOOK_PATHS, {"05_sklearn_plots"}, ids=lambda p: p.stem)
)
def test_notebook_completes_in_disabled_mode(notebook, offline, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    out = tmp_path / notebook.name
    pm.execute_notebook(notebook, out, cwd=str(tmp_path), progress_bar=False, kernel_name="python3")
    assert not offline.exists(), "disabled wandb must store nothing"
    text = "".join(
        o.get("text", "")
        for c in nbformat.read(out, as_version=4).cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "nothing was stored" in text or "Check skipped" in text or "no run was stored" in text
