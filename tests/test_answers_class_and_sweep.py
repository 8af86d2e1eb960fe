"""Wrong answers to the exercises on a class (06) and a sweep (07): each stops at its check.

06: every student's run carries the name (stripped), the group, the config and the
entity. 07: the answers are judged against runs stored here; no hint names the answer.
"""

from __future__ import annotations

import pytest
import wandb

from helpers.checks import (
    check_best,
    check_class_runs,
    check_most_important,
    check_sweep_config,
)
from helpers.models import MODEL_NAMES, model_params
from helpers.run_table import runs_table
from helpers.runs import read_run
from helpers.sweep import load_sweep_config, parameter_importance
from tests.answer_kit import scores, verdict

STUDENTS, PROJECT, GROUP, ENTITY = "ada, grace, alan", "iris-course", "lab-1", "course-team"


def class_runs(way: str) -> list:
    runs = []
    names = STUDENTS.split(",") if way == "names not stripped" else STUDENTS.split(", ")
    for i, student in enumerate(names):
        model = MODEL_NAMES[i % len(MODEL_NAMES)]
        config = {"model": model, **model_params(model)}
        if way == "no model in the config":
            config.pop("model")
        run = wandb.init(
            entity=None if way == "no entity" else ENTITY,
            project="iris" if way == "another project" else PROJECT,
            group=student if way == "a group each" else GROUP,
            name=f"{student}-{model}" if way != "no names" else None,
            tags=[student, model],
            config=config,
            reinit="create_new",
        )
        run.log(scores("LogisticRegression" if way == "one model for all" else model))
        if way != "last one open" or i < len(names) - 1:
            run.finish()
        runs.append(run)
    return runs


@pytest.mark.parametrize(
    "way, hint",
    [
        ("solution", None),
        ("names not stripped", "a run is tagged ' grace', not 'grace': strip the spaces"),
        ("a group each", "the runs are in group 'ada', 'alan', 'grace', not 'lab-1'"),
        ("another project", "ada's run: project is 'iris', not 'iris-course'"),
        ("no entity", "ada's run: entity is"),
        ("no model in the config", "ada's run: config has no 'model'"),
        ("one model for all", "grace's run: accuracy in the summary is"),
        ("last one open", "`class_runs[2]` is still open"),
        ("no names", "does not name 'ada'"),
    ],
)
def test_06_each_students_run(offline, way, hint):
    runs = class_runs(way)
    found = verdict(check_class_runs, runs, STUDENTS, PROJECT, GROUP, ENTITY)
    for run in runs:  # reinit="create_new" runs are not wandb.run: wandb.finish() leaves them open
        run.finish()
    assert found is None if hint is None else hint in (found or ""), found


def test_06_without_an_entity_any_entity_is_fine(offline):
    assert verdict(check_class_runs, class_runs("no entity"), STUDENTS, PROJECT, GROUP) is None


CONFIG = load_sweep_config()
TRIED = [(3, "uniform", 1), (19, "distance", 3), (8, "uniform", 2), (13, "distance", 1)]


@pytest.fixture(scope="module")
def sweep_runs(tmp_path_factory):
    """Four runs of the course's sweep, stored offline, read back as the notebook reads them."""
    folder = tmp_path_factory.mktemp("sweep")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WANDB_MODE", "offline")
        env.setenv("WANDB_DIR", str(folder))
        env.setenv("WANDB_SILENT", "true")
        stored = []
        for n_neighbors, weights, p in TRIED:
            config = {"model": "KNeighborsClassifier", "n_neighbors": n_neighbors}
            config.update(weights=weights, p=p)
            run = wandb.init(project=PROJECT, group="sweep", config=config, reinit="create_new")
            run.log(scores(**config))
            run.finish()
            stored.append(read_run(run))
    return stored


def _answers(runs: list) -> tuple[dict, str]:
    table = runs_table(runs, sort_by="accuracy")
    best = {p: table.iloc[0][f"config.{p}"] for p in ("n_neighbors", "weights", "p")}
    importance = parameter_importance(table, "accuracy", ["n_neighbors", "weights", "p"])
    return best, str(importance.index[0]).split("=")[0]


def test_07_the_right_answers_pass(sweep_runs):
    best, first = _answers(sweep_runs)
    assert verdict(check_best, best, sweep_runs, CONFIG) is None
    assert verdict(check_most_important, first, sweep_runs, CONFIG) is None


def test_07_a_best_run_that_is_not_the_best(sweep_runs):
    best, _ = _answers(sweep_runs)
    table = runs_table(sweep_runs, sort_by="accuracy")
    worst = table.iloc[-1]
    if worst["accuracy"] == table.iloc[0]["accuracy"]:
        pytest.skip("every run of this sweep ties")
    wrong = {p: worst[f"config.{p}"] for p in ("n_neighbors", "weights", "p")}
    hint = verdict(check_best, wrong, sweep_runs, CONFIG)
    assert f"reached accuracy {worst['accuracy']:.4f}, but the best run reached" in hint
    assert f"'n_neighbors': {best['n_neighbors']}" not in hint, "the hint gives the answer"


@pytest.mark.parametrize(
    "best, hint",
    [
        ({}, "BEST is empty"),
        ({"n_neighbors": 3, "weights": "uniform"}, "BEST has no 'p'"),
        ({"n_neighbors": 5, "weights": "uniform", "p": 2}, "no run of the sweep tried BEST"),
    ],
)
def test_07_best_incomplete_or_never_tried(sweep_runs, best, hint):
    assert hint in verdict(check_best, best, sweep_runs, CONFIG)


def test_07_most_important_never_named_by_its_hint(sweep_runs):
    _, first = _answers(sweep_runs)
    for answer in sorted({"n_neighbors", "weights", "p"} - {first}):
        hint = verdict(check_most_important, answer, sweep_runs, CONFIG)
        assert "not the first: name the parameter of its top row" in hint, hint
        assert repr(first) not in hint and f"'{first}=" not in hint, "the hint gives the answer"
    assert "not a parameter of the sweep" in verdict(check_most_important, "k", sweep_runs, CONFIG)
    assert "MOST_IMPORTANT is empty" in verdict(check_most_important, "", sweep_runs, CONFIG)


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"metric": {"name": "accuracy", "goal": "minimize"}}, "maximize accuracy"),
        ({"metric": {"name": "f1", "goal": "maximize"}}, "maximize accuracy"),
        ({"method": "grid"}, "method is 'grid': the course's sweep is 'random'"),
        ({"parameters": {"model": {"value": "KNeighborsClassifier"}}}, "no 'n_neighbors'"),
        ({"parameters": {**CONFIG["parameters"], "n_neighbors": {"min": 1, "max": 20}}}, "2..20"),
    ],
)
def test_07_a_sweep_config_that_searches_elsewhere(change, hint):
    found = verdict(check_sweep_config, {**CONFIG, **change})
    assert hint in (found or "") or hint.replace("2..20", "'max': 20") in (found or ""), found
