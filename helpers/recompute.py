"""What a stored run must hold, recomputed from its config with the course's fixed split and folds.

The split (:mod:`helpers.data`), the folds (:mod:`helpers.metrics`) and the models
(:mod:`helpers.models`) are fixed and seeded, so a run's config determines its scores,
each fold's scores and its predictions on the test split exactly. The checks compare
what wandb stored with these numbers, so a run whose config says one thing and whose
model did another is caught.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from helpers.models import check_model_name, make_model, model_params


def config_model(config: dict[str, Any], default: str | None = None) -> tuple[str, dict[str, Any]]:
    """The model a stored config describes: its name and every hyperparameter, defaults filled in.

    Keys of the config that are not hyperparameters of that model (a seed, a note) are
    left out. ``default`` is the model to assume when the config names none.
    """
    name = config.get("model", default)
    check_model_name(str(name))
    valid = set(make_model(name).get_params())
    given = {key: value for key, value in config.items() if key in valid}
    return name, model_params(name, **given)


def describe(name: str, params: dict[str, Any]) -> str:
    """``KNeighborsClassifier(n_neighbors=5, p=2, weights='uniform')``, for a hint."""
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in sorted(params.items()))})"


@cache
def _folds(name: str, frozen: tuple[tuple[str, Any], ...]) -> dict[str, tuple[float, ...]]:
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from helpers.data import load_split
    from helpers.metrics import SCORING

    data = load_split()
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=1)
    model = make_model(name, **dict(frozen))
    cv = cross_validate(model, data.X_train, data.y_train, cv=folds, scoring=SCORING)
    return {
        "accuracy": tuple(map(float, cv["test_accuracy"])),
        "f1": tuple(map(float, cv["test_f1"])),
        "nll": tuple(float(-x) for x in cv["test_nll"]),
    }


def fold_scores(name: str, params: dict[str, Any]) -> dict[str, tuple[float, ...]]:
    """Each fold's accuracy, f1 and nll, in fold order, as the course's script computes them."""
    return _folds(name, tuple(sorted(params.items())))


def mean_scores(name: str, params: dict[str, Any]) -> dict[str, float]:
    """The means over the ten folds: the ``accuracy``, ``f1`` and ``nll`` a summary must hold."""
    return {key: float(np.mean(values)) for key, values in fold_scores(name, params).items()}


@cache
def _fitted(name: str, frozen: tuple[tuple[str, Any], ...]) -> Any:
    """The model trained on the whole training split (kept: never changed after fitting)."""
    from helpers.data import load_split

    data = load_split()
    return make_model(name, **dict(frozen)).fit(data.X_train, data.y_train)


@cache
def _confusion(name: str, frozen: tuple[tuple[str, Any], ...]) -> tuple[tuple[int, ...], ...]:
    from sklearn.metrics import confusion_matrix

    from helpers.data import load_split

    data = load_split()
    predicted = _fitted(name, frozen).predict(data.X_test)
    matrix = confusion_matrix(data.y_test, predicted, labels=[0, 1, 2])
    return tuple(tuple(int(x) for x in row) for row in matrix)


@cache
def _on_test(name: str, frozen: tuple[tuple[str, Any], ...]) -> dict[str, float]:
    from sklearn.metrics import get_scorer

    from helpers.data import load_split
    from helpers.metrics import SCORING

    data = load_split()
    model = _fitted(name, frozen)
    scores = {k: float(get_scorer(s)(model, data.X_test, data.y_test)) for k, s in SCORING.items()}
    return {**scores, "nll": -scores["nll"]}


def scores_on_test(name: str, params: dict[str, Any]) -> dict[str, float]:
    """The three metrics of the model trained on the training split and scored once on the
    test split: what a run holds when its scores came from ``X_test`` instead of the folds,
    which a check's hint then names."""
    return _on_test(name, tuple(sorted(params.items())))


def confusion_on_test(name: str, params: dict[str, Any]) -> np.ndarray:
    """The confusion matrix (true classes as rows) of the model, trained on the course's
    training split, on its test split."""
    return np.array(_confusion(name, tuple(sorted(params.items()))))
