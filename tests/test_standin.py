"""The W&B API stand-in itself: what it answers, refuses and stores, over plain HTTP."""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request

import pytest

from tests.standin import serve


def _post(server, path: str, body: dict, key: str | None = None, timeout: float = 60) -> tuple:
    request = urllib.request.Request(
        server.base_url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    token = base64.b64encode(f"api:{key or server.api_key}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _gql(server, query: str, variables: dict | None = None, name: str = "") -> dict:
    status, answer = _post(
        server, "/graphql", {"query": query, "variables": variables or {}, "operationName": name}
    )
    assert status == 200
    return answer


@pytest.fixture(scope="module")
def server():
    with serve() as running:
        yield running


def test_viewer_answers_with_the_default_entity(server):
    answer = _gql(server, "query Viewer { viewer { id entity username } }", name="Viewer")
    assert answer["data"]["viewer"]["entity"] == server.entity


def test_an_empty_operation_name_runs_the_only_operation(server):
    # The public Api sends operationName "" (a server that looks "" up fails).
    answer = _gql(server, "query GetDefaultEntity { viewer { entity } }", name="")
    assert answer["data"] == {"viewer": {"entity": server.entity}}


def test_an_unknown_field_or_operation_is_an_error_that_names_it(server):
    before = len(server.errors)
    answer = _gql(server, "query Q { viewer { entity favouriteColour } }")
    assert "favouriteColour" in answer["errors"][0]["message"]
    answer = _gql(server, "mutation M { launchRocket(input: {}) { ok } }")
    assert "launchRocket" in answer["errors"][0]["message"]
    assert len(server.errors) == before + 2


def test_an_unknown_path_is_a_404_that_is_recorded(server):
    status, _ = _post(server, "/api/v2/something", {})
    assert status == 404
    assert any("/api/v2/something" in error for error in server.errors)


def test_a_run_is_stored_from_upsert_bucket_and_file_stream(server):
    _gql(
        server,
        """mutation UpsertBucket($name: String, $project: String, $config: JSONString,
                                 $groupName: String, $tags: [String!]) {
             upsertBucket(input: {name: $name, modelName: $project, config: $config,
                                  groupName: $groupName, tags: $tags}) {
               bucket { id name project { name entity { name } } }
             }
           }""",
        {
            "name": "run1",
            "project": "p",
            "config": json.dumps({"model": {"value": "KNN"}}),
            "groupName": "g",
            "tags": ["t"],
        },
    )
    rows = [{"_step": 0, "accuracy": 0.5}, {"_step": 1, "accuracy": 0.9}]
    status, _ = _post(
        server,
        f"/files/{server.entity}/p/run1/file_stream",
        {
            "files": {
                "wandb-history.jsonl": {"offset": 0, "content": [json.dumps(r) for r in rows]},
                "wandb-summary.json": {"offset": 0, "content": ['{"accuracy": 0.9}']},
            },
            "complete": True,
            "exitcode": 0,
        },
    )
    assert status == 200
    (run,) = server.runs("p")
    assert (run.state, run.group, run.tags, run.params) == (
        "finished",
        "g",
        ["t"],
        {"model": "KNN"},
    )
    assert run.history == rows and run.summary == {"accuracy": 0.9}


def test_runs_filters_are_mongo_style(server):
    for name, group, k in [("a", "g1", 1), ("b", "g1", 5), ("c", "g2", 5)]:
        _gql(
            server,
            """mutation($name: String, $g: String, $c: JSONString) {
                 upsertBucket(input: {name: $name, modelName: "f", groupName: $g, config: $c}) {
                   bucket { name } } }""",
            {"name": name, "g": group, "c": json.dumps({"k": {"value": k}})},
        )
    query = """query Runs($filters: JSONString) { project(name: "f", entityName: "%s") {
                 runs(filters: $filters, order: "+created_at") { edges { node { name } } } } }"""
    query %= server.entity

    def names(filters: dict) -> list[str]:
        edges = _gql(server, query, {"filters": json.dumps(filters)})["data"]["project"]["runs"]
        return sorted(edge["node"]["name"] for edge in edges["edges"])

    assert names({"group": "g1"}) == ["a", "b"]
    assert names({"$and": [{"group": "g1"}, {"config.k.value": 5}]}) == ["b"]
    assert names({"group": {"$in": ["g2", "nope"]}}) == ["c"]
    answer = _gql(server, query, {"filters": json.dumps({"favourite": 1})})
    assert "favourite" in answer["errors"][0]["message"]


def test_heartbeat_commands_are_one_json_string_from_the_sweep_engine(server):
    config = "method: grid\nparameters:\n  k:\n    values: [1, 2]\n"
    sweep = _gql(
        server,
        'mutation($c: String) { upsertSweep(input: {config: $c, projectName: "s"}) '
        "{ sweep { name } } }",
        {"c": config},
    )["data"]["upsertSweep"]["sweep"]["name"]
    agent = _gql(
        server,
        'mutation($s: String!) { createAgent(input: {host: "h", projectName: "s", '
        "sweep: $s}) { agent { id } } }",
        {"s": sweep},
    )["data"]["createAgent"]["agent"]["id"]
    beat = (
        "mutation($id: ID!, $s: JSONString) "
        "{ agentHeartbeat(input: {id: $id, runState: $s}) { commands } }"
    )

    def commands(run_state: dict) -> list:
        answer = _gql(server, beat, {"id": agent, "s": json.dumps(run_state)})
        text = answer["data"]["agentHeartbeat"]["commands"]
        assert isinstance(text, str)
        return json.loads(text)

    first = commands({})
    assert first[0]["type"] == "run" and first[0]["args"] == {"k": {"value": 1}}
    assert commands({first[0]["run_id"]: True}) == []  # one run at a time per agent
    second = commands({})
    assert second[0]["args"] == {"k": {"value": 2}}
    assert commands({}) == [{"type": "exit"}]  # the grid is exhausted


def test_a_rejected_key_gets_401(server):
    server.reject_keys = True
    try:
        status, _ = _post(server, "/graphql", {"query": "{ viewer { id } }"})
    finally:
        server.reject_keys = False
    assert status == 401


def test_stop_answering_accepts_and_never_replies():
    with serve() as silent:
        silent.stop_answering()
        with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
            _post(silent, "/graphql", {"query": "{ viewer { id } }"}, timeout=0.5)
