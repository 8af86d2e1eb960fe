"""Offline sweeps through W&B's sweep engine, read back from the stored runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import wandb

from helpers.run_files import find_run
from helpers.run_table import runs_table
from helpers.runs import read_runs
from helpers.sweep import (
    load_sweep_config,
    local_sweep,
    parameter_importance,
    validate_sweep_config,
)
from helpers.wandb_internals import SWEEP_PARAM_PATH
from tests.conftest import ROOT, run_python
from tests.run_checks import check_sweep_runs

SCRIPT = str(ROOT / "scripts" / "wandb_sweep.py")


def train():
    """Log a made-up accuracy that depends on n_neighbors only (fast: no model)."""
    with wandb.init(project="sweep-test") as run:
        run.log({"accuracy": 1 - run.config["n_neighbors"] / 100, "f1": 0.5, "nll": 0.1})


def test_course_sweep_of_10_runs_stays_inside_its_ranges(offline):
    config = load_sweep_config()
    runs = local_sweep(config, train, count=10, progress=False)
    assert len(runs) == 10
    stored = read_runs(offline)
    assert sorted(r["run_id"] for r in stored) == sorted(r["run_id"] for r in runs)
    assert check_sweep_runs(stored, config, 10).ok
    assert len({r["group"] for r in stored}) == 1 and stored[0]["group"].startswith("knn-sweep-")
    assert {r["job_type"] for r in stored} == {"sweep"}
    for run in stored:  # the metric was computed from the config wandb stored
        assert run["summary"]["accuracy"] == pytest.approx(1 - run["config"]["n_neighbors"] / 100)


def test_check_sweep_runs_names_a_config_outside_the_ranges(offline):
    config = load_sweep_config()
    run = {
        "run_id": "x",
        "state": "finished",
        "summary": {"accuracy": 0.9},
        "config": {
            "model": "KNeighborsClassifier",
            "n_neighbors": 40,
            "weights": "uniform",
            "p": 4,
        },
    }
    result = check_sweep_runs([run], config, 2)
    assert not result.ok
    text = str(result)
    assert "1 runs stored, 2 expected" in text
    assert "run x: n_neighbors=40 is outside 2..20" in text
    assert "run x: p=4 is not one of [1, 2, 3]" in text


def test_grid_sweep_stops_when_the_grid_is_exhausted(offline):
    config = {
        "method": "grid",
        "metric": {"name": "accuracy", "goal": "maximize"},
        "parameters": {
            "n_neighbors": {"values": [3, 5]},
            "weights": {"values": ["uniform", "distance"]},
        },
    }
    runs = local_sweep(config, train, count=10, progress=False)
    combos = {(r["config"]["n_neighbors"], r["config"]["weights"]) for r in runs}
    assert len(runs) == 4 and len(combos) == 4


def test_bayes_sweep_runs(offline):
    config = {**load_sweep_config(), "method": "bayes"}
    runs = local_sweep(config, train, count=4, progress=False)
    assert len(runs) == 4
    assert check_sweep_runs(runs, config, 4).ok


@pytest.mark.parametrize(
    "change, message",
    [
        ({"method": "foo"}, "'foo' is not one of ['bayes', 'random', 'grid'"),
        ({"method": "custom"}, "method 'custom' cannot run without a W&B server"),
        (
            {"parameters": {"n_neighbors": {"distribution": "int_uniform"}}},
            "invalid hyperparameter configuration: n_neighbors",
        ),
        ({"parameters": {"n_neighbors": {"min": 20, "max": 2}}}, "min 20 is not less than max 2"),
        (
            {"method": "grid", "parameters": {"n_neighbors": {"min": 0.5, "max": 2.5}}},
            "Parameter n_neighbors is a disallowed type with grid search",
        ),
    ],
)
def test_a_bad_config_is_refused_with_the_engines_message_and_no_run(offline, change, message):
    config = {**load_sweep_config(), **change}
    with pytest.raises(ValueError, match="the sweep config is not valid") as error:
        local_sweep(config, train, count=3, progress=False)
    assert message in str(error.value)
    assert not offline.exists() or read_runs(offline) == []


def test_bad_count_or_workers_are_refused(offline):
    with pytest.raises(ValueError, match="count must be a whole number of runs >= 1, got 0"):
        local_sweep(load_sweep_config(), train, count=0)
    with pytest.raises(ValueError, match="workers must be a whole number >= 1, got 0"):
        local_sweep(load_sweep_config(), train, count=1, workers=0)


def test_a_failing_run_is_reported_and_the_sweep_goes_on(offline, capsys):
    calls = []

    def flaky():
        calls.append(1)
        with wandb.init(project="sweep-test") as run:
            if len(calls) == 2:
                raise RuntimeError("diverged")
            run.log({"accuracy": 0.9})

    runs = local_sweep(load_sweep_config(), flaky, count=3, progress=False)
    assert [r["state"] for r in runs].count("failed") == 1
    assert "failed: RuntimeError: diverged" in capsys.readouterr().out


def test_importance_ranks_the_parameter_that_drives_the_metric_first():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "config.a": rng.integers(1, 20, 40),
            "config.b": rng.choice(["x", "y"], 40),
            "config.c": rng.integers(1, 4, 40),
        }
    )
    table["accuracy"] = 1 - table["config.a"] / 40
    importance = parameter_importance(table, "accuracy")
    assert importance.index[0] == "a"
    assert importance.loc["a", "importance"] > 0.8
    assert importance.loc["a", "correlation"] == pytest.approx(-1.0)
    assert set(importance.index) == {"a", "b=x", "b=y", "c"}
    with pytest.raises(KeyError, match="no metric 'f1' in the runs"):
        parameter_importance(table, "f1")


def test_parallel_workers_make_as_many_distinct_runs_as_one(offline, tmp_path):
    counts = {}
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        folder.mkdir()
        result = run_python(
            "",
            folder,
            {"WANDB_DIR": str(folder)},
            args=[SCRIPT, "--count", "6", "--workers", str(workers)],
        )
        assert result.returncode == 0, result.stderr
        runs = read_runs(folder / "wandb")
        counts[workers] = len({r["run_id"] for r in runs})
        assert all(r["state"] == "finished" for r in runs)
        assert check_sweep_runs(runs, load_sweep_config(), 6).ok
    assert counts == {1: 6, 2: 6}


def test_script_refuses_a_bad_config_file(offline, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: foo\nparameters:\n  n_neighbors: {values: [3]}\n")
    result = run_python("", tmp_path, args=[SCRIPT, "--config", str(bad)])
    assert result.returncode == 2
    assert (
        "the sweep config is not valid" in result.stderr and "'foo' is not one of" in result.stderr
    )
    typo = tmp_path / "typo.yaml"
    typo.write_text("method: random\nparameters:\n  n_neighbour: {values: [3]}\n")
    result = run_python("", tmp_path, args=[SCRIPT, "--config", str(typo)])
    assert result.returncode == 2 and "has no hyperparameter 'n_neighbour'" in result.stderr
    missing = run_python("", tmp_path, args=[SCRIPT, "--config", str(tmp_path / "none.yaml")])
    assert missing.returncode == 2 and "no sweep config at" in missing.stderr
    assert not (tmp_path / "wandb").exists()


def test_runs_table_of_a_sweep_sorts_best_first(offline):
    runs = local_sweep(load_sweep_config(), train, count=5, progress=False)
    table = runs_table(runs, sort_by="accuracy")
    assert list(table["accuracy"]) == sorted(table["accuracy"], reverse=True)
    assert validate_sweep_config(load_sweep_config())["method"] == "random"


def test_a_run_started_by_wandb_agent_trains_the_config_it_was_given(offline, tmp_path):
    """`wandb agent` runs the config's program with WANDB_SWEEP_ID and the chosen parameters."""
    params = tmp_path / "params.yaml"
    params.write_text(
        "model: {value: KNeighborsClassifier}\nn_neighbors: {value: 7}\n"
        "weights: {value: distance}\np: {value: 1}\n"
    )
    config = load_sweep_config()
    assert config["program"] == "scripts/wandb_sweep.py"
    result = run_python(
        "",
        ROOT,
        {"WANDB_SWEEP_ID": "abc123", SWEEP_PARAM_PATH: str(params)},
        args=[config["program"]],
    )
    assert result.returncode == 0, result.stderr
    [run] = read_runs(offline)
    assert run["config"] == {
        "model": "KNeighborsClassifier",
        "n_neighbors": 7,
        "weights": "distance",
        "p": 1,
    }
    assert 0.9 < run["summary"]["accuracy"] <= 1


