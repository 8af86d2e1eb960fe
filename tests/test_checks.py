"""Exercise checks accept every correct answer and name what is missing in a wrong one."""

from __future__ import annotations

import pytest
import yaml

from helpers.checks import (
    ExerciseIncompleteError,
    check_best,
    check_most_important,
    check_sweep_config,
)
from helpers.run_table import runs_table
from helpers.sweep import load_sweep_config, parameter_importance
from tests.conftest import run_python

# A student's runs, made the ways a student may make them; each check's verdict is printed.
STUDENT = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import wandb
from helpers.checks import ExerciseIncompleteError, check_logged

def verdict(label, *args, **kwargs):
    try:
        check_logged(*args, **kwargs)
    except ExerciseIncompleteError as error:
        print(label, "HINT", " | ".join(error._render_traceback_()))
    else:
        print(label, "PASSED")

# wandb.log (not run.log), a small figure of any size, extra keys, one step per fold
run = wandb.init(project="p")
fig, ax = plt.subplots(figsize=(3, 2), dpi=100)
ax.plot([1, 2])
wandb.log({"scatter": wandb.Image(fig), "extra": "anything"})
for fold in range(1, 4):
    run.log({"fold": fold, "fold_accuracy": 0.9 + fold / 100})
run.log({"accuracy": 0.9, "f1": 0.8, "nll": 0.3})
run.finish()
verdict("good", run, metrics=["accuracy", "f1", "nll"], media=["scatter"])

