"""One test per item of helpers.wandb_internals: an upgrade that breaks one fails here, by name.

Each test uses the installed wandb as the course does and checks the effect the course relies
on, not only that a name exists. After an upgrade: run this file, fix each item it names (or
replace it with the public way), then raise ``VERIFIED_ON``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import wandb
import yaml

from helpers import wandb_internals as internals
from helpers.run_files import run_file
from tests.conftest import ROOT, run_python

KEY = "a" * 40


@pytest.fixture
def fresh(offline, monkeypatch):
    """An offline wandb with no account that reads the environment again; runs under ``offline``."""
    wandb.teardown()
    yield offline
    monkeypatch.undo()
    wandb.teardown()


def offline_run(**init: object) -> Path:
    """Log one step in an offline run and finish it; returns its ``run-*.wandb`` log."""
    with wandb.init(project="internals", **init) as run:
        run.log({"accuracy": 0.9})
    return run_file(run)


def test_verified_on_is_the_installed_wandb():
    assert wandb.__version__ == internals.VERIFIED_ON, (
        "another wandb is installed: run tests/test_wandb_internals.py, fix what it names, "
        "then set VERIFIED_ON in helpers/wandb_internals.py"
    )


def test_global_settings_reads_the_environment_without_starting_wandb_core(fresh, monkeypatch):
    monkeypatch.setenv("WANDB_BASE_URL", "http://wandb.example:8080")
    wandb.teardown()
    settings = internals.global_settings()
    assert settings.base_url == "http://wandb.example:8080"
    assert settings.app_url  # the public property key_page() builds on
    assert internals.SERVICE not in os.environ  # no service was started for it


def test_stored_credentials_finds_the_key_wandb_would_use_without_prompting(fresh, monkeypatch):
    host = str(internals.global_settings().base_url)
    assert internals.stored_credentials(host) is None  # no key anywhere: None, no prompt
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    assert internals.stored_credentials(host).api_key == KEY
    monkeypatch.setenv("WANDB_API_KEY", "half-a-key")
    with pytest.raises(wandb.errors.AuthenticationError):
        internals.stored_credentials(host)


def test_reload_settings_rereads_the_environment_through_load_settings(fresh, monkeypatch):
    from wandb.sdk import wandb_setup

    reload = getattr(wandb_setup.singleton(), "_load_settings", None)
    assert reload is not None, "wandb_setup._WandbSetup._load_settings is gone"
    parameters = set(inspect.signature(reload).parameters)
    assert {"system_settings_path", "disable_sagemaker"} <= parameters
    assert internals.global_settings().run_group is None
    monkeypatch.setenv("WANDB_RUN_GROUP", "reloaded")
    internals.reload_settings()
    assert internals.global_settings().run_group == "reloaded"


def test_run_is_finished_flips_when_the_run_finishes(fresh):
    run = wandb.init(project="internals")
    try:
        assert hasattr(run, "_is_finished"), "wandb.Run._is_finished is gone"
        assert internals.run_is_finished(run) is False
    finally:
        run.finish()
    assert internals.run_is_finished(run) is True


def test_import_public_api_is_what_the_first_wandb_init_imports(tmp_path):
    code = (
        "import sys, wandb\n"
        "print('before:', 'wandb.apis.public' in sys.modules)\n"
        "wandb.init(project='internals', mode='offline').finish()\n"
        "print('after:', 'wandb.apis.public' in sys.modules)\n"
    )
    result = run_python(code, ROOT, {"WANDB_DIR": str(tmp_path), "WANDB_SILENT": "true"})
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith(("before", "after"))]
    assert lines == ["before: False", "after: True"]


def test_leet_inspect_command_prints_what_wandb_leet_inspect_prints(fresh):
    log = offline_run()
    command = internals.leet_inspect_command(log, "--summary", "--json")
    assert Path(command[0]).name == internals.CORE_PROGRAM  # wandb-core, not the CLI fallback
    ours = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert ours.returncode == 0, ours.stderr
    cli = shutil.which("wandb", path=str(Path(sys.executable).parent))
    theirs = subprocess.run(
        [cli, "leet", "inspect", "--summary", "--json", str(log)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert theirs.returncode == 0, theirs.stderr
    assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    assert json.loads(ours.stdout)["summary"]["accuracy"] == 0.9


def test_sweep_param_path_gives_wandb_init_the_agents_parameters(fresh, monkeypatch, tmp_path):
    assert wandb.env.SWEEP_PARAM_PATH == internals.SWEEP_PARAM_PATH
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"n_neighbors": {"value": 7}}))
    monkeypatch.setenv(internals.SWEEP_PARAM_PATH, str(params))
    wandb.teardown()
    with wandb.init(project="internals") as run:
        assert run.config["n_neighbors"] == 7


def test_save_requirements_false_skips_requirements_txt(fresh, monkeypatch):
    listed = offline_run().parent / "files" / "requirements.txt"
    assert listed.is_file()  # by default wandb lists the installed packages
    monkeypatch.setenv(internals.SAVE_REQUIREMENTS, "false")
    wandb.teardown()
    assert internals.global_settings().x_save_requirements is False
    skipped = offline_run().parent / "files"
    assert skipped.is_dir() and not (skipped / "requirements.txt").exists()


def test_service_is_where_wandb_tells_children_its_wandb_core(tmp_path):
    assert wandb.env.SERVICE == internals.SERVICE
    code = (
        "import os, wandb\n"
        f"print('before:', {internals.SERVICE!r} in os.environ)\n"
        "wandb.setup()\n"
        f"print('after:', {internals.SERVICE!r} in os.environ)\n"
        "wandb.teardown()\n"
    )
    result = run_python(
        code, ROOT, {"WANDB_DIR": str(tmp_path), "WANDB_MODE": "offline", internals.SERVICE: None}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ["before: False", "after: True"]


def test_core_path_is_where_wandb_finds_its_service_program():
    from wandb.util import get_core_path

    assert Path(get_core_path()).name == internals.CORE_PROGRAM
    assert internals.core_path() == get_core_path()
    code = (
        "import sys\n"
        "from helpers.wandb_internals import core_path\n"
        "core_path()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'wandb'))\n"
    )
    result = run_python(code, ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"  # found without importing wandb


@pytest.mark.parametrize("module, attribute", internals.AGENT_WAITS.items())
def test_agent_waits_are_class_attributes_the_agents_sleep_on(module, attribute):
    agent = importlib.import_module(module).Agent
    assert isinstance(getattr(agent, attribute, None), (int, float)), f"{module}.Agent.{attribute}"
    assert f"self.{attribute}" in inspect.getsource(agent)  # read per instance: setattr works


def test_run_record_handover_is_what_wandb_init_hands_the_run_record_through(tmp_path):
    owner, name = internals.run_record_handover()
    assert callable(getattr(owner, name, None)), f"{owner.__qualname__}.{name} is gone"
    code = (
        "import wandb\n"
        "from helpers.wandb_internals import run_record_handover\n"
        "owner, name = run_record_handover()\n"
        "original = getattr(owner, name)\n"
        "def seen(self, run):\n"
        "    print('handed over:', run.id)\n"
        "    return original(self, run)\n"
        "setattr(owner, name, seen)\n"
        "wandb.init(project='internals', id='handover').finish()\n"
    )
    result = run_python(code, ROOT, {"WANDB_DIR": str(tmp_path), "WANDB_MODE": "offline"})
    assert result.returncode == 0, result.stderr
    assert "handed over: handover" in result.stdout.splitlines()


def test_key_prompt_url_is_the_page_wandbs_login_prompt_prints(fresh, monkeypatch):
    from wandb.sdk.lib.wbauth import prompt

    printed: list[str] = []
    monkeypatch.setattr(prompt.term, "termlog", printed.append)
    monkeypatch.setattr(prompt.term, "terminput", lambda *args, **kwargs: KEY)
    host = str(internals.global_settings().base_url)
    assert prompt._use_existing_account(prompt.HostUrl(host), referrer="") == KEY
    assert f"Create a new API key at: {internals.key_prompt_url(host)}" in printed
