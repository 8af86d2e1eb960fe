"""Checks of the scores a run stored (exercises 4, 5, 6 and 9), recomputed from its config.

Each check reads back what wandb stored and compares it with what the run's config
must give on the course's fixed split and folds (:mod:`helpers.recompute`), so its
hint says what was found and what was expected, with the numbers.
"""

from __future__ import annotations

from typing import Any

from helpers.check_core import (
    METRICS,
    CheckResult,
    close,
    inspect_run,
    logged_number,
    stored_run,
    verdict,
)
from helpers.models import MODEL_NAMES, model_params
from helpers.recompute import config_model, describe, fold_scores, mean_scores, scores_on_test


def judge_scores(stored: dict[str, Any], model: str | None = None) -> CheckResult:
    """Are the stored accuracy, f1 and nll the means over the folds of the model the config names?

    ``model`` is assumed when the config names none. When they are not, the hint says
    what they are instead: the last fold's, the test split's, another model's (a negated log
    loss never gets here: :func:`inspect_run` names it first).
    """
    result = inspect_run(stored, metrics=METRICS)
    if not result.ok:
        return result
    try:
        name, params = config_model(stored.get("config") or {}, model)
    except ValueError as error:
        return CheckResult(missing=[f"the config does not describe a course model: {error}"])
    summary = {key: logged_number(value) for key, value in stored["summary"].items()}
    expected = mean_scores(name, params)
    folds = fold_scores(name, params)
    wrong = [key for key in METRICS if not close(summary[key], expected[key])]
    if not wrong:
        result.found.append(
            f"the scores are the means over the 10 folds of {describe(name, params)}"
        )
        return result
    result = CheckResult(found=[f for f in result.found if f.split(" ")[0] not in wrong])
    on_test = scores_on_test(name, params)
    for key in wrong:
        value, mean = summary[key], expected[key]
        steps = sum(key in row for row in stored.get("history") or [])
        why, fix = _why(value, folds[key][-1], on_test[key], steps)
        if not fix:
            fix = _other_model(summary, name, params)
        found = f"{key} in the summary is {value:.4f}{', ' + why if why else ''}"
        result.missing.append(f"{found}; the mean over the folds is {mean:.4f}: {fix}")
    return result


def _why(value: float, last: float, on_test: float, steps: int) -> tuple[str, str]:
    """What a summary value is instead of the folds' mean, and the fix ("": neither known).

    A value logged at every fold is the loop's last; one logged once may be the loop
    variable after the loop or a score on the test split, and on 12 and 30 flowers those can
    be the same number (1.0): the hint then names both, and the fix is right for either.
    """
    if steps > 1 and close(value, last):
        return "the last fold's", "log the means after the loop"
    scores = {"the last fold's": last, "the test split's": on_test}
    matches = [said for said, score in scores.items() if close(value, score)]
    if matches:
        fix = "log the mean over the 10 folds of the training split, not one score"
        return " and ".join(matches), fix
    return "", ""


def _other_model(summary: dict[str, Any], name: str, params: dict[str, Any]) -> str:
    """Why the scores differ from the config's model: the hint for a config logged but not used."""
    candidates = [(m, model_params(m)) for m in MODEL_NAMES]
    for other, defaults in candidates:
        scores = mean_scores(other, defaults)
        if all(close(summary[k], scores[k]) for k in METRICS) and (other, defaults) != (
            name,
            params,
        ):
            if other != name:
                return f"they are {other}'s, but the config says model={name!r}"
            changed = {k: v for k, v in params.items() if defaults.get(k) != v}
            said = ", ".join(f"{k}={v!r}" for k, v in sorted(changed.items()))
            return (
                f"the config says {said}, but the scores are those of the defaults "
                f"{describe(other, defaults)}: build the model from run.config"
            )
    return f"evaluate the model the config describes, {describe(name, params)}, on every fold"


def _fold_curve(stored: dict[str, Any], name: str, params: dict[str, Any]) -> CheckResult:
    """Is some key's history the ten folds' accuracies, in order (the curve of exercise 4)?"""
    from helpers.run_table import history

    wanted = fold_scores(name, params)["accuracy"]
    numeric = history(stored).select_dtypes("number")
    several = {}
    for key in numeric:
        values = [float(v) for v in numeric[key].dropna()]
        if key.startswith("_") or len(values) < 2:
            continue
        several[key] = values
        windows = range(len(values) - len(wanted) + 1)
        if any(all(map(close, values[i : i + len(wanted)], wanted)) for i in windows):
            return CheckResult(found=[f"a curve: {key} holds the 10 folds' accuracies"])
    shown = ", ".join(f"{v:.3f}" for v in wanted)
    if not several:
        return CheckResult(
            missing=[f"no curve: log each fold's accuracy inside the loop ({shown})"]
        )
    logged = "; ".join(
        f"{key} at {len(v)} steps ({', '.join(f'{x:.3g}' for x in v[:4])}...)"
        for key, v in several.items()
    )
    return CheckResult(missing=[f"no key holds the folds' accuracies ({shown}); logged: {logged}"])


def check_fold_scores(run: Any, model: str | None = None, name: str = "run") -> None:
    """Exercise 4: the run stored the means over the folds and a curve of each fold's accuracy.

    ``model`` (the notebook's ``MODEL``) is assumed when the run's config names none.
    """
    result = CheckResult()
    stored = stored_run(run, name, result)
    if stored is not None:
        result.add(judge_scores(stored, model))
        config = stored.get("config") or {}
        if config.get("model", model) in MODEL_NAMES:
            result.add(_fold_curve(stored, *config_model(config, model)))
    verdict(result)


def judge_config(stored: dict[str, Any], model: str) -> CheckResult:
    """Exercise 5: the config names the model and its hyperparameters, and made the scores."""
    config = stored.get("config") or {}
    name = config.get("model", model)
    keys = ["model", *(model_params(name) if name in MODEL_NAMES else [])]
    result = inspect_run(stored, config=keys)
    if result.ok:
        result.add(judge_scores(stored))
    return result


def check_config_run(run: Any, model: str, name: str = "run") -> None:
    """Exercise 5: one run whose config describes the model that made its scores."""
    result = CheckResult()
    stored = stored_run(run, name, result)
    if stored is not None:
        result.add(judge_config(stored, model))
    verdict(result)
