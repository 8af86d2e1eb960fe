"""Checks of exercise 10, the sweep: its config, and the two answers the student reads off its runs.

The answers are judged against the runs the sweep stored; a wrong answer's hint says
what the answer reached or where it ranks, never which answer is right.
"""

from __future__ import annotations

import math
from typing import Any

from helpers.check_core import CheckResult, verdict


def check_sweep_config(config: Any) -> None:
    """Check the student's sweep config is valid and searches the course's space.

    The answer is the course's one sweep config, ``notebooks/sweep.yaml`` (the one
    ``wandb sweep`` is given), as :func:`helpers.sweep_config.load_sweep_config` reads it.
    """
    from helpers.sweep_config import load_sweep_config, validate_sweep_config

    course = load_sweep_config()
    result = CheckResult()
    if not isinstance(config, dict) or not config:
        result.missing.append("`sweep_config` is empty: write the sweep as a dict")
        return verdict(result)
    metric, goal = config.get("metric") or {}, course["metric"]
    if (metric.get("name"), metric.get("goal")) == (goal["name"], goal["goal"]):
        result.found.append(f"metric: {goal['goal']} {goal['name']}")
    else:
        result.missing.append(f"metric is {metric or 'missing'}: {goal['goal']} {goal['name']}")
    method = course.get("method")
    if config.get("method") == method:
        result.found.append(f"method: {method}")
    else:
        result.missing.append(
            f"method is {config.get('method')!r}: the course's sweep is {method!r} "
            "(METHOD tries the others later)"
        )
    parameters = config.get("parameters") or {}
    for name, wanted in course["parameters"].items():
        spec = parameters.get(name)
        if spec is None:
            result.missing.append(f"parameters has no {name!r}")
        elif _same_space(spec, wanted):
            result.found.append(f"{name}: {spec}")
        else:
            result.missing.append(f"{name} is {spec}, the course searches {wanted}")
    if result.ok:
        try:
            validate_sweep_config(config)
        except ValueError as error:
            result.missing.append(str(error))
    verdict(result)


def _same_space(spec: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Two parameter specs that allow the same values (a 2..20 range or the list 2, 3 ... 20)."""

    def allowed(s: dict[str, Any]) -> set[Any] | None:
        if "value" in s:
            return {s["value"]}
        if "values" in s:
            return set(s["values"])
        if isinstance(s.get("min"), int) and isinstance(s.get("max"), int):
            return set(range(s["min"], s["max"] + 1))
        return None

    return allowed(spec) is not None and allowed(spec) == allowed(wanted)


def _sweep_table(runs: list[dict[str, Any]], config: dict, result: CheckResult) -> Any:
    """The sweep's runs as a table sorted best first, or None (and why) when none was stored."""
    from helpers.run_table import runs_table

    if not runs:
        result.skipped = (
            "no sweep run was stored (wandb is disabled?), so there is nothing to check."
        )
        return None
    return runs_table(runs, sort_by=config["metric"]["name"])


def _searched(config: dict) -> list[str]:
    return [p for p, spec in config["parameters"].items() if "value" not in spec]


def check_best(best: Any, runs: list[dict[str, Any]], config: dict) -> None:
    """Judge question 1 of exercise 10: ``best`` holds the settings of a best run.

    Any of the runs that tie on the best metric is right; the values may be given as
    Python or numpy numbers, and extra keys (such as the fixed ``model``) are fine.
    """
    result = CheckResult()
    table = _sweep_table(runs, config, result)
    if table is None:
        return verdict(result)
    metric = config["metric"]["name"]
    params = _searched(config)
    scores = table[metric]
    top = scores.max() if config["metric"].get("goal", "maximize") == "maximize" else scores.min()
    winners = table[(scores - top).abs() < 1e-9]
    if not isinstance(best, dict) or not best:
        result.missing.append(
            f"BEST is empty: set it to the best run's {', '.join(params)}, e.g. "
            f"BEST = {{{', '.join(f'{p!r}: ...' for p in params)}}}"
        )
    elif set(params) - set(best):
        result.missing.append(
            f"BEST has no {', '.join(map(repr, sorted(set(params) - set(best))))}"
        )
    else:
        tried = table[[_same_settings(row, best, params) for _, row in table.iterrows()]]
        if tried.index.isin(winners.index).any():
            ties = f" ({len(winners)} runs tie at {top:.4f})" if len(winners) > 1 else ""
            result.found.append(f"BEST {best} reached the best {metric}, {top:.4f}{ties}")
        elif len(tried):
            result.missing.append(
                f"BEST {best} reached {metric} {tried[metric].iloc[0]:.4f}, but the best run "
                f"reached {top:.4f}: look at the top of the sorted table"
            )
        else:
            result.missing.append(f"no run of the sweep tried BEST {best}: copy a run's settings")
    verdict(result)


def check_most_important(most_important: Any, runs: list[dict[str, Any]], config: dict) -> None:
    """Judge question 2 of exercise 10: the parameter W&B's importance ranks first.

    The ranking is :func:`helpers.importance.parameter_importance` on the stored runs (a
    seeded random forest, as the notebook computes it). For a categorical value's row
    such as ``weights=distance`` the answer is the parameter, ``weights`` (the row's
    own name is accepted too).
    """
    from helpers.importance import parameter_importance

    result = CheckResult()
    table = _sweep_table(runs, config, result)
    if table is None:
        return verdict(result)
    params = _searched(config)
    if not isinstance(most_important, str) or not most_important.strip():
        result.missing.append(
            f"MOST_IMPORTANT is empty: name the parameter ({', '.join(params)}) that the "
            "importance table ranks first"
        )
    else:
        importance = parameter_importance(table, config["metric"]["name"], params)
        result.add(_rank(most_important.strip(), [str(row) for row in importance.index], params))
    verdict(result)


def _rank(answer: str, rows: list[str], params: list[str]) -> CheckResult:
    """Where ``answer`` ranks among the importance rows; the hint never names the first one."""
    first = rows[0]
    if answer.split("=")[0] == first.split("=")[0]:
        return CheckResult(found=[f"MOST_IMPORTANT = {answer!r}, ranked first by importance"])
    if answer.split("=")[0] not in params:
        return CheckResult(
            missing=[
                f"MOST_IMPORTANT is {answer!r}, not a parameter of the sweep: "
                f"name one of {', '.join(params)}"
            ]
        )
    place = next(i for i, row in enumerate(rows, 1) if row.split("=")[0] == answer.split("=")[0])
    return CheckResult(
        missing=[
            f"MOST_IMPORTANT is {answer!r}, which the importance table puts on row {place} "
            f"of {len(rows)}, not the first: name the parameter of its top row"
        ]
    )


def _same_settings(row: Any, best: dict[str, Any], params: list[str]) -> bool:
    for p in params:
        stored, given = row.get(f"config.{p}"), best.get(p)
        if isinstance(stored, (int, float)) and isinstance(given, (int, float)):
            if not math.isclose(stored, given):
                return False
        elif str(stored) != str(given):
            return False
    return True
