"""The course package installed alone: what a copy without the repository ships.

Each notebook opened alone with this installed copy is the ``installed-alone`` seat of the
seat table (tests/seats.py); the copy is the ``installed`` fixture of tests/conftest.py.
"""

from __future__ import annotations

import json

import yaml

from tests.conftest import NOTEBOOKS, run_python


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
