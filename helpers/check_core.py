"""What every exercise check shares: the verdict, its hint, and reading back the student's run.

A check judges the student's own work: it takes the run (or the answer) the student's
cell made, reads back what wandb wrote (via :mod:`helpers.runs`), and either prints what
it found or stops the notebook with :class:`ExerciseIncompleteError`, whose only output
is the list of what is missing: no traceback to read through. With wandb disabled
nothing is stored, and the check says it skipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Allowed range of each course metric: accuracy and f1 are fractions, nll is a log loss.
RANGES: dict[str, tuple[float, float]] = {
    "accuracy": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "nll": (0.0, math.inf),
}
# A run's stored JSON holds NaN and infinities as these strings (what the LEET reader gives back).
NOT_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def logged_number(value: Any) -> Any:
    """A summary value as it was logged: NaN and infinities come back from the run as strings."""
    return NOT_FINITE.get(value, value) if isinstance(value, str) else value


METRICS = ("accuracy", "f1", "nll")


class ExerciseIncompleteError(AssertionError):
    """An exercise check that failed; its message is the hint.

    IPython (JupyterLab, Colab, papermill, nbclient) shows ``_render_traceback_``'s
    lines instead of a traceback, so *Run All* stops at the exercise with the hint only.
    """

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()


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

    def add(self, other: CheckResult, prefix: str = "") -> CheckResult:
        """Take over ``other``'s findings, each line prefixed (e.g. with the run it is about)."""
        self.found += [prefix + line for line in other.found]
        self.missing += [prefix + line for line in other.missing]
        return self

    def raise_if_failed(self) -> CheckResult:
        """Stop a notebook run (and CI) when the exercise is not done yet."""
        if not self.ok:
            raise ExerciseIncompleteError(str(self))
        return self


def inspect_run(
    run: dict[str, Any] | None,
    metrics: Iterable[str] = (),
    config: Iterable[str] = (),
    media: Iterable[str] = (),
) -> CheckResult:
    """What a stored run holds of ``metrics`` (numbers, in range), ``config`` keys and ``media``."""
    if run is None:
        return CheckResult(skipped="wandb is disabled, so no run was stored to check.")
    result = CheckResult()
    summary = run.get("summary") or {}
    stored_config = run.get("config") or {}
    state = run.get("state")
    metrics, media, config = tuple(metrics), tuple(media), tuple(config)
    if state == "failed":
        result.missing.append(f"the run failed (exit code {run.get('exit_code')}): see its console")
    elif _finished_empty(run):  # the lines below (or the caller's score check) say what is missing
        if not (metrics or media or config):
            result.missing.append("the run finished without logging anything: call run.log first")
    elif state not in ("finished", None):
        result.missing.append(f"the run's state is {state!r}: call run.finish() first")
    for name in metrics:
        value = logged_number(summary.get(name))
        if value is None:
            result.missing.append(f"{name} was not logged")
        elif not isinstance(value, (int, float)):
            result.missing.append(f"{name} was logged as {type(value).__name__}, not a number")
        elif value != value:  # NaN: what cross_validate gives a fold it could not score
            result.missing.append(
                f"{name} is NaN: scikit-learn scores a fold it cannot compute as NaN (the log "
                "loss of a fold that lacks a class, as in 10 folds of the 30 test flowers): "
                "evaluate on the training split's 120 flowers"
            )
        elif name == "nll" and value < 0:
            result.missing.append(
                f"nll is {value:.4f}, negative: scikit-learn negates the log loss "
                "(neg_log_loss): flip its sign back"
            )
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
    return result


def verdict(result: CheckResult) -> None:
    """Print a passed (or skipped) check; stop the notebook with the hint when one failed."""
    if result.ok or result.skipped:
        print(result)
    else:
        raise ExerciseIncompleteError(str(result))


def stored_run(run: Any, name: str, result: CheckResult) -> dict[str, Any] | None:
    """Read back the run the student's ``name`` holds, or note in ``result`` why it cannot be."""
    from helpers.runs import read_run
    from helpers.wandb_internals import run_is_finished

    if run is None:
        result.missing.append(f"`{name}` is None: start the run with {name} = wandb.init(...)")
        return None
    if not hasattr(run, "disabled") or not hasattr(run, "settings"):
        result.missing.append(
            f"`{name}` is a {type(run).__name__}, not the run that wandb.init(...) returns"
        )
        return None
    if run.disabled:
        result.skipped = "wandb is disabled, so no run was stored to check."
        return None
    if not run_is_finished(run):
        result.missing.append(
            f"`{name}` is still open: call {name}.finish() (or wandb.finish()) at the end"
        )
        return None
    return _read_finished(run, read_run)


def _finished_empty(run: dict[str, Any]) -> bool:
    """A run that did finish, but logged nothing: the reader calls it ``incomplete``.

    The student called ``run.finish()``; what is wrong is that nothing was logged, so the
    hint must name the missing metrics, not ask for ``run.finish()`` again.
    """
    return run.get("state") == "incomplete" and run.get("lacks") == "logged metrics"


def _read_finished(run: Any, read_run: Any, patience: float = 10.0) -> dict[str, Any]:
    """Read back a run its Run object calls finished, once its log says so too.

    ``run.finish()`` can return before wandb-core has written the run's last records
    (seen with several runs in one process on a busy machine): the log then reads back
    as unfinished, without its config or exit. Such a log is re-read for a few seconds.
    """
    stored = read_run(run)
    deadline = time.monotonic() + patience
    ended = ("finished", "failed")
    while stored.get("state") not in ended and not _finished_empty(stored):
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)
        stored = read_run(run)
    return stored


def stored_list(runs: Any, name: str, what: str, result: CheckResult) -> list[dict[str, Any]]:
    """Read back each run of the student's list ``name``; empty when none could be read.

    ``what`` says what the list should hold, for the hint when it is empty.
    """
    if not isinstance(runs, (list, tuple)) or not runs:
        result.missing.append(f"`{name}` is empty: append {what} to it")
        return []
    stored = []
    for position, run in enumerate(runs):
        one = CheckResult()
        found = stored_run(run, f"{name}[{position}]", one)
        if one.skipped:
            result.skipped = one.skipped
            return []
        result.missing += one.missing
        if found is not None:
            stored.append(found)
    return stored


def close(a: float, b: float) -> bool:
    """Two scores that are the same number, up to float noise (wandb stores doubles)."""
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
