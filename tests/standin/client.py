"""The client side of the online tests: run course code against a stand-in, read runs back.

Scripts run in child processes, notebooks in kernels (tests/harness.py), each with the
environment :func:`child_env` builds: an empty HOME, the stand-in's address and a dummy key,
and no WANDB_MODE, as a student with an account would. What wandb stored is read back
twice: locally with :func:`helpers.runs.read_runs` and through ``wandb.Api()`` (in a
child process too, so no wandb state leaks into the test process), and compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.wandb_internals import AGENT_WAITS
from tests.student import no_account

ROOT = Path(__file__).resolve().parents[2]

# A sitecustomize for child processes (kernels, scripts, `wandb agent`): when wandb's agent
# modules are imported, shorten their waits through wandb's own class attributes (the
# agents otherwise sleep 5 s between heartbeats and polls; the attributes are named in
# helpers.wandb_internals.AGENT_WAITS). Tests only; wandb is untouched.
_WAITS = {module: (attribute, 0.2) for module, attribute in AGENT_WAITS.items()}
FAST_AGENTS = f"""\
import importlib.abc
import importlib.util
import sys

WAITS = {_WAITS!r}


class _ShortenAgentWaits(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name not in WAITS:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            attribute, seconds = WAITS[name]
            setattr(module.Agent, attribute, seconds)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _ShortenAgentWaits())
"""


@dataclass
class Outcome:
    """How one child process ended: status, output, seconds, and its run folder."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    wandb_dir: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def child_env(
    base: dict[str, str], home: Path, fast_agents: bool = False, **extra: str
) -> dict[str, str]:
    """A student with no account (tests/student.py), plus ``base`` (e.g. ``server.env(home)``).

    The venv's bin folder goes first on PATH, as an activated venv has it, so that
    ``wandb agent`` finds this Python for the sweep's ``${interpreter}``.
    """
    env = no_account(home, **base)
    home.mkdir(parents=True, exist_ok=True)
    env["WANDB_DIR"] = str(home)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    if fast_agents:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [fast_agents_site(home), env.get("PYTHONPATH")])
        )
    env.update(extra)
    return env


def fast_agents_site(home: Path) -> str:
    """A folder under ``home`` whose ``sitecustomize.py`` shortens the agents' waits
    (:data:`FAST_AGENTS`): first on a child's PYTHONPATH."""
    site = home / "fast-agents"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(FAST_AGENTS)
    return str(site)


def run(args: list[str], env: dict[str, str], timeout: float = 600) -> Outcome:
    """Run a command from the repository root with no stdin, as CI does."""
    start = time.monotonic()
    done = subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    return Outcome(
        done.returncode,
        done.stdout,
        done.stderr,
        time.monotonic() - start,
        Path(env["WANDB_DIR"]) / "wandb",
    )


# Runs through wandb.Api(): one child process reads every project asked for.
_READ_API = r"""
import json, sys
import wandb

entity, projects, sweeps = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
api = wandb.Api(timeout=60)
found = {"projects": {}, "sweeps": {}}
for project in projects:
    runs = []
    for run in api.runs(f"{entity}/{project}"):
        runs.append({
            "id": run.id,
            "name": run.name,
            "state": run.state,
            "group": run.group or "",
            "job_type": run.job_type or "",
            "tags": list(run.tags),
            "config": {k: v for k, v in run.config.items() if not k.startswith("_")},
            "summary": {
                k: v for k, v in run.summary.items()
                if not k.startswith("_") and isinstance(v, (int, float, str, bool))
            },
            "history": len(run.history(pandas=False)),
            "sweep": run.sweep_name,
        })
    found["projects"][project] = runs
for path in sweeps:
    sweep = api.sweep(path)
    found["sweeps"][path] = {"state": sweep.state, "runs": sorted(r.id for r in sweep.runs)}
print(json.dumps(found))
"""


def read_api(
    env: dict[str, str], entity: str, projects: list[str], sweeps: list[str] = ()
) -> dict[str, Any]:
    """Every run of ``projects`` (and the runs of ``sweeps``) as ``wandb.Api()`` lists them."""
    done = run(
        [sys.executable, "-c", _READ_API, entity, json.dumps(projects), json.dumps(list(sweeps))],
        env,
        timeout=300,
    )
    if done.returncode != 0:
        raise AssertionError(f"wandb.Api() could not read the runs:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def disagreements(local: list[dict[str, Any]], online: list[dict[str, Any]]) -> list[str]:
    """Where the runs read from disk and the runs listed by ``wandb.Api()`` differ."""
    problems = []
    by_id = {run["id"]: run for run in online}
    local_ids = {run["run_id"] for run in local}
    if local_ids != set(by_id):
        problems.append(f"run ids differ: local {sorted(local_ids)}, Api {sorted(by_id)}")
    for mine in local:
        theirs = by_id.get(mine["run_id"])
        if theirs is None:
            continue
        rid = mine["run_id"]
        config = {k: v for k, v in (mine.get("config") or {}).items() if not k.startswith("_")}
        if config != theirs["config"]:
            problems.append(f"{rid}: config {config} != Api {theirs['config']}")
        metrics = {
            k: v
            for k, v in (mine.get("summary") or {}).items()
            if not k.startswith("_") and isinstance(v, (int, float))
        }
        if not metrics.items() <= theirs["summary"].items():
            problems.append(f"{rid}: metrics {metrics} != Api {theirs['summary']}")
        for key in ("group", "job_type"):
            if (mine.get(key) or "") != theirs[key]:
                problems.append(f"{rid}: {key} {mine.get(key)!r} != Api {theirs[key]!r}")
        if sorted(mine.get("tags") or []) != sorted(theirs["tags"]):
            problems.append(f"{rid}: tags {mine.get('tags')} != Api {theirs['tags']}")
        if mine.get("name") and mine["name"] != theirs["name"]:
            problems.append(f"{rid}: name {mine['name']!r} != Api {theirs['name']!r}")
        if theirs["state"] != "finished" or mine.get("state") != "finished":
            problems.append(f"{rid}: state {mine.get('state')} / Api {theirs['state']}")
    return problems
