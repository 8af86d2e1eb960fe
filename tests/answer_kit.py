"""What the wrong-answer catalogue shares: the script a student writes, and a check's verdict.

The catalogue (tests/test_answers_*.py) builds each answer in the test process, as
offline wandb runs in a temporary WANDB_DIR (the ``offline`` fixture), then calls the
exercise's check on it exactly as the notebook's check cell does.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import StratifiedKFold, cross_validate

from helpers.check_core import ExerciseIncompleteError
from helpers.data import load_split
from helpers.metrics import SCORING, evaluate
from helpers.models import make_model

DATA = load_split()


def verdict(check: Callable[..., None], *args: Any, **kwargs: Any) -> str | None:
    """The hint a check stops with, or None when it passes (its printed verdict then says so)."""
    try:
        check(*args, **kwargs)
    except ExerciseIncompleteError as error:
        text = "\n".join(error._render_traceback_())
        assert text.startswith("Check failed"), text
        return text
    return None


def folds(name: str, **params: Any) -> dict[str, Any]:
    """Notebook 02's script: the ten folds of cross_validate, as the student computes them."""
    return _folds(name, tuple(sorted(params.items())))


@cache
def _folds(name: str, params: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=1)
    model = make_model(name, **dict(params))
    return cross_validate(model, DATA.X_train, DATA.y_train, cv=cv, scoring=SCORING)


def scores(model: str, **params: Any) -> dict[str, float]:
    """The three means, as notebook 03's ``evaluate`` gives them."""
    return _scores(model, tuple(sorted(params.items())))


@cache
def _scores(name: str, params: tuple[tuple[str, Any], ...]) -> dict[str, float]:
    return evaluate(make_model(name, **dict(params)), DATA.X_train, DATA.y_train)


def scores_on_x_test(name: str) -> dict[str, float]:
    """A wrong answer's scores: the model fitted on the training split, scored once on X_test."""
    model = make_model(name).fit(DATA.X_train, DATA.y_train)
    predicted = model.predict(DATA.X_test)
    return {
        "accuracy": accuracy_score(DATA.y_test, predicted),
        "f1": f1_score(DATA.y_test, predicted, average="macro"),
        "nll": log_loss(DATA.y_test, model.predict_proba(DATA.X_test)),
    }
