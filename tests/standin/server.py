"""The HTTP side of the stand-in: GraphQL on ``/graphql``, ``file_stream``, uploads, telemetry.

GraphQL documents are parsed, validated and executed by ``graphql-core`` against
``schema.graphql``; the resolvers below read and write the :class:`~.store.Store`.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLScalarType,
    OperationDefinitionNode,
    build_schema,
    graphql_sync,
    parse,
)

from .filters import matches, sort_runs
from .store import Store, StoredRun, StoredSweep, graphql_id

SCHEMA = build_schema((Path(__file__).with_name("schema.graphql")).read_text())


def _json_string(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _set_scalar(name: str, serialize) -> None:
    scalar = SCHEMA.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)
    scalar.serialize = serialize  # type: ignore[method-assign]


_set_scalar("JSONString", _json_string)
_set_scalar("JSON", lambda value: value)
_set_scalar("DateTime", str)


def _page(items: list[Any], after: str | None, first: int | None) -> dict[str, Any]:
    """A Relay connection over ``items``; cursors are positions."""
    start = int(after) if after else 0
    stop = len(items) if first is None else min(len(items), start + first)
    return {
        "totalCount": len(items),
        "edges": [{"node": items[i], "cursor": str(i + 1)} for i in range(start, stop)],
        "pageInfo": {
            "startCursor": str(start),
            "endCursor": str(stop),
            "hasNextPage": stop < len(items),
            "hasPreviousPage": start > 0,
        },
    }


def _sampled(history: list[dict[str, Any]], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of one ``sampledHistory`` spec: each row cut to the asked keys (all when none)."""
    keys = spec.get("keys")
    if not keys:
        return list(history)
    rows = [{k: row[k] for k in keys if k in row} for row in history]
    return [row for row in rows if set(row) - {keys[0]}]