def test_a_run_after_the_sweep_is_a_new_run_outside_the_sweep(offline):
    runs = local_sweep(load_sweep_config(), train, count=2, progress=False)
    after = wandb.init(project="sweep-test", config={"n_neighbors": 3})
    after.finish()
    assert after.id not in {r["run_id"] for r in runs}
    assert after.group in (None, "")
    assert len(read_runs(offline)) == 3


def test_only_the_first_run_of_a_sweep_lists_the_installed_packages(offline):
    runs = local_sweep(load_sweep_config(), train, count=3, progress=False)
    after = wandb.init(project="sweep-test")  # outside the sweep: wandb's default again
    after.finish()
    stored = {
        run_id: (find_run(run_id, offline).parent / "files" / "requirements.txt").is_file()
        for run_id in [r["run_id"] for r in runs] + [after.id]
    }
    assert list(stored.values()) == [True, False, False, True], stored


def test_a_sweep_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- method: random\n")
    with pytest.raises(ValueError, match="list.yaml does not hold a sweep config"):
        load_sweep_config(path)
    with pytest.raises(FileNotFoundError, match="no sweep config at"):
        load_sweep_config(tmp_path / "missing.yaml")


def test_importance_needs_two_runs_and_a_varying_parameter():
    one_run = pd.DataFrame({"config.a": [1], "accuracy": [0.5]})
    with pytest.raises(ValueError, match="needs at least 2 runs and 1 varying parameter"):
        parameter_importance(one_run, "accuracy")
    constant = pd.DataFrame({"config.a": [1, 1], "accuracy": [0.5, 0.6]})
    with pytest.raises(ValueError, match="needs at least 2 runs and 1 varying parameter"):
        parameter_importance(constant, "accuracy")


