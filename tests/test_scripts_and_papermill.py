"""The command-line twin and papermill reruns with every model, and with a wrong one.

A teacher's rerun is a seat of its own (tests/seats.py): `make test` reruns one model and one
notebook of each kind below, `make test-seats` the others.
"""

from __future__ import annotations

import nbformat
import papermill as pm
import pytest

from helpers.models import MODEL_NAMES
from helpers.run_table import history, overview
from helpers.runs import read_runs
from tests.conftest import NOTEBOOKS, ROOT, run_python, seats_but
from tests.lessons import NOTEBOOK_PATHS

SCRIPT = str(ROOT / "scripts" / "wandb_script.py")


def test_script_logs_one_run_of_the_chosen_model(offline, tmp_path):
    result = run_python("", tmp_path, args=[SCRIPT, "--model", "LinearDiscriminantAnalysis"])
    assert result.returncode == 0, result.stderr
    [run] = read_runs(offline)
    assert run["config"]["model"] == "LinearDiscriminantAnalysis"
    assert run["config"]["solver"] == "svd"
    assert 0.9 < run["summary"]["accuracy"] <= 1
    assert f"accuracy {run['summary']['accuracy']:.4f}" in result.stdout


def test_script_bad_model_is_a_usage_error_and_no_run(offline, tmp_path):
    result = run_python("", tmp_path, args=[SCRIPT, "--model", "SVC"])
    assert result.returncode == 2
    assert "invalid choice: 'SVC'" in result.stderr
    for name in MODEL_NAMES:
        assert name in result.stderr
    assert not offline.exists() or read_runs(offline) == []


def _execute(name: str, out, **parameters):
    return pm.execute_notebook(
        NOTEBOOKS / f"{name}.ipynb",
        out / f"{name}.ipynb",
        parameters=parameters,
        cwd=str(out),
        progress_bar=False,
        kernel_name="python3",
    )


@pytest.mark.parametrize("model", seats_but(MODEL_NAMES, {"KNeighborsClassifier"}, ids=str))
def test_02_reruns_with_each_model(offline, tmp_path, model):
    _execute("02_logging", tmp_path, MODEL=model)
    notebook, script = read_runs(offline)  # the exercise's run, then iris_script.py's
    for run in (notebook, script):
        assert run["config"]["model"] == model
        assert set(run["summary"]) >= {"accuracy", "f1", "nll", "fold_accuracy"}
        assert len(history(run)["fold_accuracy"].dropna()) == 10, "one step per fold"
        assert overview(run)["python"].startswith("CPython 3.")
    assert overview(notebook)["command"].startswith("(a notebook kernel)")
    assert overview(script)["command"] == (
        f"python iris_script.py --model {model} --project iris-course --mode offline"
    )
    assert script["summary"]["accuracy"] == notebook["summary"]["accuracy"]


def _notebook_script() -> str:
    """The ``%%writefile iris_script.py`` cell of notebook 02, as the notebook writes it."""
    nb = nbformat.read(NOTEBOOKS / "02_logging.ipynb", as_version=4)
    [cell] = [c for c in nb.cells if c.source.startswith("%%writefile iris_script.py")]
    return cell.source.split("\n", 1)[1] + "\n"


@pytest.mark.parametrize(
    "model", seats_but(["LogisticRegression", "KNeighborsClassifier"], {"LogisticRegression"}, str)
)
def test_notebook_02_script_and_wandb_script_store_the_same_run(offline, tmp_path, model):
    """scripts/wandb_script.py is the command-line twin of the script notebook 02 shows."""
    (tmp_path / "iris_script.py").write_text(_notebook_script())
    for script in ["iris_script.py", SCRIPT]:
        result = run_python("", tmp_path, args=[script, "--model", model, "--mode", "offline"])
        assert result.returncode == 0, result.stderr
    shown, twin = read_runs(offline)
    assert overview(shown)["program"].endswith("iris_script.py")
    assert overview(twin)["program"].endswith("wandb_script.py")
    for key in ("accuracy", "f1", "nll", "fold_accuracy"):
        assert shown["summary"][key] == pytest.approx(twin["summary"][key]), key
    assert list(history(shown)["fold_accuracy"].dropna()) == pytest.approx(
        list(history(twin)["fold_accuracy"].dropna())
    )
    assert shown["config"]["model"] == twin["config"]["model"] == model


