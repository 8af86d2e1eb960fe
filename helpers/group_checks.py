"""Checks of several runs together: every model once (exercise 6), a class (exercise 9)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from helpers.check_core import CheckResult, stored_list, verdict
from helpers.score_checks import judge_config


def _one_group(stored: list[dict[str, Any]], group: str | None = None) -> CheckResult:
    """Are the runs in one group (``group``, when one is asked for)?"""
    groups = sorted({str(r.get("group") or "") for r in stored})
    if group is not None:
        wrong = [g for g in groups if g != group]
        if not wrong:
            return CheckResult(found=[f"every run is in group {group!r}"])
        listed = ", ".join(repr(g) for g in groups)
        return CheckResult(missing=[f"the runs are in group {listed}, not {group!r}: group=GROUP"])
    if groups == [""]:
        return CheckResult(missing=["the runs have no group: pass group=... to wandb.init"])
    if len(groups) > 1:
        listed = ", ".join(repr(g) for g in groups)
        return CheckResult(missing=[f"the runs are in {len(groups)} groups ({listed}): use one"])
    return CheckResult(found=[f"every run is in group {groups[0]!r}"])


def check_each_model(runs: Any, models: Iterable[str], name: str = "compare_runs") -> None:
    """Exercise 6: one finished run per model, in one group, each config describing it."""
    result = CheckResult()
    models = list(models)
    stored = stored_list(runs, name, "each model's run", result)
    if not stored:
        return verdict(result)
    count = Counter((r.get("config") or {}).get("model") for r in stored)
    for model in models:
        if count[model] == 0:
            result.missing.append(f"no run has config model={model!r}")
        elif count[model] > 1:
            result.missing.append(f"{count[model]} runs have model={model!r}: one run per model")
    others = sorted(str(m) for m in count if m not in models)
    if others:
        result.missing.append(f"runs of {', '.join(others)}: the models are {', '.join(models)}")
    result.add(_one_group(stored))
    for run in stored:
        model = (run.get("config") or {}).get("model")
        if model in models:
            result.add(judge_config(run, model), prefix=f"{model}: ")
    verdict(result)


def _student_run(student: str, stored: list[dict[str, Any]], result: CheckResult) -> Any:
    """The run tagged with ``student``; notes in ``result`` a tag with spaces or no run at all."""
    mine = [r for r in stored if student in (r.get("tags") or [])]
    if len(mine) > 1:
        result.missing.append(f"{len(mine)} runs are tagged {student!r}: one run per student")
    if mine:
        return mine[0]
    padded = [t for r in stored for t in r.get("tags") or [] if t.strip() == student]
    if padded:
        result.missing.append(
            f"a run is tagged {padded[0]!r}, not {student!r}: strip the spaces of each name"
        )
    else:
        result.missing.append(f"no run is tagged {student!r}: pass tags=[student, ...]")
    return None


def check_class_runs(
    runs: Any,
    students: str | list[str],
    project: str,
    group: str,
    entity: str | None = None,
) -> None:
    """Exercise 9: one finished run per student, in ``entity``/``project`` and ``group``.

    Each run is tagged and named with the student's name (stripped), and its config
    describes the model that made its scores. ``students`` is the notebook's list of
    names, or one comma-separated string of them.
    """
    result = CheckResult()
    if isinstance(students, str):
        students = students.split(",")
    names = [s.strip() for s in students if s.strip()]
    stored = stored_list(runs, "class_runs", "each student's run", result)
    if not stored:
        return verdict(result)
    result.add(_one_group(stored, group))
    for student in names:
        run = _student_run(student, stored, result)
        if run is None:
            continue
        problems = CheckResult()
        if run.get("project") != project:
            problems.missing.append(f"project is {run.get('project')!r}, not {project!r}")
        if entity and run.get("entity") != entity:
            problems.missing.append(f"entity is {run.get('entity')!r}, not {entity!r}")
        if student not in (run.get("name") or ""):
            problems.missing.append(f"its name {run.get('name')!r} does not name {student!r}")
        model = (run.get("config") or {}).get("model", "")
        problems.add(judge_config(run, model))
        if problems.ok:
            where = f"{entity + '/' if entity else ''}{project}"
            result.found.append(f"{student}'s run {run.get('name')!r} in {where}, {model}")
        result.missing += [f"{student}'s run: {p}" for p in problems.missing]
    verdict(result)
