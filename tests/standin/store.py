"""What the stand-in remembers: projects, runs, sweeps and agents, as W&B's server keeps them.

Runs arrive through ``UpsertBucket`` (identity, config, tags...), ``file_stream`` (history,
summary, exit code) and file uploads; sweeps through ``UpsertSweep``; each agent heartbeat
asks W&B's own sweep engine (``sweeps.next_run``) for the next run, as the real server does.
"""

from __future__ import annotations

import base64
import json
import random
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sweeps
import yaml
from graphql import GraphQLError
from sweeps import schema_violations_from_proposed_config


def now() -> str:
    """Timestamps the way W&B's API writes them (UTC, no zone suffix)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def new_id(length: int = 8) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


@dataclass
class StoredRun:
    entity: str
    project: str
    name: str
    display_name: str = ""
    group: str = ""
    job_type: str = ""
    notes: str = ""
    tags: list[str] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)  # {"key": {"value": ..., "desc": ...}}
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    state: str = "running"
    exitcode: int | None = None
    sweep: str = ""
    host: str = ""
    program: str = ""
    commit: str = ""
    created_at: str = field(default_factory=now)
    heartbeat_at: str = field(default_factory=now)

    @property
    def params(self) -> dict[str, Any]:
        """The config as plain values, without wandb's own ``_wandb`` entry."""
        return {
            key: value.get("value") if isinstance(value, dict) else value
            for key, value in self.config.items()
            if key != "_wandb"
        }


@dataclass
class StoredSweep:
    entity: str
    project: str
    name: str
    config: dict[str, Any]
    config_yaml: str
    state: str = "RUNNING"
    created_at: str = field(default_factory=now)


