"""Every notebook online, against the W&B API stand-in: what wandb stored locally and what
``wandb.Api()`` lists from the server must be the same runs, with the same metrics, config,
tags, group and job type. Each notebook runs in its own kernel with an empty HOME, a dummy
key, ``WANDB_BASE_URL`` set and no ``WANDB_MODE``, as a student with an account would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from helpers.run_table import runs_table
from helpers.runs import read_runs
from helpers.sweep import load_sweep_config, parameter_importance
from tests.lessons import NAMES, lesson
from tests.standin.client import ROOT, child_env, disagreements, read_api, run_notebook

pytestmark = pytest.mark.slow


def _project(name: str) -> str:
    return f"online-{name[:2]}"


def _failure(name: str, outcome) -> str:
    return f"{name} failed online ({outcome.seconds:.0f} s):\n{outcome.stderr[-4000:]}"


def test_notebooks_01_to_06_online_agree_locally_and_through_the_api(wandb_server, tmp_path):
    names = [n for n in NAMES if n < "07"]

    def execute(name: str):
        env = child_env(wandb_server.env(tmp_path / name), tmp_path / name)
        return run_notebook(name, tmp_path / name, env, PROJECT=_project(name))

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = dict(zip(names, pool.map(execute, names), strict=True))
    failed = [_failure(n, o) for n, o in outcomes.items() if o.returncode != 0]
    assert not failed, "\n".join(failed)

    env = child_env(wandb_server.env(tmp_path / "api"), tmp_path / "api")
    online = read_api(env, wandb_server.entity, [_project(n) for n in names])["projects"]
    problems = []
    for name in names:
        local = read_runs(outcomes[name].wandb_dir)
        if len(local) != lesson(name).runs:
            problems.append(f"{name}: {len(local)} runs stored, {lesson(name).runs} expected")
        problems += [f"{name}: {p}" for p in disagreements(local, online[_project(name)])]
    assert not problems, "\n".join(problems)
    assert wandb_server.errors == []
    # advice for offline runs only: 01's run is on the server already
    shown = _shown(outcomes["01_login"].notebook)
    assert "browse: wandb leet" in shown and "upload: wandb sync" not in shown


def _shown(notebook) -> str:
    """Every text output of an executed notebook, stdout and stderr alike."""
    cells = nbformat.read(notebook, as_version=4).cells
    return "".join(
        out.get("text", "") or out.get("data", {}).get("text/plain", "")
        for cell in cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )


def test_07_sweep_online_lists_its_runs_through_the_api(wandb_server, tmp_path):
    name = "07_sweeps"
    env = child_env(wandb_server.env(tmp_path), tmp_path, fast_agents=True)
    outcome = run_notebook(name, tmp_path, env, PROJECT=_project(name), COUNT=10)
    assert outcome.returncode == 0, _failure(name, outcome)
    # quiet as offline: one progress bar, no console block or agent lines from wandb
    (sweep_cell,) = [
        c
        for c in nbformat.read(outcome.notebook, as_version=4).cells
        if c.cell_type == "code" and "wandb.agent(" in c.source
    ]
    bars = [o for o in sweep_cell.outputs if o.output_type == "display_data"]
    assert len(bars) == 1 and "10/10 runs" in bars[0].data["text/plain"], sweep_cell.outputs
    assert not [o for o in sweep_cell.outputs if "wandb:" in o.get("text", "")], sweep_cell.outputs
    # wandb's public Api makes $WANDB_DIR/<entity>/<project>/<run id>/ for each run it lists
    assert not (tmp_path / wandb_server.entity).exists()

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

    local = read_runs(outcome.wandb_dir)
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
