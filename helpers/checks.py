"""Exercise checks: read back what a run stored and say exactly what is missing.

The notebooks import every check from here. Each exercise's own checks live beside
this module, one concern a file: :mod:`helpers.score_checks` (the scores, recomputed
from the config), :mod:`helpers.group_checks` (several runs together),
:mod:`helpers.chart_checks` (figures and charts), :mod:`helpers.sweep_checks` (the sweep's
answers), on :mod:`helpers.check_core` (the verdict and its hint). The checks here
judge inputs before a run starts, and what any run logged.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from helpers.check_core import (
    RANGES,
    CheckResult,
    ExerciseIncompleteError,
    inspect_run,
    stored_run,
    verdict,
)
from helpers.sweep_checks import check_best, check_most_important, check_sweep_config

# The checks that recompute a model's scores import scikit-learn, and with it SciPy: about 3 s
# of CPU in a new kernel. They are imported the first time a notebook names one, so a lesson
# that checks no model (01) does not pay for them.
_RECOMPUTING = {
    "SKLEARN_CHART_KEYS": "helpers.chart_checks",
    "check_scatter": "helpers.chart_checks",
    "check_sklearn_charts": "helpers.chart_checks",
    "check_class_runs": "helpers.group_checks",
    "check_each_model": "helpers.group_checks",
    "check_config_run": "helpers.score_checks",
    "check_fold_scores": "helpers.score_checks",
}
if TYPE_CHECKING:
    from helpers.chart_checks import SKLEARN_CHART_KEYS, check_scatter, check_sklearn_charts
    from helpers.group_checks import check_class_runs, check_each_model
    from helpers.score_checks import check_config_run, check_fold_scores

__all__ = [
    "RANGES",
    "SKLEARN_CHART_KEYS",
    "CheckResult",
    "ExerciseIncompleteError",
    "check_best",
    "check_class_runs",
    "check_config_run",
    "check_each_model",
    "check_fold_scores",
    "check_logged",
    "check_most_important",
    "check_names",
    "check_plot_inputs",
    "check_scatter",
    "check_sklearn_charts",
    "check_sweep_config",
]


def __getattr__(name: str) -> Any:
    """``from helpers.checks import check_scatter``: import a recomputing check when named."""
    if name not in _RECOMPUTING:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_RECOMPUTING[name]), name)
    globals()[name] = value
    return value


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


def check_logged(
    run: Any,
    metrics: Iterable[str] = (),
    config: Iterable[str] = (),
    media: Iterable[str] = (),
    name: str = "run",
    values: dict[str, Any] | None = None,
    project: str | None = None,
) -> None:
    """Check the student's finished run stored ``metrics``, ``config`` keys and ``media``.

    ``values`` are metrics whose stored value must be exactly this one (``{"hello": 1}``);
    ``project``, the project the run must be in.

    ``run`` is what the student's ``wandb.init`` returned (``name`` is its variable, for
    the hint). Media images must be readable PNGs (any size). ``wandb.log`` and
    ``run.log`` both count, and extra keys are fine. The exercises whose numbers can be
    recomputed have their own checks (:mod:`helpers.score_checks` and the others).
    """
    result = CheckResult()
    stored = stored_run(run, name, result)
    if stored is None:
        return verdict(result)
    result.add(inspect_run(stored, [*metrics, *(values or {})], config, media))
    for key, wanted in (values or {}).items():
        value = (stored.get("summary") or {}).get(key)
        if value is not None and value != wanted:
            result.missing.append(f"{key} is {value!r} in the summary, not {wanted!r}")
    if project is not None and stored.get("project") != project:
        result.missing.append(f"the run is in project {stored.get('project')!r}, not {project!r}")
    for key in media:
        value = (stored.get("summary") or {}).get(key)
        if isinstance(value, dict) and value.get("_type") == "image-file":
            _check_png(stored, key, result)
    verdict(result)


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
