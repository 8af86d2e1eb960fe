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
    result = _inspect(run, metrics, config, media)
    print(result)
    return result


def _inspect(
    run: dict[str, Any] | None,
    metrics: Iterable[str] = (),
    config: Iterable[str] = (),
    media: Iterable[str] = (),
) -> CheckResult:
    if run is None:
        return CheckResult(skipped="wandb is disabled, so no run was stored to check.")
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
    return result


def check_plot_inputs(y_true: Any, y_probas: Any, labels: list[str]) -> None:
    """Refuse inputs that would make ``wandb.sklearn`` charts wrong, before anything is logged.

    wandb accepts mismatched labels or probabilities and draws misleading charts
    (or fails half-way, after some charts were logged). One class name per
    ``predict_proba`` column and one row per example is what every chart needs.
    """
    import numpy as np

    y_true, y_probas = np.asarray(y_true), np.asarray(y_probas)
    n_classes = len(np.unique(y_true))
    if y_probas.ndim != 2 or y_probas.shape[0] != len(y_true):
        raise ValueError(
            f"y_probas must be predict_proba's output, one row per example: shape "
            f"({len(y_true)}, {len(labels)}) expected, got {y_probas.shape}"
        )
    if y_probas.shape[1] != len(labels):
        raise ValueError(
            f"{len(labels)} labels for {y_probas.shape[1]} classes: give one class name per "
            f"predict_proba column (the classes' target_names, not the feature names): {labels}"
        )
    if n_classes > len(labels):
        raise ValueError(f"y_true has {n_classes} classes but only {len(labels)} labels: {labels}")
    if not np.allclose(y_probas.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("rows of y_probas must sum to 1: pass predict_proba(X), not predict(X)")


def check_chart_labels(run: dict[str, Any] | None, labels: list[str]) -> CheckResult:
    """Check the stored class-proportions and confusion-matrix tables use ``labels`` as classes."""
    from helpers.views import SKLEARN_CHARTS, load_table

    if run is None:
        return check_run(None)
    result = CheckResult()
    for key, column in [("class_proportions", "class"), ("confusion_matrix", "Actual")]:
        if key not in (run.get("summary") or {}):
            result.missing.append(f"{key} was not logged")
            continue
        table = load_table(run, key)
        if list(table.columns) != SKLEARN_CHARTS[key]:
            result.missing.append(f"{key} has columns {list(table.columns)}")
            continue
        stored = sorted(set(table[column]))
        if stored == sorted(labels):
            result.found.append(f"{key} labels the classes {', '.join(stored)}")
        else:
            result.missing.append(f"{key} labels the classes {stored}, not {labels}")
    print(result)
    return result


def check_image(run: dict[str, Any] | None, key: str, size: tuple[int, int]) -> CheckResult:
    """Check image ``key`` was stored as a readable PNG of ``size`` (width, height) pixels."""
    import matplotlib.pyplot as plt

    from helpers.views import media_file

    result = _inspect(run, media=[key])
    if result.ok and not result.skipped:
        path = media_file(run, key)
        try:
            height, width = plt.imread(path).shape[:2]
        except (OSError, SyntaxError, ValueError) as exc:
            result.missing.append(f"{path.name} is not a readable PNG ({exc})")
        else:
            found = f"{path.name} decodes to {width}x{height} pixels"
            if (width, height) == tuple(size):
                result.found.append(found)
            else:
                result.missing.append(f"{found}, not {size[0]}x{size[1]}")
    print(result)
    return result


def check_names(project: str, entity: str | None = None) -> None:
    """Refuse a project or entity name that W&B would reject, before ``wandb.init``.

    The project rules are wandb's own (its settings validator); the usual mistake is
    ``project="team/iris"``: the team is the *entity*, given separately.
    """
    import wandb

    if not isinstance(project, str) or not project.strip():
        raise ValueError("project must be a non-empty name, e.g. project='iris-course'")
    if entity is not None and (not isinstance(entity, str) or not entity.strip()):
        raise ValueError(
            f"entity must be a user or team name, or None for your default entity; got {entity!r}"
        )
    if entity is not None and any(ch in entity for ch in "/\\ "):
        raise ValueError(f"entity {entity!r} must be one user or team name, without / or spaces")
    try:
        wandb.Settings(project=project)
    except Exception as exc:
        hint = ""
        if "/" in project:
            team, _, name = project.partition("/")
            hint = f" To log into team {team!r}, use entity={team!r}, project={name!r}."
        message = getattr(exc, "message", None) or str(exc).splitlines()[-1]
        raise ValueError(f"{message}.{hint}") from None


def check_sweep_runs(runs: list[dict[str, Any]], config: dict[str, Any], count: int) -> CheckResult:
    """Check a sweep stored ``count`` finished runs, each config inside the declared ranges."""
    result = CheckResult()
    if len(runs) == count:
        result.found.append(f"{count} runs stored")
    else:
        result.missing.append(f"{len(runs)} runs stored, {count} expected")
    metric = (config.get("metric") or {}).get("name")
    for run in runs:
        problems = _inspect(run, metrics=[metric] if metric else []).missing
        stored = run.get("config") or {}
        for name, spec in config["parameters"].items():
            value = stored.get(name)
            if "values" in spec and value not in spec["values"]:
                problems.append(f"{name}={value!r} is not one of {spec['values']}")
            elif "value" in spec and value != spec["value"]:
                problems.append(f"{name}={value!r}, not {spec['value']!r}")
            elif "min" in spec and not (
                isinstance(value, (int, float)) and spec["min"] <= value <= spec["max"]
            ):
                problems.append(f"{name}={value!r} is outside {spec['min']}..{spec['max']}")
        result.missing += [f"run {run.get('run_id')}: {p}" for p in problems]
    if runs and not result.missing:
        result.found.append("every config lies inside the declared parameter ranges")
    print(result)
    return result
