"""The setup call of every notebook: bad parameters refused in one line, the mode, quiet wandb."""

from __future__ import annotations

import os

import pytest

from helpers import course
from helpers.mode import SetupError
from tests.conftest import ROOT, run_python


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"COUNT": "ten"}, "COUNT must be a whole number >= 1, got 'ten'"),
        ({"COUNT": 0}, "COUNT must be a whole number >= 1, got 0"),
        ({"WORKERS": True}, "WORKERS must be a whole number >= 1, got True"),
        ({"SEED": -1}, "SEED must be a whole number >= 0, got -1"),
        ({"SEED": 1.5}, "SEED must be a whole number >= 0, got 1.5"),
        ({"HIST_FEATURE": "abc"}, "HIST_FEATURE must be a whole number >= 0, got 'abc'"),
        ({"HIST_FEATURE": 7}, "HIST_FEATURE must be a feature number 0..3"),
        ({"STUDENTS": 5}, "STUDENTS must be a list of names, e.g. ['ada', 'grace'], got 5"),
        ({"STUDENTS": ["ada", ""]}, "each of STUDENTS must be a non-empty name, got ''"),
        ({"GROUP": ""}, "GROUP must be a non-empty name, got ''"),
        ({"METHOD": "grd"}, "METHOD must be one of '', 'grid', 'random', 'bayes', got 'grd'"),
        ({"MODEL": "SVC"}, "MODEL must be one of 'LogisticRegression', "),
        ({"MODE": "onlien"}, "MODE must be one of '', 'online', 'offline', 'disabled'"),
        ({"PROJECT": "team/iris"}, "use entity='team', project='iris'"),
        ({"ENTITY": "a b"}, "ENTITY: entity 'a b' must be one user or team name"),
        ({"MODEL_NAME": "x"}, "unknown parameter MODEL_NAME; known: PROJECT, ENTITY, MODE"),
    ],
)
def test_a_bad_parameter_is_one_line_before_any_run(offline, parameters, message):
    with pytest.raises(SetupError) as caught:
        course.setup(**parameters)
    assert message in str(caught.value)
    assert caught.value._render_traceback_() == [f"SetupError: {caught.value}"]
    assert not offline.exists() or not list(offline.glob("*run-*"))


def test_good_parameters_pass_and_papermill_strings_of_names_are_accepted(offline, capsys):
    mode = course.setup(
        PROJECT="iris-course",
        ENTITY=None,
        MODEL="KNeighborsClassifier",
        SEED=0,
        COUNT=10,
        WORKERS=1,
        METHOD="",
        GROUP="lab-1",
        STUDENTS="ada, grace",
        HIST_FEATURE=3,
        MODE="",
    )
    assert mode == "offline"


def test_disabled_says_so_in_one_line(offline, monkeypatch, capsys):
    monkeypatch.setenv("WANDB_MODE", "disabled")
    assert course.setup(PROJECT="iris-course") == "disabled"
    assert capsys.readouterr().out.strip() == (
        "wandb: disabled, so nothing is stored; the checks will say so."
    )


def test_runs_after_setup_are_quiet_unless_the_console_is_taught(offline, monkeypatch, capfd):
    import wandb

    monkeypatch.delenv("WANDB_SILENT")
    wandb.teardown()
    course.setup(PROJECT="iris-course", MODE="offline")
    with wandb.init(project="iris-course", mode="offline") as run:
        run.log({"a": 1})
    assert "wandb:" not in capfd.readouterr().err
    wandb.teardown()
    monkeypatch.delenv("WANDB_SILENT")  # the quiet setup set it; 02 runs in a kernel of its own
    course.setup(PROJECT="iris-course", MODE="offline", show_console=True)
    with wandb.init(project="iris-course", mode="offline") as run:
        run.log({"a": 1})
    assert "Run summary" in capfd.readouterr().err
    wandb.teardown()