class Resolvers:
    """Turns stored objects into the dicts GraphQL reads; ``info``-taking lambdas take arguments."""

    def __init__(self, server: StandInServer) -> None:
        self.server = server
        self.store = server.store

    # -- shapes ------------------------------------------------------------------------
    def entity(self, name: str) -> dict[str, Any]:
        return {
            "id": graphql_id("Entity", name),
            "name": name,
            "organization": None,
        }

    def user(self) -> dict[str, Any]:
        name = self.store.entity
        return {
            "id": graphql_id("User", name),
            "name": name,
            "username": name,
            "email": f"{name}@example.com",
            "entity": name,
            "admin": False,
            "flags": "{}",
            "photoUrl": None,
            "defaultFramework": None,
            "userInfo": "{}",
            "teams": {"edges": [{"node": self.entity(name)}]},
        }

    def project(self, entity: str, name: str) -> dict[str, Any]:
        store = self.store
        pid = store.project_id(entity, name)

        def runs(filters: str | None = None) -> list[StoredRun]:
            found = store.runs_of(entity, name)
            return [r for r in found if matches(r, json.loads(filters) if filters else {})]

        def run(_info, name: str) -> dict[str, Any] | None:
            found = store.run(entity, project_name, name)
            return self.run(found) if found else None

        project_name = name
        return {
            "id": graphql_id("Project", name, entity),
            "internalId": str(pid),
            "name": name,
            "entityName": entity,
            "entity": self.entity(entity),
            "readOnly": False,
            "runCount": lambda _info, filters=None: len(runs(filters)),
            "run": run,
            "bucket": lambda info, name, missingOk=False: run(info, name),
            "runs": lambda _info, filters=None, after=None, first=None, order=None: _page(
                [self.run(r) for r in sort_runs(runs(filters), order)], after, first
            ),
            "sweep": lambda _info, sweepName: self.sweep(store.sweep(entity, name, sweepName)),
            "artifact": lambda _info, name: self.artifact(
                store.latest_artifact(entity, project_name, name)
            ),
        }

    def artifact_file(self, artifact: dict[str, Any], name: str) -> dict[str, Any]:
        """A file of an artifact, uploaded with PUT to ``/artifacts/ID/NAME``."""
        return {
            "id": graphql_id("File", artifact["id"], name),
            "name": name,
            "displayName": name,
            "uploadUrl": f"{self.server.base_url}/artifacts/{artifact['id']}/{name}",
            "uploadHeaders": [],
            "storagePath": f"{artifact['id']}/{name}",
            "artifact": lambda _info: self.artifact(artifact),
        }

    def artifact(self, artifact: dict[str, Any] | None) -> dict[str, Any] | None:
        if artifact is None:
            return None
        entity, project, collection = artifact["collection"]
        latest = self.store.latest_artifact(entity, project, collection)
        return {
            "id": artifact["id"],
            "state": artifact["state"],
            "digest": artifact["digest"],
            "artifactType": {
                "id": graphql_id("ArtifactType", artifact["type"]),
                "name": artifact["type"],
            },
            "artifactSequence": {
                "id": graphql_id("ArtifactSequence", collection),
                "name": collection,
                "latestArtifact": lambda _info: self.artifact(latest),
            },
        }

    def run(self, run: StoredRun) -> dict[str, Any]:
        store = self.store
        numeric = {
            key
            for row in run.history
            for key, value in row.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        }
        history_keys = {
            "lastStep": max((row.get("_step", -1) for row in run.history), default=-1),
            "keys": {
                key: {"typeCounts": [{"type": "number", "count": 1}]} for key in sorted(numeric)
            },
        }
        return {
            "id": graphql_id("Run", run.name, run.project, run.entity),
            "name": run.name,
            "displayName": run.display_name or run.name,
            "projectId": store.project_id(run.entity, run.project),
            "project": None,
            "sweepName": run.sweep or None,
            "state": run.state,
            "config": run.config,
            "group": run.group or None,
            "jobType": run.job_type or None,
            "commit": run.commit or None,
            "readOnly": False,
            "createdAt": run.created_at,
            "heartbeatAt": run.heartbeat_at,
            "description": run.notes or None,
            "notes": run.notes or None,
            "tags": run.tags,
            "host": run.host or None,
            "program": run.program or None,
            "systemMetrics": {},
            "summaryMetrics": run.summary,
            "historyLineCount": len(run.history),
            "historyKeys": history_keys,
            "eventsLineCount": len(run.events),
            "logLineCount": len(run.output),
            "user": self.user(),
            "exitcode": run.exitcode,
            "shouldStop": False,
            "failed": run.state == "failed",
            "stopped": False,
            "running": run.state == "running",
            "sampledHistory": lambda _info, specs: [
                _sampled(run.history, json.loads(spec)) for spec in specs
            ],
            "history": lambda _info, samples=None, minStep=None, maxStep=None: [
                json.dumps(row)
                for row in run.history
                if (minStep is None or row.get("_step", 0) >= int(minStep))
                and (maxStep is None or row.get("_step", 0) < int(maxStep))
            ][:samples],
            "events": lambda _info, samples=None: [json.dumps(r) for r in run.events],
            "wandbConfig": lambda _info, keys=None: {
                k: v for k, v in run.config.items() if keys is None or k in keys
            },
            "historyTail": json.dumps([json.dumps(row) for row in run.history[-10:]]),
            # No parquet exports here: wandb then reads the history page by page.
            "parquetHistory": None,
        }

    def sweep(self, sweep: StoredSweep | None) -> dict[str, Any] | None:
        if sweep is None:
            return None
        runs = self.store.sweep_runs(sweep)
        return {
            "id": graphql_id("Sweep", sweep.name),
            "name": sweep.name,
            "displayName": sweep.config.get("name") or sweep.name,
            "method": sweep.config.get("method"),
            "state": sweep.state,
            "description": sweep.config.get("description"),
            "config": sweep.config_yaml,
            "createdAt": sweep.created_at,
            "updatedAt": sweep.created_at,
            "heartbeatAt": sweep.created_at,
            "earlyStopJobRunning": False,
            "bestLoss": None,
            "controller": None,
            "scheduler": None,
            "runCount": len(runs),
            "runCountExpected": sweep.config.get("run_cap"),
            "project": lambda _info: self.project(sweep.entity, sweep.project),
            "runs": lambda _info, filters=None, after=None, first=None, order=None: _page(
                [
                    self.run(r)
                    for r in sort_runs(runs, order)
                    if matches(r, json.loads(filters) if filters else {})
                ],
                after,
                first,
            ),
        }

    # -- root fields -------------------------------------------------------------------
    def root(self) -> dict[str, Any]:
        store = self.store

        def upsert_bucket(_info, input: dict[str, Any]) -> dict[str, Any]:
            run, inserted = store.upsert_run(input)
            bucket = self.run(run)
            bucket["project"] = self.project(run.entity, run.project)
            return {"bucket": bucket, "inserted": inserted}

        def create_run_files(_info, input: dict[str, Any]) -> dict[str, Any]:
            entity, project, run = input["entityName"], input["projectName"], input["runName"]
            if store.run(entity, project, run) is None:
                raise GraphQLError(f"run {entity}/{project}/{run} not found")
            base = self.server.base_url
            return {
                "runID": graphql_id("Run", run, project, entity),
                "uploadHeaders": [],
                "files": [
                    {"name": name, "uploadUrl": f"{base}/upload/{entity}/{project}/{run}/{name}"}
                    for name in input["files"]
                ],
            }

        def create_artifact(_info, input: dict[str, Any]) -> dict[str, Any]:
            return {"artifact": self.artifact(store.create_artifact(input))}

        def create_artifact_manifest(_info, input: dict[str, Any]) -> dict[str, Any]:
            artifact = store.artifacts.get(input["artifactID"])
            if artifact is None:
                raise GraphQLError(f"artifact {input['artifactID']} not found")
            return {
                "artifactManifest": {
                    "id": graphql_id("ArtifactManifest", input["artifactID"]),
                    "file": self.artifact_file(artifact, input["name"]),
                }
            }

        def create_artifact_files(_info, input: dict[str, Any]) -> dict[str, Any]:
            edges = []
            for spec in input["artifactFiles"]:
                artifact = store.artifacts.get(spec["artifactID"])
                if artifact is None:
                    raise GraphQLError(f"artifact {spec['artifactID']} not found")
                node = self.artifact_file(artifact, spec["name"])
                node["uploadMultipartUrls"] = None
                edges.append({"node": node})
            return {"files": {"edges": edges}}

        def commit_artifact(_info, input: dict[str, Any]) -> dict[str, Any]:
            artifact = store.artifacts.get(input["artifactID"])
            if artifact is None:
                raise GraphQLError(f"artifact {input['artifactID']} not found")
            artifact["state"] = "COMMITTED"
            return {"artifact": self.artifact(artifact)}

        def upsert_sweep(_info, input: dict[str, Any]) -> dict[str, Any]:
            sweep, inserted = store.upsert_sweep(input)
            return {
                "sweep": self.sweep(sweep),
                "configValidationWarnings": [],
                "inserted": inserted,
            }

        def create_agent(_info, input: dict[str, Any]) -> dict[str, Any]:
            agent_id = store.create_agent(
                input.get("entityName") or "", input.get("projectName") or "", input["sweep"]
            )
            return {"agent": {"id": agent_id, "name": agent_id}}

        def heartbeat(_info, input: dict[str, Any]) -> dict[str, Any]:
            run_state = json.loads(input.get("runState") or "{}")
            commands = store.heartbeat(input["id"], run_state)
            return {"agent": {"id": input["id"]}, "commands": json.dumps(commands)}

        def project(_info, name: str | None = None, entityName: str | None = None):
            if not name:
                raise GraphQLError("name required for project query")
            return self.project(entityName or store.entity, name)

        return {
            "viewer": lambda _info: self.user(),
            "project": project,
            "model": project,
            "entity": lambda _info, name=None: self.entity(name or store.entity),
            "serverInfo": lambda _info: {
                "cliVersionInfo": {},
                "latestLocalVersionInfo": None,
                "features": [],
            },
            "upsertBucket": upsert_bucket,
            "createRunFiles": create_run_files,
            "upsertSweep": upsert_sweep,
            "createAgent": create_agent,
            "agentHeartbeat": heartbeat,
            "createArtifact": create_artifact,
            "createArtifactManifest": create_artifact_manifest,
            "createArtifactFiles": create_artifact_files,
            "commitArtifact": commit_artifact,
        }


class StandInServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the store and the switches tests flip."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, entity: str, api_key: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.store = Store(entity)
        self.api_key = api_key
        self.reject_keys = False
        self.silent = threading.Event()  # set: accept connections, never answer
        self.closing = threading.Event()
        self.requests: list[tuple[str, str, str]] = []  # (method, path, operation)
        self.errors: list[str] = []  # everything the stand-in could not serve
        self.resolvers = Resolvers(self)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def graphql(self, body: dict[str, Any]) -> dict[str, Any]:
        source = body.get("query") or ""
        try:
            document = parse(source)
        except GraphQLError as exc:
            self.errors.append(f"unparsable GraphQL: {exc.message}")
            return {"errors": [{"message": exc.message}]}
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        # The public Api sends operationName "" with a one-operation document.
        name = body.get("operationName") or None
        if name is None and len(operations) == 1 and operations[0].name:
            name = operations[0].name.value
        self.requests.append(("POST", "/graphql", name or "(anonymous)"))
        result = graphql_sync(
            SCHEMA,
            source,
            root_value=self.resolvers.root(),
            variable_values=body.get("variables") or {},
            operation_name=name,
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            if os.environ.get("WANDB_STANDIN_LOG"):  # the documents it could not answer
                with open(os.environ["WANDB_STANDIN_LOG"], "a") as log:
                    log.write(json.dumps(body) + "\n")
            messages = [f"{name}: {error.message}" for error in result.errors]
            self.errors.extend(messages)
            answer["errors"] = [{"message": m} for m in messages]
        return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandInServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        return data

    def _reply(self, status: int, payload: Any = None, content_type: str = "application/json"):
        data = b"" if payload is None else payload
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            user_key = base64.b64decode(header[6:]).decode(errors="replace")
            key = user_key.partition(":")[2]
        else:
            key = ""
        return bool(key) and not self.server.reject_keys

    def _hold(self) -> bool:
        """When told to stop answering: keep the connection open and say nothing."""
        if self.server.silent.is_set():
            self.server.closing.wait()
            self.close_connection = True
            return True
        return False

    def do_POST(self) -> None:
        if self._hold():
            return
        path = self.path.split("?")[0]
        body = self._body()
        if path.startswith("/sdk/otel/"):  # wandb-core's own telemetry: accepted, dropped
            self.server.requests.append(("POST", path, ""))
            return self._reply(200, b"", "application/x-protobuf")
        if not self._authorized():
            self.server.requests.append(("POST", path, "401"))
            return self._reply(401, {"errors": [{"message": "invalid API key"}]})
        if path == "/graphql":
            return self._reply(200, self.server.graphql(json.loads(body)))
        parts = path.strip("/").split("/")
        if len(parts) == 5 and parts[0] == "files" and parts[4] == "file_stream":
            self.server.requests.append(("POST", path, "file_stream"))
            try:
                self.server.store.file_stream(parts[1], parts[2], parts[3], json.loads(body))
            except KeyError as exc:
                self.server.errors.append(str(exc))
                return self._reply(404, {"error": str(exc)})
            return self._reply(200, {"exitcode": None, "limits": {}})
        self._unknown("POST", path)

    def do_PUT(self) -> None:
        if self._hold():
            return
        path = self.path.split("?")[0]
        body = self._body()
        parts = path.strip("/").split("/", 4)
        if parts[0] == "artifacts" and len(parts) >= 3:
            artifact = self.server.store.artifacts.get(parts[1])
            if artifact is not None:
                self.server.requests.append(("PUT", path, "upload"))
                artifact["files"]["/".join(parts[2:])] = body
                return self._reply(200)
        if len(parts) == 5 and parts[0] == "upload":
            self.server.requests.append(("PUT", path, "upload"))
            run = self.server.store.run(parts[1], parts[2], parts[3])
            if run is not None:
                run.files[parts[4]] = body
                return self._reply(200)
        self._unknown("PUT", path)

    def do_GET(self) -> None:
        if self._hold():
            return
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/", 4)
        if len(parts) == 5 and parts[0] == "upload":
            run = self.server.store.run(parts[1], parts[2], parts[3])
            if run is not None and parts[4] in run.files:
                self.server.requests.append(("GET", path, "download"))
                return self._reply(200, run.files[parts[4]], "application/octet-stream")
        self._unknown("GET", path)

    def _unknown(self, method: str, path: str) -> None:
        self.server.requests.append((method, path, "unknown"))
        self.server.errors.append(f"{method} {path}: not served by the W&B stand-in")
        self._reply(404, {"error": f"{method} {path} is not served by the W&B stand-in"})
