"""Each notebook opened alone, as Colab opens it, with the package installed from a wheel.

The notebook is copied into an empty folder outside the repository and run there with
papermill; ``helpers`` comes from a non-editable install in a separate folder on
PYTHONPATH (no repository file can be reached). A dummy ``WANDB_API_KEY`` is set, and
the test fails if it shows up in the executed notebook, the stored run files or the
console output.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOTEBOOKS, checkout_copy, run_python, seats_but
from tests.lessons import NOTEBOOK_PATHS


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The course package built and installed (no dependencies) into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    checkout_copy(build / "src")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(build / "src"),
        ],
        check=True,
        capture_output=True,
    )
    return site


@pytest.mark.parametrize("notebook", seats_but(NOTEBOOK_PATHS, {"01_login"}, ids=lambda p: p.stem))
def test_notebook_runs_alone_and_never_leaks_the_key(notebook, installed, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(notebook, alone)
    key = secrets.token_hex(20)  # looks like a real key; made up for this test only
    env = {
        "PYTHONPATH": str(installed),
        "WANDB_API_KEY": key,
        "WANDB_MODE": "offline",
        "WANDB_DIR": str(alone),
        "WANDB_CONFIG_DIR": str(tmp_path / "cfg"),
        "NETRC": str(tmp_path / "netrc"),
    }
    where = run_python("import helpers; print(helpers.__file__)", alone, env)
    assert where.stdout.startswith(str(installed)), "helpers must come from the installed copy"

    papermill = ["-m", "papermill", "--cwd", str(alone), "-k", "python3"]
    executed = [str(alone / notebook.name), str(alone / f"executed-{notebook.name}")]
    result = run_python("", alone, env, args=papermill + executed)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in alone.iterdir() if p.suffix == ".ipynb") == sorted(
        [notebook.name, f"executed-{notebook.name}"]
    )

    leaks = [
        name for name, text in [("stdout", result.stdout), ("stderr", result.stderr)] if key in text
    ]
    for path in list(alone.rglob("*")) + list((tmp_path / "cfg").rglob("*")):
        if path.is_file() and key.encode() in path.read_bytes():
            leaks.append(str(path.relative_to(tmp_path)))
    assert leaks == [], f"the API key was written to: {leaks}"
    assert list((alone / "wandb").glob("offline-run-*")), "the notebook stored no run"


def test_an_installed_copy_reads_the_notebooks_sweep_config(installed, tmp_path):
    code = (
        "import json\n"
        "from helpers.sweep import COURSE_SWEEP, load_sweep_config\n"
        "print(COURSE_SWEEP)\n"
        "print(json.dumps(load_sweep_config()))\n"
    )
    result = run_python(code, tmp_path, {"PYTHONPATH": str(installed)})
    assert result.returncode == 0, result.stderr
    where, config = result.stdout.splitlines()[-2:]
    assert where.startswith(str(installed)), "the copy shipped with the package"
    assert json.loads(config) == yaml.safe_load((NOTEBOOKS / "sweep.yaml").read_text())
