"""Online sweeps (``wandb.sweep`` + ``wandb.agent``): quiet as the offline sweep, read from disk."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

from helpers.run_files import find_run, wandb_dir
from helpers.sweep_progress import _Progress


def with_progress(train: Callable[[], Any], count: int, desc: str = "sweep") -> Callable[[], None]:
    """``train`` for ``wandb.agent(..., function=...)``, counted under one progress bar.

    The agent prints nothing once wandb is silent (see ``helpers.course.quiet_wandb``), so
    without a bar a student would watch a cell for a minute with no sign of life. The bar
    is shown now and updated in place after each run, failed ones counted as failed; the
    agent still records a failure as it would (it sees the same exception).
    """
    bar = _Progress(count, desc, enabled=True)

    def counted() -> None:
        failed = True
        try:
            train()
            failed = False
        finally:
            bar.update(failed)
            if bar.n >= bar.total:
                bar.close()

    return counted


def online_sweep_runs(sweep_path: str) -> list[dict[str, Any]]:
    """The runs of an online sweep, listed by ``wandb.Api()`` and read back from this disk.

    Each run object of wandb's public API makes an empty folder
    ``$WANDB_DIR/<entity>/<project>/<run id>/`` when it is created (``Run.__init__`` in
    ``wandb/apis/public/runs.py``), and ``wandb.agent`` sets ``WANDB_DIR`` to the notebook's
    folder: listing the runs with ``WANDB_DIR`` in a temporary folder keeps those folders
    out of the student's file browser. The runs themselves are read from ``./wandb``.
    """
    import wandb

    folder = wandb_dir()  # where the agent's runs are, decided before WANDB_DIR changes
    with tempfile.TemporaryDirectory(prefix="wandb-api-") as scratch:
        with patch.dict(os.environ, {"WANDB_DIR": scratch}):
            ids = [run.id for run in wandb.Api().sweep(sweep_path).runs]
    from helpers.runs import read_runs

    return read_runs([find_run(run_id, folder) for run_id in ids])
