"""Assertions on stored runs that only the tests use: a run's keys, an image's size, a sweep's runs.

Each returns a :class:`helpers.check_core.CheckResult` (printed), so a test can assert
``.ok`` or read what was missing; the notebooks' own checks live in :mod:`helpers.checks`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from helpers.check_core import CheckResult, inspect_run


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
    result = inspect_run(run, metrics, config, media)
    print(result)
    return result


def check_chart_labels(run: dict[str, Any] | None, labels: list[str]) -> CheckResult:
    """Check the stored class-proportions and confusion-matrix tables use ``labels`` as classes."""
    if run is None:
        return check_run(None)
    from helpers.chart_checks import chart_labels

    result = chart_labels(run, labels)
    print(result)
    return result


def check_image(run: dict[str, Any] | None, key: str, size: tuple[int, int]) -> CheckResult:
    """Check image ``key`` was stored as a readable PNG of ``size`` (width, height) pixels."""
    import matplotlib.pyplot as plt

    from helpers.views import media_file

    result = inspect_run(run, media=[key])
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


def check_sweep_runs(runs: list[dict[str, Any]], config: dict[str, Any], count: int) -> CheckResult:
    """Check a sweep stored ``count`` finished runs, each config inside the declared ranges."""
    result = CheckResult()
    if len(runs) == count:
        result.found.append(f"{count} runs stored")
    else:
        result.missing.append(f"{len(runs)} runs stored, {count} expected")
    metric = (config.get("metric") or {}).get("name")
    for run in runs:
        problems = inspect_run(run, metrics=[metric] if metric else []).missing
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
