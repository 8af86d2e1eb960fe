"""Exercise checks: read back what a run stored and say exactly what is missing.

A check judges the student's own work: it takes the run (or the answer) the
student's cell made, reads back what wandb wrote (via :mod:`helpers.runs`), and
either prints what it found or stops the notebook with :class:`ExerciseIncompleteError`,
whose only output is the list of what is missing: no traceback to read through.
With wandb disabled nothing is stored, and the check says it skipped.
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

    def raise_if_failed(self) -> CheckResult:
        """Stop a notebook run (and CI) when the exercise is not done yet."""
        if not self.ok:
            raise ExerciseIncompleteError(str(self))
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
    if run is None:
        return check_run(None)
    result = _chart_labels(run, labels)
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


# ---------------------------------------------------------------------------
# The exercise checks the notebooks call: one line each, on the student's variables.


def _skipped(result: CheckResult) -> None:
    print(result)


def _verdict(result: CheckResult) -> None:
    """Print a passed check; stop the notebook with the hint when something is missing."""
    if result.ok:
        print(result)
    else:
        raise ExerciseIncompleteError(str(result))


def _stored(run: Any, name: str, result: CheckResult) -> dict[str, Any] | None:
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
    return read_run(run)


def _curves(run: dict[str, Any]) -> list[str]:
    """The numeric keys logged at two or more steps: the ones the website draws as a curve."""
    from helpers.runs import history

    steps = history(run)
    numeric = steps.select_dtypes("number")
    return [key for key in numeric if not key.startswith("_") and numeric[key].count() >= 2]


def check_logged(
    run: Any,
    metrics: Iterable[str] = (),
    config: Iterable[str] = (),
    media: Iterable[str] = (),
    curve: bool = False,
    name: str = "run",
) -> None:
    """Check the student's finished run stored ``metrics``, ``config`` keys and ``media``.

    ``run`` is what the student's ``wandb.init`` returned (``name`` is its variable, for
    the hint). Media images must be readable PNGs (any size); ``curve`` asks for at
    least one metric logged at several steps (e.g. once per fold). ``wandb.log`` and
    ``run.log`` both count, and extra keys are fine.
    """
    result = CheckResult()
    stored = _stored(run, name, result)
    if stored is None:
        return _skipped(result) if result.skipped else _verdict(result)
    found = _inspect(stored, metrics, config, media)
    result.found += found.found
    result.missing += found.missing
    for key in media:
        value = (stored.get("summary") or {}).get(key)
        if isinstance(value, dict) and value.get("_type") == "image-file":
            _check_png(stored, key, result)
    if curve:
        curves = _curves(stored)
        if curves:
            result.found.append(f"a curve: {', '.join(curves)} logged at several steps")
        else:
            result.missing.append(
                "every metric was logged once: log inside the loop (once per fold) to get a curve"
            )
    _verdict(result)


def _check_png(run: dict[str, Any], key: str, result: CheckResult) -> None:
    import matplotlib.pyplot as plt

    from helpers.views import media_file

    path = media_file(run, key)
    try:
        height, width = plt.imread(path).shape[:2]
    except (OSError, SyntaxError, ValueError) as exc:
        result.missing.append(f"{key}: {path.name} is not a readable PNG ({exc})")
    else:
        result.found.append(f"{key} is a {width}x{height} PNG")


def _stored_list(runs: list[Any], name: str, result: CheckResult) -> list[dict[str, Any]] | None:
    """Read back each run of the student's list ``name``; None when wandb was disabled."""
    stored = []
    for position, run in enumerate(runs):
        one = CheckResult()
        found = _stored(run, f"{name}[{position}]", one)
        if one.skipped:
            result.skipped = one.skipped
            return None
        result.missing += one.missing
        if found is not None:
            stored.append(found)
    return stored


def check_each_model(runs: Any, models: Iterable[str], name: str = "compare_runs") -> None:
    """Check ``runs`` (the student's list) holds one finished run per model, its config named."""
    result = CheckResult()
    models = list(models)
    if not isinstance(runs, (list, tuple)) or not runs:
        result.missing.append(f"`{name}` is empty: append each model's run to it in the loop")
        return _verdict(result)
    stored = _stored_list(runs, name, result)
    if stored is None:
        return _skipped(result)
    trained = {(r.get("config") or {}).get("model"): r for r in stored}
    for model in models:
        run = trained.get(model)
        if run is None:
            result.missing.append(f"no run has config model={model!r}")
            continue
        missing = _inspect(run, metrics=("accuracy", "f1", "nll")).missing
        result.missing += [f"{model}: {m}" for m in missing]
        if not missing:
            result.found.append(f"{model}: accuracy {run['summary']['accuracy']:.4f}")
    _verdict(result)


SKLEARN_CHART_KEYS = (
    "class_proportions",
    "learning_curve",
    "roc_table",
    "precision_recall_table",
    "confusion_matrix",
)


