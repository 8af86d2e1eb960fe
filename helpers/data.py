"""The course's data split, exactly as the original exercise scripts made it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

TEST_SIZE = 0.20
RANDOM_STATE = 1


@dataclass(frozen=True)
class IrisSplit:
    """Train/test arrays plus the names that belong on plots and tables."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    feature_names: list[str]
    class_names: list[str]


def load_split(test_size: float = TEST_SIZE, random_state: int = RANDOM_STATE) -> IrisSplit:
    """Return iris split as the course did: ``train_test_split(test_size=0.20, random_state=1)``.

    The class names come from ``target_names`` (setosa, versicolor, virginica); the
    course's own solution labelled classes with the *feature* names, which put the
    wrong words on every chart.
    """
    iris = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        iris.data, iris.target, test_size=test_size, random_state=random_state
    )
    return IrisSplit(
        X_train=X_train,
        X_test=X_test,
        y_train=y_train,
        y_test=y_test,
        feature_names=list(iris.feature_names),
        class_names=[str(name) for name in iris.target_names],
    )
