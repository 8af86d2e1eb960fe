"""Sweeps for notebook 07 and scripts/wandb_sweep.py: one import for what they use.

The work is done one concern per module:

- :mod:`helpers.sweep_config`: the course's sweep config, read and checked by W&B's sweep engine;
- :mod:`helpers.sweep_driver`: :func:`local_sweep`, the offline agent (no W&B server needed);
- :mod:`helpers.sweep_workers`: its processes and signals (Ctrl-C, SIGTERM, worker processes);
- :mod:`helpers.sweep_progress`: the one progress bar a sweep shows;
- :mod:`helpers.sweep_online`: ``wandb.sweep`` + ``wandb.agent``, as quiet as the offline sweep;
- :mod:`helpers.importance`: which hyperparameter matters most, from the stored runs.
"""

from __future__ import annotations

from helpers.importance import parameter_importance
from helpers.sweep_config import (
    COURSE_SWEEP,
    METHODS,
    _engine,
    load_sweep_config,
    validate_sweep_config,
)
from helpers.sweep_driver import SweepInterrupted, SweepRuns, local_sweep
from helpers.sweep_online import online_sweep_runs, with_progress

__all__ = [
    "COURSE_SWEEP",
    "METHODS",
    "SweepInterrupted",
    "SweepRuns",
    "_engine",
    "load_sweep_config",
    "local_sweep",
    "online_sweep_runs",
    "parameter_importance",
    "validate_sweep_config",
    "with_progress",
]