def check_sklearn_charts(
    run: Any, labels: list[str], charts: Iterable[str] = SKLEARN_CHART_KEYS
) -> None:
    """Check the five ``wandb.sklearn`` charts were stored, labelled with the class names."""
    result = CheckResult()
    stored = _stored(run, "run", result)
    if stored is None:
        return _skipped(result) if result.skipped else _verdict(result)
    found = _inspect(stored, media=charts)
    result.found += found.found
    result.missing += found.missing
    if found.ok:
        labelled = _chart_labels(stored, labels)
        result.found += labelled.found
        result.missing += labelled.missing
    _verdict(result)


def _chart_labels(run: dict[str, Any], labels: list[str]) -> CheckResult:
    from helpers.views import SKLEARN_CHARTS, load_table

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
    return result


def check_class_runs(runs: Any, students: str | list[str], project: str, group: str) -> None:
    """Check one finished run per student, all in ``project`` and ``group``, tagged by student.

    ``students`` is the notebook's list of names, or one comma-separated string of them.
    """
    result = CheckResult()
    if isinstance(students, str):
        students = students.split(",")
    names = [s.strip() for s in students if s.strip()]
    if not isinstance(runs, (list, tuple)) or not runs:
        result.missing.append("`class_runs` is empty: append each student's run to it")
        return _verdict(result)
    stored = _stored_list(runs, "class_runs", result)
    if stored is None:
        return _skipped(result)
    for student in names:
        mine = [r for r in stored if student in (r.get("tags") or [])]
        if not mine:
            result.missing.append(f"no run is tagged {student!r}: pass tags=[student, ...]")
            continue
        run = mine[0]
        problems = []
        if run.get("project") != project:
            problems.append(f"project is {run.get('project')!r}, not {project!r}")
        if run.get("group") != group:
            problems.append(f"group is {run.get('group')!r}, not {group!r}")
        problems += _inspect(run, metrics=("accuracy",)).missing
        if problems:
            result.missing += [f"{student}'s run: {p}" for p in problems]
        else:
            result.found.append(f"{student}'s run {run.get('name')!r} in {project}/{group}")
    _verdict(result)


def check_sweep_config(config: Any) -> None:
    """Check the student's sweep config is valid and searches the course's space.

    The answer is the course's one sweep config, ``notebooks/sweep.yaml`` (the one
    ``wandb sweep`` is given), as :func:`helpers.sweep.load_sweep_config` reads it.
    """
    from helpers.sweep import load_sweep_config, validate_sweep_config

    course = load_sweep_config()
    result = CheckResult()
    if not isinstance(config, dict) or not config:
        result.missing.append("`sweep_config` is empty: write the sweep as a dict")
        return _verdict(result)
    metric, goal = config.get("metric") or {}, course["metric"]
    if (metric.get("name"), metric.get("goal")) == (goal["name"], goal["goal"]):
        result.found.append(f"metric: {goal['goal']} {goal['name']}")
    else:
        result.missing.append(f"metric is {metric or 'missing'}: {goal['goal']} {goal['name']}")
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
    _verdict(result)


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
    from helpers.runs import runs_table

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
        return _skipped(result)
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
    _verdict(result)


def check_most_important(most_important: Any, runs: list[dict[str, Any]], config: dict) -> None:
    """Judge question 2 of exercise 10: the parameter W&B's importance ranks first.

    The ranking is :func:`helpers.sweep.parameter_importance` on the stored runs (a
    seeded random forest, as the notebook computes it). For a categorical value's row
    such as ``weights=distance`` the answer is the parameter, ``weights`` (the row's
    own name is accepted too).
    """
    from helpers.sweep import parameter_importance

    result = CheckResult()
    table = _sweep_table(runs, config, result)
    if table is None:
        return _skipped(result)
    params = _searched(config)
    if not isinstance(most_important, str) or not most_important.strip():
        result.missing.append(
            f"MOST_IMPORTANT is empty: name the parameter ({', '.join(params)}) that the "
            "importance table ranks first"
        )
    else:
        importance = parameter_importance(table, config["metric"]["name"], params)
        first = str(importance.index[0])
        if most_important.strip() in (first, first.split("=")[0]):
            result.found.append(f"MOST_IMPORTANT = {most_important!r}, ranked first by importance")
        else:
            result.missing.append(
                f"MOST_IMPORTANT is {most_important!r}, but importance ranks {first!r} first"
            )
    _verdict(result)


def _same_settings(row: Any, best: dict[str, Any], params: list[str]) -> bool:
    for p in params:
        stored, given = row.get(f"config.{p}"), best.get(p)
        if isinstance(stored, (int, float)) and isinstance(given, (int, float)):
            if not math.isclose(stored, given):
                return False
        elif str(stored) != str(given):
            return False
    return True
