"""Unit tests of the data split, model registry and metrics."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

from helpers.data import load_split
from helpers.metrics import evaluate
from helpers.models import MODEL_NAMES, check_model_name, make_model, model_params


def test_split_is_the_course_split():
    iris = load_iris()
    expected = train_test_split(iris.data, iris.target, test_size=0.20, random_state=1)
    split = load_split()
    for got, want in zip(
        [split.X_train, split.X_test, split.y_train, split.y_test], expected, strict=True
    ):
        np.testing.assert_array_equal(got, want)
    assert split.class_names == ["setosa", "versicolor", "virginica"]
    assert len(split.X_test) == 30


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_every_course_model_builds_and_scores(name):
    split = load_split()
    scores = evaluate(make_model(name), split.X_train, split.y_train)
    assert set(scores) == {"accuracy", "f1", "nll"}
    assert 0.85 < scores["accuracy"] <= 1.0
    assert 0.85 < scores["f1"] <= 1.0
    assert 0.0 < scores["nll"] < 1.0  # a loss: positive, small for a good model


def test_nll_is_the_mean_log_loss_of_the_folds():
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    split = load_split()
    model = make_model("LinearDiscriminantAnalysis")
    losses = []
    cv = StratifiedKFold(n_splits=10, shuffle=True, random_state=1)
    for train, test in cv.split(split.X_train, split.y_train):
        model.fit(split.X_train[train], split.y_train[train])
        proba = model.predict_proba(split.X_train[test])
        losses.append(log_loss(split.y_train[test], proba, labels=[0, 1, 2]))
    assert evaluate(model, split.X_train, split.y_train)["nll"] == pytest.approx(np.mean(losses))


def test_unknown_model_lists_the_choices():
    with pytest.raises(
        ValueError,
        match="unknown model 'SVC'; choose one of: LogisticRegression, "
        "LinearDiscriminantAnalysis, KNeighborsClassifier",
    ):
        check_model_name("SVC")
    with pytest.raises(ValueError, match="unknown model"):
        make_model("SVC")


def test_hyperparameters_override_defaults_and_typos_are_refused():
    assert model_params("KNeighborsClassifier", n_neighbors=7)["n_neighbors"] == 7
    assert make_model("KNeighborsClassifier", weights="distance").weights == "distance"
    with pytest.raises(ValueError, match="KNeighborsClassifier has no hyperparameter 'k'; valid"):
        model_params("KNeighborsClassifier", k=3)


def test_an_older_wandb_still_imported_asks_for_a_restart(monkeypatch):
    import helpers

    monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(__version__="0.28.1"))
    with pytest.raises(ImportError, match=r"wandb 0\.28\.1 is imported but .* Restart session"):
        helpers.check_wandb_is_current()
    monkeypatch.undo()
    helpers.check_wandb_is_current()  # the real one: nothing to say
