"""Wrong answers to the exercises on scores (01-03): each stops at its check with its hint.

Each answer is what a student may write in the *Your turn* cell, built here as offline
wandb runs; the solution passes. The hints must say what was found and what was expected.
"""

from __future__ import annotations

import warnings

import pytest
import wandb

from helpers.checks import check_config_run, check_each_model, check_fold_scores, check_logged
from helpers.metrics import evaluate
from helpers.models import MODEL_NAMES, make_model, model_params
from tests.answer_kit import DATA, folds, scores, scores_on_x_test, verdict

LR, KNN = "LogisticRegression", "KNeighborsClassifier"


def hello(way: str):
    run = wandb.init(project="iris" if way == "another project" else "iris-course")
    run.log({"Hello" if way == "wrong key" else "hello": 2 if way == "another value" else 1})
    if way != "not finished":
        run.finish()
    return run


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("wrong key", "hello was not logged"),
        ("another value", "hello is 2 in the summary, not 1"),
        ("another project", "the run is in project 'iris', not 'iris-course'"),
        ("not finished", "`run` is still open: call run.finish()"),
    ],
)
def test_01_first_run(offline, way, hint):
    found = verdict(check_logged, hello(way), values={"hello": 1}, project="iris-course")
    wandb.finish()
    assert found is None if hint is None else hint in (found or ""), found


def test_01_no_run_and_not_a_run(offline):
    assert "`run` is None: start the run with run = wandb.init(...)" in verdict(
        check_logged, None, metrics=["hello"]
    )
    assert "`run` is a dict, not the run" in verdict(check_logged, {"hello": 1}, ["hello"])


def logging_run(way: str, model: str = LR):
    """Notebook 02's script with wandb added, the way ``way`` says."""
    config = {"no config": {}, "a model the course lacks": {"model": "LR"}}.get(
        way, {"model": model}
    )
    run = wandb.init(project="iris-course", config=config)
    cv = folds(KNN if way == "another model" else model)
    for fold, accuracy in enumerate(cv["test_accuracy"], start=1):
        if way in ("means not logged", "means in the loop too"):
            f1, nll = cv["test_f1"][fold - 1], -cv["test_nll"][fold - 1]
            run.log({"accuracy": accuracy, "f1": f1, "nll": nll})
        elif way == "a fold counter":
            run.log({"fold": fold})
        elif way != "no curve":
            run.log({"fold": fold, "fold_accuracy": accuracy})
    means = {
        "accuracy": cv["test_accuracy"].mean(),
        "f1": cv["test_f1"].mean(),
        "nll": (1 if way == "nll negated" else -1) * cv["test_nll"].mean(),
    }
    if way == "the loop's last accuracy":
        means["accuracy"] = accuracy  # the loop variable, after the loop
    if way == "scores on X_test":
        means = scores_on_x_test(model)
    if way == "wrong key":
        means["acc"] = means.pop("accuracy")
    if way != "means not logged":
        run.log(means)
    if way != "not finished":
        run.finish()
    return run


@pytest.mark.parametrize(
    "way, hints",
    [
        ("solution", []),
        ("no config", []),  # the notebook's MODEL is assumed
        ("means in the loop too", []),  # a curve of accuracy, then the means: both right
        ("means not logged", ["the last fold's", "log the means after the loop"]),
        ("a fold counter", ["no key holds the folds' accuracies", "fold at 10 steps (1, 2, 3"]),
        ("no curve", ["no curve: log each fold's accuracy inside the loop"]),
        ("nll negated", ["nll is -0.1448, negative: scikit-learn negates the log loss"]),
        (
            "the loop's last accuracy",
            ["accuracy in the summary is 1.0000, the last fold's;", "mean over the 10 folds"],
        ),
        # LogisticRegression is right on 29 of the 30 test flowers, as on 116 of the 120 in the
        # folds: the same accuracy, 0.9667; f1 and nll tell the test split apart
        (
            "scores on X_test",
            ["f1 in the summary is 0.9610, the test split's;", "nll in the summary is 0.1519"],
        ),
        ("wrong key", ["accuracy was not logged"]),
        ("another model", ["they are KNeighborsClassifier's, but the config says model="]),
        ("not finished", ["`run` is still open"]),
        (
            "a model the course lacks",
            ["the config does not describe a course model: unknown model"],
        ),
    ],
)
def test_02_the_means_and_a_curve_of_the_folds(offline, way, hints):
    run = logging_run(way)
    hint = verdict(check_fold_scores, run, LR)
    wandb.finish()
    if not hints:
        assert hint is None, hint
    for part in hints:
        assert part in (hint or ""), hint


