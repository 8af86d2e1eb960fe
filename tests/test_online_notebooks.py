"""Notebook 07 online, against the W&B API stand-in: the sweep's runs that wandb stored locally
and those ``wandb.Api()`` lists from the server must be the same, with the same metrics and
config. It runs in its own kernel with an empty HOME, a dummy key, ``WANDB_BASE_URL`` set and
no ``WANDB_MODE``, as a student with an account would. Notebooks 01-06 in that seat are the
``online`` row of the seat table (tests/seats.py, tests/test_seats.py).
"""

from __future__ import annotations

import nbformat
import pytest

from helpers.run_table import runs_table
from helpers.sweep import load_sweep_config, parameter_importance
from tests.harness import execute
from tests.lessons import NOTEBOOKS
from tests.seats import project as _project
from tests.standin.client import ROOT, child_env, disagreements, read_api

pytestmark = pytest.mark.slow


def test_07_sweep_online_lists_its_runs_through_the_api(wandb_server, tmp_path):
    name = "07_sweeps"
    home = tmp_path / "home"
    env = child_env(wandb_server.env(home), home, fast_agents=True)
    done = execute(
        NOTEBOOKS / f"{name}.ipynb",
        home,
        env,
        parameters={"PROJECT": _project(name), "COUNT": 10},
        save_to=tmp_path / f"executed-{name}.ipynb",
    )
    assert not done.failed, done.why()
    # quiet as offline: one progress bar, no console block or agent lines from wandb
    (sweep_cell,) = [
        c for c in done.notebook.cells if c.cell_type == "code" and "wandb.agent(" in c.source
    ]
    bars = [o for o in sweep_cell.outputs if o.output_type == "display_data"]
    assert len(bars) == 1 and "10/10 runs" in bars[0].data["text/plain"], sweep_cell.outputs
    assert not [o for o in sweep_cell.outputs if "wandb:" in o.get("text", "")], sweep_cell.outputs
    # wandb's public Api makes $WANDB_DIR/<entity>/<project>/<run id>/ for each run it lists
    assert not (home / wandb_server.entity).exists()

    (sweep,) = [s for s in wandb_server.sweeps() if s.project == _project(name)]
    course = load_sweep_config()
    assert (sweep.config["method"], set(sweep.config["parameters"])) == (
        course["method"],
        set(course["parameters"]),
    )
    path = f"{sweep.entity}/{sweep.project}/{sweep.name}"
    found = read_api(env, wandb_server.entity, [_project(name)], [path])
    listed = found["sweeps"][path]["runs"]
    assert len(listed) == 10

    local = done.runs()
    assert sorted(r["run_id"] for r in local) == listed
    assert disagreements(local, found["projects"][_project(name)]) == []
    assert {r["sweep"] for r in found["projects"][_project(name)]} == {sweep.name}

    # The table and the importance the notebook shows, built from the runs the Api listed.
    params = [p for p, spec in sweep.config["parameters"].items() if "value" not in spec]
    table = runs_table([r for r in local if r["run_id"] in listed], sort_by="accuracy")
    assert len(table) == 10 and table["accuracy"].notna().all()
    importance = parameter_importance(table, "accuracy", params)
    # one row per parameter, or per value of a categorical one ("weights=uniform")
    assert {row.split("=")[0] for row in importance.index} == set(params)
    assert wandb_server.errors == []


def test_07_says_how_long_the_agent_waits_between_runs():
    from wandb.agents.pyagent import Agent

    cells = nbformat.read(ROOT / "notebooks" / "07_sweeps.ipynb", as_version=4).cells
    text = " ".join(" ".join(c.source.split()) for c in cells if c.cell_type == "markdown")
    seconds = Agent.HEARTBEAT_SLEEP_SECONDS
    assert f"the agent waits for its next heartbeat, a call every {seconds} seconds" in text