one = wandb.init(project="p")
one.log({"accuracy": 0.9})
verdict("open", one, metrics=["accuracy"])
one.finish()
verdict("once", one, metrics=["accuracy", "f1"])
verdict("none", None, metrics=["accuracy"])
verdict("dict", {"accuracy": 0.9}, metrics=["accuracy"])
off = wandb.init(project="p", mode="disabled")
off.finish()
verdict("disabled", off, metrics=["accuracy"])
"""


def test_check_logged_accepts_every_correct_run_and_names_what_is_missing(offline, tmp_path):
    result = run_python(STUDENT, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = {line.split(" ", 1)[0]: line for line in result.stdout.splitlines() if " " in line}
    assert lines["good"] == "good PASSED"
    assert "a 300x200 PNG" in result.stdout
    assert "`run` is still open: call run.finish()" in lines["open"]
    assert "f1 was not logged" in lines["once"]
    assert "`run` is None: start the run with run = wandb.init(...)" in lines["none"]
    assert "`run` is a dict, not the run that wandb.init(...) returns" in lines["dict"]
    assert lines["disabled"] == "disabled PASSED"
    assert "Check skipped: wandb is disabled" in result.stdout


def test_a_failed_check_renders_as_its_hint_alone():
    error = ExerciseIncompleteError("Check failed: fix the lines marked ✘ and rerun.\n✘ x")
    assert error._render_traceback_() == ["Check failed: fix the lines marked ✘ and rerun.", "✘ x"]
    assert isinstance(error, AssertionError)


def _sweep_runs(rows):
    return [
        {"run_id": f"r{i}", "state": "finished", "config": config, "summary": {"accuracy": acc}}
        for i, (config, acc) in enumerate(rows)
    ]


CONFIG = load_sweep_config()
TIED = _sweep_runs(
    [
        ({"n_neighbors": 7, "weights": "uniform", "p": 2}, 0.975),
        ({"n_neighbors": 11, "weights": "distance", "p": 1}, 0.975),
        ({"n_neighbors": 19, "weights": "uniform", "p": 3}, 0.95),
        ({"n_neighbors": 3, "weights": "distance", "p": 2}, 0.9583),
    ]
)


@pytest.mark.parametrize(
    "best",
    [
        {"n_neighbors": 7, "weights": "uniform", "p": 2},
        {"n_neighbors": 11, "weights": "distance", "p": 1},  # the other of a tie
        {"n_neighbors": 11.0, "weights": "distance", "p": 1, "model": "KNeighborsClassifier"},
    ],
)
def test_check_best_accepts_any_tied_best_run(best, capsys):
    check_best(best, TIED, CONFIG)
    assert "2 runs tie at 0.9750" in capsys.readouterr().out


@pytest.mark.parametrize(
    "best, hint",
    [
        ({}, "BEST is empty: set it to the best run's n_neighbors, weights, p"),
        ({"n_neighbors": 7, "weights": "uniform"}, "BEST has no 'p'"),
        (
            {"n_neighbors": 19, "weights": "uniform", "p": 3},
            "reached accuracy 0.9500, but the best run reached 0.9750",
        ),
        ({"n_neighbors": 5, "weights": "uniform", "p": 2}, "no run of the sweep tried BEST"),
    ],
)
def test_check_best_names_what_is_wrong(best, hint):
    with pytest.raises(ExerciseIncompleteError, match=hint):
        check_best(best, TIED, CONFIG)


def test_check_most_important_takes_the_parameter_or_its_value_row(capsys):
    table = runs_table(TIED, sort_by="accuracy")
    first = parameter_importance(table, "accuracy", ["n_neighbors", "weights", "p"]).index[0]
    check_most_important(first.split("=")[0], TIED, CONFIG)
    check_most_important(first, TIED, CONFIG)
    others = {"n_neighbors", "weights", "p"} - {first.split("=")[0]}
    with pytest.raises(ExerciseIncompleteError, match="not the first: name the parameter") as error:
        check_most_important(sorted(others)[0], TIED, CONFIG)
    assert repr(first.split("=")[0]) not in str(error.value), error.value
    with pytest.raises(ExerciseIncompleteError, match="MOST_IMPORTANT is empty"):
        check_most_important("", TIED, CONFIG)


def test_sweep_answer_checks_skip_when_nothing_was_stored(capsys):
    check_best({}, [], CONFIG)
    check_most_important("", [], CONFIG)
    assert capsys.readouterr().out.count("Check skipped: no sweep run was stored") == 2


def test_check_sweep_config_accepts_the_course_sweep_in_either_spelling(capsys):
    check_sweep_config(CONFIG)  # sweep.yaml, as `wandb sweep` reads it
    listed = {**CONFIG, "parameters": {**CONFIG["parameters"]}}
    listed["parameters"]["n_neighbors"] = {"values": list(range(2, 21))}
    check_sweep_config(listed)
    assert capsys.readouterr().out.count("Check passed.") == 2


@pytest.mark.parametrize(
    "change, hint",
    [
        ({"metric": {"name": "accuracy", "goal": "minimize"}}, "maximize accuracy"),
        ({"parameters": {"model": {"value": "KNeighborsClassifier"}}}, "no 'n_neighbors'"),
        (
            {"parameters": {**CONFIG["parameters"], "p": {"values": [1, 2]}}},
            "p is {'values': [1, 2]}, the course searches {'values': [1, 2, 3]}",
        ),
    ],
)
def test_check_sweep_config_names_what_differs(change, hint):
    with pytest.raises(ExerciseIncompleteError, match=hint.replace("[", r"\[").replace("{", r"\{")):
        check_sweep_config({**CONFIG, **change})


def test_check_sweep_config_judges_against_the_course_sweep_yaml(tmp_path, monkeypatch, capsys):
    import helpers.sweep_config

    changed = {**CONFIG, "parameters": {**CONFIG["parameters"], "p": {"values": [1, 2]}}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(changed))
    monkeypatch.setattr(helpers.sweep_config, "COURSE_SWEEP", path)
    check_sweep_config(changed)
    assert "Check passed." in capsys.readouterr().out
    with pytest.raises(ExerciseIncompleteError, match=r"course searches \{'values': \[1, 2\]"):
        check_sweep_config(CONFIG)


@pytest.mark.parametrize(
    ("stored", "metrics", "hint"),
    [
        # finished with nothing logged: name what is missing, never "call run.finish()"
        (
            {"lacks": "logged metrics", "stored_state": "finished"},
            ("accuracy",),
            "accuracy was not logged",
        ),
        (
            {"lacks": "logged metrics", "stored_state": "finished"},
            (),
            "finished without logging anything",
        ),
        # stopped inside wandb.init: it never finished
        (
            {"lacks": "run record", "stored_state": "finished"},
            ("accuracy",),
            "call run.finish() first",
        ),
    ],
)
def test_a_run_that_finished_without_logging_is_told_what_to_log(stored, metrics, hint):
    from helpers.check_core import inspect_run

    run = {"state": "incomplete", "config": {}, "summary": {}, **stored}
    result = inspect_run(run, metrics=metrics)
    assert any(hint in line for line in result.missing), result.missing
    if stored["lacks"] == "logged metrics":
        assert not any("run.finish()" in line for line in result.missing), result.missing