def test_02_the_hint_gives_the_numbers(offline):
    cv = folds(LR)
    hint = verdict(check_fold_scores, logging_run("means not logged"), LR)
    last, mean = cv["test_accuracy"][-1], cv["test_accuracy"].mean()
    assert (
        f"accuracy in the summary is {last:.4f}, the last fold's; the mean over the folds is "
        f"{mean:.4f}: log the means after the loop"
    ) in hint


def test_02_a_value_both_the_last_fold_and_x_test_give_is_named_as_both(offline):
    """KNeighborsClassifier is right on every test flower and on the last fold's 12: a summary
    accuracy of 1.0 may be either, and the fix the hint gives is right for both."""
    cv, on_test = folds(KNN), scores_on_x_test(KNN)
    assert on_test["accuracy"] == cv["test_accuracy"][-1] == 1.0
    hint = verdict(check_fold_scores, logging_run("scores on X_test", KNN), KNN)
    mean = cv["test_accuracy"].mean()
    assert (
        "accuracy in the summary is 1.0000, the last fold's and the test split's; the mean over "
        f"the folds is {mean:.4f}: log the mean over the 10 folds of the training split, not one "
        "score"
    ) in hint, hint
    assert f"nll in the summary is {on_test['nll']:.4f}, the test split's" in hint, hint


def config_run(way: str, model: str = KNN):
    config = {"model": model} if way == "model only" else {"model": model, **model_params(model)}
    if way == "config not used":
        config["n_neighbors"] = 15
    run = wandb.init(project="iris-course", config=config, job_type="train")
    if way == "evaluated on X_test":
        with warnings.catch_warnings(action="ignore"):  # the folds scikit-learn cannot score
            run.log(evaluate(make_model(model), DATA.X_test, DATA.y_test))
    elif way == "nll infinite":  # a log loss of a probability of 0: wandb stores "Infinity"
        run.log({**scores(model, **model_params(model)), "nll": float("inf")})
    elif way != "scores not logged":
        run.log(scores(model) if way == "config not used" else scores(model, **model_params(model)))
    if way != "not finished":
        run.finish()
    return run


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("model only", "config has no 'n_neighbors'"),
        (
            "config not used",
            "the config says n_neighbors=15, but the scores are those of the defaults "
            "KNeighborsClassifier(n_neighbors=5, p=2, weights='uniform'): build the model from "
            "run.config",
        ),
        ("scores not logged", "accuracy was not logged"),
        ("not finished", "`run` is still open"),
        (
            "evaluated on X_test",
            "nll is NaN: scikit-learn scores a fold it cannot compute as NaN (the log loss of a "
            "fold that lacks a class, as in 10 folds of the 30 test flowers): evaluate on the "
            "training split's 120 flowers",
        ),
        ("nll infinite", "nll in the summary is inf; the mean over the folds is 0.3792"),
    ],
)
def test_03_the_config_describes_the_run(offline, way, hint):
    found = verdict(check_config_run, config_run(way), KNN)
    wandb.finish()
    assert found is None if hint is None else hint in (found or ""), found


def compare(way: str) -> list:
    runs = []
    models = [LR, LR, KNN] if way == "a model twice" else list(MODEL_NAMES)
    for i, name in enumerate(models):
        group = {"no group": None, "a group each": f"g{i}"}.get(way, "compare-models")
        config = {"model": name, **model_params(name)}
        run = wandb.init(project="iris-course", group=group, config=config, reinit="create_new")
        run.log(scores(LR) if way == "one model's scores" else scores(name, **model_params(name)))
        run.finish()
        runs.append(run)
    return [] if way == "not appended" else runs


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("no group", "the runs have no group: pass group=... to wandb.init"),
        ("a group each", "the runs are in 3 groups ('g0', 'g1', 'g2'): use one"),
        ("a model twice", "2 runs have model='LogisticRegression': one run per model"),
        ("one model's scores", "KNeighborsClassifier: accuracy in the summary is"),
        ("not appended", "`compare_runs` is empty: append each model's run to it"),
    ],
)
def test_03_every_model_once_in_one_group(offline, way, hint):
    found = verdict(check_each_model, compare(way), MODEL_NAMES)
    assert found is None if hint is None else hint in (found or ""), found


def test_a_log_still_being_written_is_read_again_until_it_says_finished():
    from helpers.check_core import _read_finished

    states = iter(["running", "crashed", "finished"])
    assert _read_finished(None, lambda run: {"state": next(states)})["state"] == "finished"
    stuck = _read_finished(None, lambda run: {"state": "crashed"}, patience=0.3)
    assert stuck["state"] == "crashed", "a log that never ends is reported as it is"
