"""Wrong answers to the exercises on figures and charts (04, 05): each stops at its check.

The scatter must show the data, one colour per species (read from the PNG wandb
stored); the sklearn charts must be this model's, on the course's test split.
"""

from __future__ import annotations

from functools import cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
import wandb

from helpers.checks import check_scatter, check_sklearn_charts
from helpers.models import make_model, model_params
from tests.answer_kit import DATA, verdict

TRAIN = pd.DataFrame(DATA.X_train, columns=DATA.feature_names)
TRAIN["species"] = [DATA.class_names[i] for i in DATA.y_train]


def scatter_run(way: str):
    run = wandb.init(project="iris-course", job_type="figures")
    x, y = DATA.feature_names[0], DATA.feature_names[1]
    hue = None if way == "no hue" else "species"
    ax = sns.scatterplot(data=TRAIN, x=x, y=y, hue=hue)
    if way == "logged after plt.show()":  # Jupyter closes the figure it showed
        plt.close(ax.figure)
        ax = plt.gca()
    key = "scatterplot" if way == "wrong key" else "scatter"
    run.log({key: wandb.Image(ax.figure)})
    plt.close("all")
    if way != "not finished":
        run.finish()
    return run


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("logged after plt.show()", "shows no coloured point (empty axes, or greys only): log the"),
        ("no hue", "scatter shows 1 colour(s) for 3 species: colour the points by species"),
        ("wrong key", "scatter was not logged as media"),
        ("not finished", "`run` is still open"),
    ],
)
def test_04_the_scatter_shows_the_data_by_species(offline, way, hint):
    found = verdict(check_scatter, scatter_run(way))
    wandb.finish()
    assert found is None if hint is None else hint in (found or ""), found


def test_04_pixels_or_lines_are_not_a_scatter_by_species(offline):
    run = wandb.init(project="iris-course")
    run.log({"scatter": wandb.Image(np.full((60, 80, 3), 255, np.uint8))})
    run.log({"data_as_pixels": wandb.Image(np.arange(0, 240, dtype=np.uint8).reshape(12, 20))})
    run.finish()
    assert "scatter is blank (one flat colour)" in verdict(check_scatter, run)
    assert "data_as_pixels shows no coloured point" in verdict(check_scatter, run, "data_as_pixels")


MODEL = "LogisticRegression"


@cache
def _fitted(name: str):
    return make_model(name).fit(DATA.X_train, DATA.y_train)


def charts_run(way: str):
    config = {"model": MODEL, **model_params(MODEL)}
    model = _fitted(MODEL)
    y_pred, y_probas = model.predict(DATA.X_test), model.predict_proba(DATA.X_test)
    labels = DATA.class_names
    run = wandb.init(project="iris-course", job_type="plots", config=config)
    if way == "splits swapped":
        wandb.sklearn.plot_class_proportions(DATA.y_test, DATA.y_train, labels)
    else:
        wandb.sklearn.plot_class_proportions(DATA.y_train, DATA.y_test, labels)
    wandb.sklearn.plot_learning_curve(
        model, DATA.X_train, DATA.y_train, cv=2, train_sizes=[0.5, 1.0]
    )
    if way != "roc missing":
        wandb.sklearn.plot_roc(DATA.y_test, y_probas, labels)
    wandb.sklearn.plot_precision_recall(DATA.y_test, y_probas, labels)
    if way == "the training split":
        wandb.sklearn.plot_confusion_matrix(DATA.y_train, model.predict(DATA.X_train), labels)
    elif way == "the labels as predictions":
        wandb.sklearn.plot_confusion_matrix(DATA.y_test, DATA.y_test, labels)
    elif way == "another model":
        other = _fitted("KNeighborsClassifier")
        wandb.sklearn.plot_confusion_matrix(DATA.y_test, other.predict(DATA.X_test), labels)
    else:
        wandb.sklearn.plot_confusion_matrix(DATA.y_test, y_pred, labels)
    run.finish()
    return run


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("roc missing", "roc_table was not logged as media"),
        ("splits swapped", "class_proportions does not count the course's split"),
        ("the training split", "confusion_matrix counts 120 flowers; the course's test split has"),
        (
            "the labels as predictions",
            "confusion_matrix holds [[11, 0, 0], [0, 13, 0], [0, 0, 6]] (rows: true classes), "
            "but LogisticRegression(",
        ),
        ("another model", "pass this model's predictions"),
    ],
)
def test_05_the_charts_are_this_models_on_the_test_split(offline, way, hint):
    found = verdict(check_sklearn_charts, charts_run(way), DATA.class_names, MODEL)
    assert found is None if hint is None else hint in (found or ""), found
    if way == "the labels as predictions":
        assert "predicts [[11, 0, 0], [0, 12, 1], [0, 0, 6]] on the test split" in found


def test_05_feature_names_as_labels(offline):
    run = charts_run("solution")
    found = verdict(check_sklearn_charts, run, DATA.feature_names, MODEL)
    assert "class_proportions labels the classes ['setosa', 'versicolor', 'virginica'], not" in (
        found or ""
    ), found
