"""The Mongo-style run filters and orders that ``wandb.Api().runs(filters=..., order=...)`` sends.

Only the keys and operators the course uses are known; anything else is an error naming
it, so a query the stand-in cannot answer truthfully never gets a silently wrong list.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import GraphQLError

from .store import StoredRun

_MISSING = object()


def _value(run: StoredRun, key: str) -> Any:
    fields = {
        "name": run.name,
        "displayName": run.display_name or run.name,
        "display_name": run.display_name or run.name,
        "group": run.group or None,
        "jobType": run.job_type or None,
        "job_type": run.job_type or None,
        "state": run.state,
        "tags": run.tags,
        "sweep": run.sweep or None,
        "createdAt": run.created_at,
        "created_at": run.created_at,
        "heartbeatAt": run.heartbeat_at,
        "heartbeat_at": run.heartbeat_at,
        "notes": run.notes or None,
    }
    if key in fields:
        return fields[key]
    head, _, rest = key.partition(".")
    if head == "config" and rest:
        name, _, leaf = rest.partition(".")
        entry = run.config.get(name, _MISSING)
        if entry is _MISSING:
            return _MISSING
        if leaf in ("", "value") and isinstance(entry, dict) and "value" in entry:
            return entry["value"]
        if leaf and leaf != "value":
            raise GraphQLError(f"run filter key {key!r} is not served by the W&B stand-in")
        return entry
    if head in ("summary_metrics", "summaryMetrics") and rest:
        return run.summary.get(rest, _MISSING)
    raise GraphQLError(f"run filter key {key!r} is not served by the W&B stand-in")


def _compare(actual: Any, condition: Any) -> bool:
    if not isinstance(condition, dict) or not any(k.startswith("$") for k in condition):
        if isinstance(actual, list):  # tags: {"tags": "x"} means "has tag x"
            return condition in actual
        return actual == condition
    for op, expected in condition.items():
        if op == "$eq":
            ok = _compare(actual, expected)
        elif op == "$ne":
            ok = not _compare(actual, expected)
        elif op == "$in":
            ok = (
                any(a in expected for a in actual)
                if isinstance(actual, list)
                else actual in expected
            )
        elif op == "$nin":
            ok = not _compare(actual, {"$in": expected})
        elif op == "$exists":
            ok = (actual is not _MISSING and actual is not None) == bool(expected)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            if actual is _MISSING or actual is None:
                ok = False
            else:
                ok = {
                    "$gt": actual > expected,
                    "$gte": actual >= expected,
                    "$lt": actual < expected,
                    "$lte": actual <= expected,
                }[op]
        elif op == "$regex":
            ok = isinstance(actual, str) and re.search(expected, actual) is not None
        else:
            raise GraphQLError(f"run filter operator {op!r} is not served by the W&B stand-in")
        if not ok:
            return False
    return True


def matches(run: StoredRun, filters: dict[str, Any]) -> bool:
    """True when ``run`` passes a filter document (``$and``/``$or``/``$nor``, fields, ops)."""
    for key, condition in filters.items():
        if key == "$and":
            ok = all(matches(run, f) for f in condition)
        elif key == "$or":
            ok = any(matches(run, f) for f in condition)
        elif key == "$nor":
            ok = not any(matches(run, f) for f in condition)
        elif key.startswith("$"):
            raise GraphQLError(f"run filter operator {key!r} is not served by the W&B stand-in")
        else:
            ok = _compare(_value(run, key), condition)
        if not ok:
            return False
    return True


def sort_runs(runs: list[StoredRun], order: str | None) -> list[StoredRun]:
    """Runs in ``order`` (``-created_at``, ``+summary_metrics.accuracy``...), newest first."""
    order = order or "-created_at"
    descending = order.startswith("-")
    key = order.lstrip("+-")
    if key in ("created_at", "createdAt"):
        # Same-second runs keep the order they were created in.
        ranked = list(enumerate(runs))
        ranked.sort(key=lambda pair: (pair[1].created_at, pair[0]), reverse=descending)
        return [run for _, run in ranked]

    def sort_key(run: StoredRun) -> tuple[int, Any]:
        value = _value(run, key)
        return (0, value) if value not in (None, _MISSING) else (1, 0)

    present = [r for r in runs if sort_key(r)[0] == 0]
    absent = [r for r in runs if sort_key(r)[0] == 1]
    return sorted(present, key=sort_key, reverse=descending) + absent