class Store:
    """Everything the stand-in was told, behind one lock (handlers run in threads)."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.lock = threading.RLock()
        self.projects: dict[tuple[str, str], int] = {}
        self.runs: dict[tuple[str, str, str], StoredRun] = {}
        self.sweeps: dict[tuple[str, str, str], StoredSweep] = {}
        self.agents: dict[str, StoredSweep] = {}
        # Run artifacts (wandb.Table and the sklearn charts): id -> fields, and the files.
        self.artifacts: dict[str, dict[str, Any]] = {}

    # -- projects and runs -------------------------------------------------------------
    def project_id(self, entity: str, project: str) -> int:
        with self.lock:
            return self.projects.setdefault((entity, project), len(self.projects) + 1)

    def run(self, entity: str, project: str, name: str) -> StoredRun | None:
        return self.runs.get((entity, project, name))

    def runs_of(self, entity: str, project: str) -> list[StoredRun]:
        with self.lock:
            return [r for (e, p, _), r in self.runs.items() if (e, p) == (entity, project)]

    def upsert_run(self, fields: dict[str, Any]) -> tuple[StoredRun, bool]:
        entity = fields.get("entityName") or self.entity
        project = fields.get("modelName") or "uncategorized"
        name = fields.get("name") or new_id()
        with self.lock:
            self.project_id(entity, project)
            run = self.runs.get((entity, project, name))
            inserted = run is None
            if run is None:
                run = self.runs[(entity, project, name)] = StoredRun(entity, project, name)
            simple = {
                "displayName": "display_name",
                "groupName": "group",
                "jobType": "job_type",
                "notes": "notes",
                "host": "host",
                "jobProgram": "program",
                "commit": "commit",
                "sweep": "sweep",
                "state": "state",
            }
            for key, attr in simple.items():
                if fields.get(key) is not None:
                    setattr(run, attr, fields[key])
            if fields.get("tags") is not None:
                run.tags = list(fields["tags"])
            if fields.get("config"):
                run.config.update(json.loads(fields["config"]))
            if fields.get("summaryMetrics"):
                run.summary.update(json.loads(fields["summaryMetrics"]))
            run.heartbeat_at = now()
            return run, inserted

    def file_stream(self, entity: str, project: str, name: str, body: dict[str, Any]) -> None:
        """Apply one ``file_stream`` post: history and event lines, summary, console, exit."""
        with self.lock:
            run = self.runs.get((entity, project, name))
            if run is None:
                raise KeyError(f"file_stream for unknown run {entity}/{project}/{name}")
            for file_name, chunk in (body.get("files") or {}).items():
                offset, lines = chunk.get("offset", 0), chunk.get("content", [])
                if file_name == "wandb-history.jsonl":
                    del run.history[offset:]
                    run.history.extend(json.loads(line) for line in lines)
                elif file_name == "wandb-events.jsonl":
                    del run.events[offset:]
                    run.events.extend(json.loads(line) for line in lines)
                elif file_name == "wandb-summary.json":
                    if lines:
                        run.summary = json.loads(lines[-1])
                elif file_name == "output.log":
                    del run.output[offset:]
                    run.output.extend(lines)
                else:
                    raise KeyError(f"file_stream sent an unknown file {file_name!r}")
            run.heartbeat_at = now()
            if body.get("complete"):
                run.exitcode = body.get("exitcode")
                run.state = "finished" if not run.exitcode else "failed"

    # -- artifacts ---------------------------------------------------------------------
    def create_artifact(self, fields: dict[str, Any]) -> dict[str, Any]:
        """A new artifact version, or the stored one with the same digest (wandb dedupes)."""
        with self.lock:
            key = (fields["entityName"], fields["projectName"], fields["artifactCollectionName"])
            for artifact in self.artifacts.values():
                if artifact["collection"] == key and artifact["digest"] == fields["digest"]:
                    return artifact
            artifact = {
                "id": graphql_id("Artifact", new_id(12)),
                "collection": key,
                "type": fields["artifactTypeName"],
                "digest": fields["digest"],
                "state": "PENDING",
                "run": fields.get("runName"),
                "files": {},
            }
            self.artifacts[artifact["id"]] = artifact
            return artifact

    def latest_artifact(self, entity: str, project: str, name: str) -> dict[str, Any] | None:
        collection = (entity, project, name.split(":")[0])
        found = [a for a in self.artifacts.values() if a["collection"] == collection]
        return found[-1] if found else None

    # -- sweeps ------------------------------------------------------------------------
    def upsert_sweep(self, fields: dict[str, Any]) -> tuple[StoredSweep, bool]:
        entity = fields.get("entityName") or self.entity
        project = fields.get("projectName") or "uncategorized"
        with self.lock:
            self.project_id(entity, project)
            if fields.get("id"):
                sweep = self.sweep_by_id(fields["id"])
                if sweep is None:
                    raise GraphQLError(f"sweep {fields['id']} not found")
                if fields.get("state"):
                    sweep.state = fields["state"]
                return sweep, False
            config_yaml = fields.get("config") or ""
            config = yaml.safe_load(config_yaml) or {}
            violations = schema_violations_from_proposed_config(config)
            if violations:
                raise GraphQLError("invalid sweep config: " + "; ".join(violations))
            sweep = StoredSweep(entity, project, new_id(), config, config_yaml)
            self.sweeps[(entity, project, sweep.name)] = sweep
            return sweep, True

    def sweep(self, entity: str, project: str, name: str) -> StoredSweep | None:
        return self.sweeps.get((entity, project, name))

    def sweep_by_id(self, sweep_id: str) -> StoredSweep | None:
        for sweep in self.sweeps.values():
            if sweep_id in (sweep.name, graphql_id("Sweep", sweep.name)):
                return sweep
        return None

    def sweep_runs(self, sweep: StoredSweep) -> list[StoredRun]:
        return [r for r in self.runs_of(sweep.entity, sweep.project) if r.sweep == sweep.name]

    def create_agent(self, entity: str, project: str, sweep_name: str) -> str:
        with self.lock:
            sweep = self.sweep(entity or self.entity, project or "uncategorized", sweep_name)
            if sweep is None:
                raise GraphQLError(f"sweep {entity}/{project}/{sweep_name} not found")
            agent_id = graphql_id("Agent", new_id())
            self.agents[agent_id] = sweep
            return agent_id

    def heartbeat(self, agent_id: str, run_state: dict[str, Any]) -> list[dict[str, Any]]:
        """The agent's next commands: nothing while it has a run going, else the engine's pick."""
        with self.lock:
            sweep = self.agents.get(agent_id)
            if sweep is None:
                raise GraphQLError(f"agent {agent_id} not found")
            if any(state in (True, "running") for state in run_state.values()):
                return []
            if sweep.state != "RUNNING":
                return [{"type": "exit"}]
            runs = self.sweep_runs(sweep)
            cap = sweep.config.get("run_cap")
            if cap is not None and len(runs) >= cap:
                sweep.state = "FINISHED"
                return [{"type": "exit"}]
            suggestion = sweeps.next_run(
                sweep.config,
                [
                    sweeps.SweepRun(
                        name=r.name,
                        state=r.state
                        if r.state in {s.value for s in sweeps.RunState}
                        else "running",
                        config=r.config,
                        summaryMetrics=r.summary,
                        history=r.history,
                    )
                    for r in runs
                ],
            )
            if suggestion is None:  # a grid with every point tried
                sweep.state = "FINISHED"
                return [{"type": "exit"}]
            run = StoredRun(sweep.entity, sweep.project, new_id(), state="pending")
            run.sweep, run.config = sweep.name, dict(suggestion.config)
            self.runs[(run.entity, run.project, run.name)] = run
            return [
                {
                    "type": "run",
                    "run_id": run.name,
                    "run_storage_id": graphql_id("Run", run.name),
                    "program": sweep.config.get("program"),
                    "args": suggestion.config,
                }
            ]


def graphql_id(kind: str, *parts: str) -> str:
    """W&B's opaque ids: base64 of ``Kind:v1:part:...``."""
    return base64.b64encode(":".join([kind, "v1", *parts]).encode()).decode()
