"""Exercise checks: read back what a run stored and say exactly what is missing.

They look only at what wandb wrote (via :mod:`helpers.runs`), never at the
variables in the notebook, so a check passes only when the logging really worked.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Allowed range of each course metric: accuracy and f1 are fractions, nll is a log loss.
RANGES: dict[str, tuple[float, float]] = {
    "accuracy": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "nll": (0.0, math.inf),
}


@dataclass
class CheckResult:
    """What a check found and what it missed; ``ok`` when nothing is missing."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def ok(self) -> bool:
        return not self.missing

    def __str__(self) -> str:
        if self.skipped:
            return f"Check skipped: {self.skipped}"
        lines = [f"✔ {item}" for item in self.found] + [f"✘ {item}" for item in self.missing]
        verdict = "Check passed." if self.ok else "Check failed: fix the lines marked ✘ and rerun."
        return "\n".join([verdict, *lines])

    def __repr__(self) -> str:
        return str(self)

    def raise_if_failed(self) -> CheckResult:
        """Stop a notebook run (and CI) when the exercise is not done yet."""
        if not self.ok:
            raise AssertionError(str(self))
        return self


def check_run(
    run: dict[str, Any] | None,
    metrics: Iterable[str] = (),
    config: Iterable[str] = (),
    media: Iterable[str] = (),
) -> CheckResult:
    """Check that ``run`` (from :func:`helpers.runs.read_run`) holds what the exercise asked.

    ``metrics`` must be numbers in the summary (and in range, for the course metrics),
    ``config`` keys must be in the run's config, ``media`` keys must be logged media
    (an image, table or chart: a dict with a ``_type`` in the summary).
    """
    if run is None:
        result = CheckResult(skipped="wandb is disabled, so no run was stored to check.")
        print(result)
        return result
    result = CheckResult()
    summary = run.get("summary") or {}
    stored_config = run.get("config") or {}
    state = run.get("state")
    if state == "failed":
        result.missing.append(f"the run failed (exit code {run.get('exit_code')}): see its console")
    elif state not in ("finished", None):
        result.missing.append(f"the run's state is {state!r}: call run.finish() first")
    for name in metrics:
        value = summary.get(name)
        if value is None:
            result.missing.append(f"{name} was not logged")
        elif not isinstance(value, (int, float)):
            result.missing.append(f"{name} was logged as {type(value).__name__}, not a number")
        elif name in RANGES and not RANGES[name][0] <= value <= RANGES[name][1]:
            low, high = RANGES[name]
            result.missing.append(f"{name} is {value}, outside {low}..{high}")
        else:
            result.found.append(f"{name} = {value:.4g}")
    for key in config:
        if key in stored_config:
            result.found.append(f"config {key} = {stored_config[key]!r}")
        else:
            result.missing.append(f"config has no {key!r}")
    for key in media:
        value = summary.get(key)
        if isinstance(value, dict) and "_type" in value:
            result.found.append(f"{key} stored as {value['_type']}")
        else:
            result.missing.append(f"{key} was not logged as media")
    print(result)
    return result