def test_runs_stay_quiet_after_wandb_agent_tears_wandb_down(offline, monkeypatch, capfd):
    import wandb

    monkeypatch.delenv("WANDB_SILENT")
    wandb.teardown()
    settings = offline.parent / "config" / "settings"  # as `wandb.login()` leaves it online
    settings.parent.mkdir()
    settings.write_text("[default]\nbase_url = https://api.wandb.ai\n")
    monkeypatch.delenv("WANDB_MODE")  # choosing the mode looks for a key: wandb's first setup
    assert course.setup(PROJECT="iris-course") == "offline"
    wandb.termlog("a message wandb prints")  # e.g. "Loaded credentials ..." when logging in
    wandb.teardown()  # wandb.agent does this before each run of an online sweep
    with wandb.init(project="iris-course", mode="offline") as run:
        run.log({"a": 1})
    assert "wandb:" not in capfd.readouterr().err
    wandb.teardown()


def test_setup_fits_on_one_thread(offline, monkeypatch):
    import sklearn.linear_model  # noqa: F401 (loads the BLAS and OpenMP libraries to limit)
    from threadpoolctl import threadpool_info

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    course.setup(PROJECT="iris-course", MODE="offline")
    assert {pool["num_threads"] for pool in threadpool_info()} == {1}
    assert os.environ["OMP_NUM_THREADS"] == "1"


def test_the_notebook_jupyter_started_is_named_for_wandb(tmp_path, monkeypatch):
    notebook = tmp_path / "03_config.ipynb"
    notebook.write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WANDB_NOTEBOOK_NAME", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", str(notebook))
    course.name_the_notebook()
    assert os.environ["WANDB_NOTEBOOK_NAME"] == "03_config.ipynb"

    monkeypatch.setenv("WANDB_NOTEBOOK_NAME", "mine.ipynb")  # the student's own choice stays
    course.name_the_notebook()
    assert os.environ["WANDB_NOTEBOOK_NAME"] == "mine.ipynb"

    monkeypatch.delenv("WANDB_NOTEBOOK_NAME")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "Untitled-session-id"))  # no such file
    course.name_the_notebook()
    assert "WANDB_NOTEBOOK_NAME" not in os.environ


@pytest.mark.parametrize("mode, loaded", [("offline", True), ("disabled", False)])
def test_setup_imports_wandbs_public_api_before_the_first_run(tmp_path, mode, loaded):
    # wandb.init imports it the first time, from deep in its own imports, where it is slow;
    # a disabled run never imports it, so setup() leaves it alone then.
    code = (
        "import sys\n"
        "import wandb\n"
        "print('after import wandb:', 'wandb.apis.public' in sys.modules)\n"
        "from helpers.course import setup\n"
        f"setup(PROJECT='p', MODE={mode!r})\n"
        "print('after setup:', 'wandb.apis.public' in sys.modules)\n"
    )
    result = run_python(code, ROOT, {"WANDB_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("after ")] == [
        "after import wandb: False",
        f"after setup: {loaded}",
    ]


@pytest.mark.parametrize(
    "call",
    [
        "from helpers.course import setup; setup(PROJECT='p', MODE='offline')",
        "from helpers.sweep import validate_sweep_config; "
        "validate_sweep_config({'method': 'random', 'parameters': {'a': {'values': [1, 2]}}})",
        "from pathlib import Path; from helpers.batch import declared_parameter; "
        "declared_parameter(Path('notebooks/03_config.ipynb'), 'MODEL')",
    ],
    ids=["setup", "sweep engine", "papermill batch"],
)
def test_jsonschema_is_loaded_without_its_iri_parser_which_stays_importable(tmp_path, call):
    # A stand-in for rfc3987-syntax (JupyterLab installs the real one, which takes seconds to
    # import): jsonschema must be loaded without it, and later imports must still get it.
    stand_in = "def is_valid_syntax(term, value):\n    return True\n"
    (tmp_path / "rfc3987_syntax.py").write_text(stand_in)
    code = (
        "import sys\n"
        f"{call}\n"
        "print('jsonschema:', 'jsonschema' in sys.modules)\n"
        "print('iri parser:', 'rfc3987_syntax' in sys.modules)\n"
        "import rfc3987_syntax\n"
        "print('importable after:', rfc3987_syntax.is_valid_syntax('iri', 'x'))\n"
    )
    env = {"PYTHONPATH": str(tmp_path), "WANDB_DIR": str(tmp_path)}
    result = run_python(code, ROOT, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-3:] == [
        "jsonschema: True",
        "iri parser: False",
        "importable after: True",
    ]
