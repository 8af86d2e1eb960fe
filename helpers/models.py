"""The three course models, built by name so a notebook parameter can choose one."""

from __future__ import annotations

from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

# The hyperparameters each model logs through ``config=``. The course built
# LogisticRegression(solver="liblinear", multi_class="ovr"); ``multi_class`` was removed
# from scikit-learn, and the multinomial lbfgs default is today's recommended setting.
DEFAULTS: dict[str, dict[str, Any]] = {
    "LogisticRegression": {"C": 1.0, "max_iter": 1000},
    "LinearDiscriminantAnalysis": {"solver": "svd"},
    "KNeighborsClassifier": {"n_neighbors": 5, "weights": "uniform", "p": 2},
}

_CLASSES: dict[str, type[ClassifierMixin]] = {
    "LogisticRegression": LogisticRegression,
    "LinearDiscriminantAnalysis": LinearDiscriminantAnalysis,
    "KNeighborsClassifier": KNeighborsClassifier,
}

MODEL_NAMES: tuple[str, ...] = tuple(_CLASSES)


def check_model_name(name: str) -> str:
    """Return ``name`` if it is a course model; otherwise fail before any run starts."""
    if name not in _CLASSES:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODEL_NAMES)}")
    return name


def model_params(name: str, **overrides: Any) -> dict[str, Any]:
    """The hyperparameters to log for ``name``: the course defaults, updated by ``overrides``.

    An unknown hyperparameter is refused here with the valid names, so a typo in a
    papermill parameter or sweep config does not surface later as a scikit-learn traceback.
    """
    check_model_name(name)
    valid = _CLASSES[name]().get_params()
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ValueError(
            f"{name} has no hyperparameter {', '.join(map(repr, unknown))}; "
            f"valid ones are: {', '.join(sorted(valid))}"
        )
    return {**DEFAULTS[name], **overrides}


def make_model(name: str, **overrides: Any) -> ClassifierMixin:
    """Build the estimator called ``name`` from the course defaults and ``overrides``."""
    params = model_params(name, **overrides)
    return _CLASSES[name](**params)
