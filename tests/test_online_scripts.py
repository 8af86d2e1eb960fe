"""The command-line paths online, against the W&B API stand-in: a sweep that other machines
join with ``wandb agent ENTITY/PROJECT/SWEEP_ID``, and ``wandb sync`` of offline runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from helpers.runs import read_runs
from tests.standin.client import child_env, disagreements, read_api, run

pytestmark = pytest.mark.slow

WANDB = str(Path(sys.executable).parent / "wandb")  # the venv's own `wandb` command


def test_sweep_script_prints_the_full_agent_command_that_another_machine_joins_with(
    wandb_server, tmp_path
):
    project = "online-sweep-script"
    env = child_env(wandb_server.env(tmp_path), tmp_path, fast_agents=True)
    started = run(
        [sys.executable, "scripts/wandb_sweep.py", "--count", "2", "--project", project], env
    )
    assert started.returncode == 0, started.stderr[-3000:]
    (sweep,) = [s for s in wandb_server.sweeps() if s.project == project]
    command = re.search(r"wandb agent (\S+)", started.stdout)
    assert command, started.stdout
    assert command.group(1) == f"{wandb_server.entity}/{project}/{sweep.name}"

    # Another machine: its own HOME and run folder, the printed command, run as a process.
    other = tmp_path / "other-machine"
    other_env = child_env(wandb_server.env(other), other, fast_agents=True)
    joined = run([WANDB, "agent", "--count", "2", command.group(1)], other_env)
    assert joined.returncode == 0, joined.stderr[-3000:]

    by_agent = read_runs(joined.wandb_dir)
    assert len(by_agent) == 2, joined.stderr[-3000:]
    found = read_api(env, wandb_server.entity, [project], [command.group(1)])
    listed = found["sweeps"][command.group(1)]["runs"]
    assert len(listed) == 4
    assert {r["run_id"] for r in by_agent} <= set(listed)
    for stored in by_agent:  # trained by the script (the config's program), with its params
        assert stored["environment"]["program"].endswith("wandb_sweep.py")
        assert {"accuracy", "f1", "nll"} <= set(stored["summary"])
    both = read_runs(started.wandb_dir) + by_agent
    assert disagreements(both, found["projects"][project]) == []
    assert wandb_server.errors == []


def test_wandb_sync_uploads_offline_runs_and_the_api_lists_them(wandb_server, tmp_path):
    project = "online-sync"
    env = child_env(wandb_server.env(tmp_path), tmp_path)
    # Offline runs, as `make run` leaves them (WANDB_MODE=offline, a key and a server at hand).
    for model in ("LogisticRegression", "KNeighborsClassifier"):
        offline = {**env, "WANDB_MODE": "offline"}
        made = run(
            [sys.executable, "scripts/wandb_script.py", "--model", model, "--project", project],
            offline,
        )
        assert made.returncode == 0, made.stderr[-3000:]
    local = read_runs(made.wandb_dir)
    assert len(local) == 2 and not wandb_server.runs(project)

    folders = sorted(str(p) for p in made.wandb_dir.glob("offline-run-*"))
    synced = run([WANDB, "sync", *folders], env)
    assert synced.returncode == 0, synced.stderr[-3000:]

    online = read_api(env, wandb_server.entity, [project])["projects"][project]
    assert disagreements(local, online) == []
    assert wandb_server.errors == []
