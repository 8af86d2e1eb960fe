"""scripts/install.py: every venv the Makefile builds, with uv where it can, pip where not."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.tooling

SPEC = importlib.util.spec_from_file_location("install", ROOT / "scripts" / "install.py")
install = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(install)


def test_pips_index_settings_become_uvs_options():
    settings = {
        "index-url": "https://mirror.example/simple",
        "extra-index-url": "file:///opt/pypi/simple file:///opt/pypi-more/simple",
        "find-links": "/opt/wheels",
        "constraint": "/etc/xdg/pip/constraints.txt",
        "cert": "/etc/ssl/certs/ca-certificates.crt",
        "default-timeout": "180",
    }
    args, env = install.uv_options(settings)
    assert args == [
        "--index-url",
        "https://mirror.example/simple",
        "--extra-index-url",
        "file:///opt/pypi/simple",
        "--extra-index-url",
        "file:///opt/pypi-more/simple",
        "--find-links",
        "/opt/wheels",
        "--constraint",
        "/etc/xdg/pip/constraints.txt",
        # pip takes the best version from any index; uv's default is the first index's
        "--index-strategy",
        "unsafe-best-match",
    ]
    assert env["UV_HTTP_TIMEOUT"] == "180"
    assert install.uv_options({}) == ([], {})


def test_pip_config_reads_pips_variables_over_its_files(monkeypatch, tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nfind-links = /from/the/file\nextra-index-url = file:///x\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_FIND_LINKS", "/from/the/environment")
    settings = install.pip_config()
    assert settings["find-links"] == "/from/the/environment"
    assert settings["extra-index-url"] == "file:///x"


def test_when_uv_cannot_be_installed_pip_builds_the_venv(monkeypatch, tmp_path, capsys):
    # No index at all and nowhere to find uv: pip's own install of uv fails, so pip builds it.
    monkeypatch.setattr(install, "TOOLS", tmp_path / "tools")
    monkeypatch.setattr(install, "UV", tmp_path / "tools" / "bin" / "uv")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    venv = tmp_path / "venv"
    assert install.main([str(venv), "--", "--no-index", "pip"]) == 0
    said = capsys.readouterr()
    assert re.search(r"uv could not be installed \(.*\); installing with pip", said.err)
    assert said.out.startswith(f"{venv}: installed with pip in ")
    pip = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True)
    assert pip.returncode == 0


def test_a_failed_install_names_the_command_and_keeps_its_status(monkeypatch, tmp_path, capsys):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    with pytest.raises(SystemExit) as stopped:
        install.with_pip(venv, sys.executable, ["--no-index", "pip"])  # the venv has no pip
    assert stopped.value.code != 0
    assert (
        f"failed ({stopped.value.code}): {venv}/bin/python -m pip install"
        in capsys.readouterr().err
    )


def test_every_venv_in_the_makefile_is_built_by_the_one_installer():
    makefile = (ROOT / "Makefile").read_text()
    assert not re.search(r"-m venv|-m pip install|pip install", makefile), (
        "a venv built or filled outside scripts/install.py: use $(INSTALL) VENV -- ARGS"
    )
    assert makefile.count("$(INSTALL) ") >= 4  # .venv, lab, browser, oldest
    colab = (ROOT / "tests" / "test_colab.py").read_text()
    assert 'scripts" / "install.py"' in colab and '"-m", "venv"' not in colab


def test_usage_without_a_venv(tmp_path):
    result = subprocess.run(
        [sys.executable, ROOT / "scripts" / "install.py"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "venv" in result.stderr


def _make_dry_run(*args: str) -> str:
    """The commands ``make`` would run (``-n``: none is run), targets remade as if stale."""
    result = subprocess.run(
        ["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout


def test_the_readmes_make_variables_reach_the_installer_and_the_runner(tmp_path):
    # `make run INSTALLER=pip` and `make run WORKERS=1`, as the README writes them.
    commands = _make_dry_run("run", "INSTALLER=pip", "WORKERS=1", f"VENV={tmp_path / 'v'}")
    assert f"scripts/install.py --installer pip {tmp_path / 'v'} -- -e" in commands
    assert re.search(r"scripts/run_notebooks\.py outputs( notebooks/\S+)+ --workers 1\n", commands)
    default = _make_dry_run("run", f"VENV={tmp_path / 'v'}")
    assert "--installer uv" in default and "--workers" not in default


def test_make_lets_python_keep_the_bytecode_it_compiles(tmp_path):
    """With PYTHONDONTWRITEBYTECODE set, every process would compile wandb and scikit-learn
    from source again; no make target passes it on."""
    shown = subprocess.run(
        ["make", "-s", "-f", str(ROOT / "Makefile"), "--eval", PRINTENV, "printenv"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "unset"


PRINTENV = "printenv:\n\t@printenv PYTHONDONTWRITEBYTECODE || echo unset"