def test_script_refuses_a_count_below_one(offline, tmp_path):
    result = run_python("", tmp_path, args=[SCRIPT, "--count", "0"])
    assert result.returncode == 2
    assert "--count and --workers must be at least 1" in result.stderr


@pytest.mark.parametrize("method", ["random", "bayes"])
def test_a_seed_repeats_the_suggestions_and_keeps_the_callers_generators(offline, method):
    import random

    config = {**load_sweep_config(), "method": method}

    def configs(seed):
        runs = local_sweep(config, train, count=3, progress=False, seed=seed)
        return [{k: v for k, v in r["config"].items()} for r in runs]

    random.seed(7)
    np.random.seed(7)
    expected = (random.random(), np.random.random())
    random.seed(7)
    np.random.seed(7)
    first = configs(5)
    assert (random.random(), np.random.random()) == expected  # the caller's state is untouched
    assert configs(5) == first
    assert configs(6) != first
    with pytest.raises(ValueError, match="seed must be a whole number >= 0 or None, got -1"):
        local_sweep(config, train, count=1, seed=-1)


def test_an_interrupt_in_a_notebook_stops_run_all_in_one_line_with_the_runs_kept(offline):
    calls = []

    def stopped_on_the_third_run():
        with wandb.init(project="sweep-test") as run:
            calls.append(run.id)
            if len(calls) == 3:
                raise KeyboardInterrupt  # what the notebook's stop button raises
            run.log({"accuracy": 0.9, "f1": 0.5, "nll": 0.1})

    with pytest.raises(KeyboardInterrupt) as caught:  # a KeyboardInterrupt: Run All stops
        local_sweep(load_sweep_config(), stopped_on_the_third_run, count=5, progress=False)
    error = caught.value
    message = "sweep interrupted: 2 of 5 runs finished, 1 stopped and stored as failed"
    assert error._render_traceback_() == [f"KeyboardInterrupt: {message}"]
    assert sorted(r["state"] for r in error.runs) == ["failed", "finished", "finished"]
    assert sorted(r["state"] for r in read_runs(offline)) == ["failed", "finished", "finished"]