@pytest.mark.parametrize("model", seats_but(MODEL_NAMES, {"LinearDiscriminantAnalysis"}, ids=str))
def test_03_reruns_with_each_model(offline, tmp_path, model):
    _execute("03_config", tmp_path, MODEL=model)
    runs = read_runs(offline)
    assert runs[0]["config"]["model"] == model  # the exercise-5 run uses the parameter
    assert sorted(r["config"]["model"] for r in runs[1:]) == sorted(MODEL_NAMES)


@pytest.mark.parametrize("name", ["02_logging", "03_config"])
def test_unknown_model_stops_with_the_choices(offline, tmp_path, name):
    with pytest.raises(pm.PapermillExecutionError) as error:
        _execute(name, tmp_path, MODEL="SVC")
    assert "MODEL must be one of 'LogisticRegression', 'LinearDiscriminantAnalysis'" in str(
        error.value
    )
    assert not offline.exists() or read_runs(offline) == []


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"PROJECT": "iris-class/iris-course"}, "use entity='iris-class', project='iris-course'"),
        ({"ENTITY": ""}, "entity must be a user or team name, or None"),
    ],
)
def test_06_refuses_names_wandb_would_reject_before_any_run(offline, tmp_path, parameters, message):
    with pytest.raises(pm.PapermillExecutionError) as error:
        _execute("06_entities", tmp_path, **parameters)
    assert message in str(error.value)
    assert not offline.exists() or read_runs(offline) == []


def test_07_refuses_a_bad_method_before_any_run(offline, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as error:
        _execute("07_sweeps", tmp_path, METHOD="foo")
    assert "METHOD must be one of '', 'grid', 'random', 'bayes', got 'foo'" in str(error.value)
    assert not offline.exists() or read_runs(offline) == []


def test_07_bayes_rerun_with_two_workers(offline, tmp_path):
    _execute("07_sweeps", tmp_path, METHOD="bayes", COUNT=4, WORKERS=2)
    runs = read_runs(offline)
    assert len({r["run_id"] for r in runs}) == 4
    assert {r["job_type"] for r in runs} == {"sweep"}


@pytest.mark.parametrize(
    "notebook", seats_but(NOTEBOOK_PATHS, {"05_sklearn_plots"}, ids=lambda p: p.stem)
)
def test_every_notebook_refuses_a_project_wandb_would_reject(offline, tmp_path, notebook):
    with pytest.raises(pm.PapermillExecutionError) as error:
        _execute(notebook.stem, tmp_path, PROJECT="my-team/iris")
    assert "Invalid project name 'my-team/iris'" in str(error.value)
    assert "use entity='my-team', project='iris'" in str(error.value)
    assert not offline.exists() or read_runs(offline) == []


def test_06_takes_students_as_one_comma_separated_string(offline, tmp_path):
    _execute("06_entities", tmp_path, STUDENTS="ada, grace")
    runs = read_runs(offline)
    assert sorted(r["name"].split("-")[0] for r in runs) == ["ada", "grace"]


def test_07_grid_rerun(offline, tmp_path):
    _execute("07_sweeps", tmp_path, METHOD="grid", COUNT=3)
    runs = read_runs(offline)
    assert len(runs) == 3
    # a grid never repeats a combination (a random search may)
    assert (
        len({(r["config"]["n_neighbors"], r["config"]["weights"], r["config"]["p"]) for r in runs})
        == 3
    )


def test_07_same_seed_same_runs_and_importance(offline, tmp_path, monkeypatch):
    """One answer key per class: two students with the same SEED get the same sweep."""
    tables = []
    for student in ("ada", "grace"):
        folder = tmp_path / student
        folder.mkdir()
        monkeypatch.setenv("WANDB_DIR", str(folder))
        _execute("07_sweeps", folder, SEED=7, COUNT=5)
        runs = read_runs(folder / "wandb")
        settings = [tuple(r["config"][p] for p in ("n_neighbors", "weights", "p")) for r in runs]
        tables.append((settings, [r["summary"]["accuracy"] for r in runs]))
    assert tables[0] == tables[1]
    assert len(tables[0][0]) == 5
