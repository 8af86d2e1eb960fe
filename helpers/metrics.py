"""The course's three metrics from one stratified 10-fold cross-validation pass."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.model_selection import StratifiedKFold, cross_validate

SCORING = {"accuracy": "accuracy", "f1": "f1_macro", "nll": "neg_log_loss"}


def evaluate(
    model: ClassifierMixin, X: np.ndarray, y: np.ndarray, n_splits: int = 10, seed: int = 1
) -> dict[str, float]:
    """Mean ``accuracy``, macro ``f1`` and ``nll`` over stratified K folds (shuffled, seeded).

    ``nll`` is the mean log loss: positive, lower is better. scikit-learn reports it
    negated (``neg_log_loss``) so that higher is always better; the course calls it the
    negative log likelihood, so we flip the sign back once, here.
    """
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    scores = cross_validate(model, X, y, cv=cv, scoring=SCORING)
    return {
        "accuracy": float(np.mean(scores["test_accuracy"])),
        "f1": float(np.mean(scores["test_f1"])),
        "nll": float(-np.mean(scores["test_nll"])),
    }
