"""A key the server refuses, and a key with no server: what every notebook and script does.

A refused key (HTTP 401) stops before any run, in one line that says how to replace it.
A server that cannot be reached (nothing listening, a socket that never answers, a host
that does not resolve) means offline: the course completes, stores its runs locally and
says in one line where it tried and how to ``wandb sync`` later. How long the choice took
is recorded (``record_property``), not asserted: this machine is shared and noisy.
"""

from __future__ import annotations

import json
import socket
import sys
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from helpers.runs import read_runs
from tests.lessons import NAMES as NOTEBOOKS
from tests.lessons import lesson
from tests.outputs import errors
from tests.standin import TODAY_KEY, account_env, serve
from tests.standin.client import child_env, run, run_notebook

pytestmark = pytest.mark.slow

KEY = TODAY_KEY  # a key as W&B issues them today (86 characters)


def _one_line(text: str, *fragments: str) -> list[str]:
    return [line for line in text.splitlines() if all(f in line for f in fragments)]


# -- a refused key --------------------------------------------------------------------------
REFUSED = ("refused the API key", "wandb login --relogin")


@pytest.fixture(scope="module")
def refusing():
    with serve(api_key=KEY) as server:
        server.reject_keys = True
        yield server


@pytest.mark.seats
def test_every_notebook_stops_in_one_line_when_the_key_is_refused(refusing, tmp_path):
    """Every notebook but `make test`'s (.ci/run runs both: each notebook once)."""
    _stops_in_one_line([n for n in NOTEBOOKS if n != REFUSED_IN_MAKE_TEST], refusing, tmp_path)


REFUSED_IN_MAKE_TEST = "03_config"


def test_a_notebook_stops_in_one_line_when_the_key_is_refused(refusing, tmp_path):
    """`make test`'s share of the test above (the other notebooks: `make test-seats`)."""
    _stops_in_one_line([REFUSED_IN_MAKE_TEST], refusing, tmp_path)


def _stops_in_one_line(names: list[str], refusing, tmp_path) -> None:
    def execute(name: str):
        env = child_env(refusing.env(tmp_path / name), tmp_path / name)
        return run_notebook(name, tmp_path / name, env, **lesson(name).small)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = dict(zip(names, pool.map(execute, names), strict=True))
    problems = []
    for name, outcome in outcomes.items():
        raised = errors(outcome.notebook) if outcome.notebook.exists() else []
        lines = [error.lines for error in raised]
        if outcome.returncode == 0 or len(lines) != 1:
            problems.append(f"{name}: exit {outcome.returncode}, errors {lines}")
        elif len(lines[0]) != 1 or not all(f in lines[0][0] for f in REFUSED):
            problems.append(f"{name}: not one line naming the fix: {lines[0][-12:]}")
        if list(outcome.wandb_dir.glob("*run-*")):
            problems.append(f"{name}: a run was started")
    assert not problems, "\n".join(problems)
    assert not refusing.runs()


@pytest.mark.parametrize("script", [["wandb_script.py"], ["wandb_sweep.py", "--count", "1"]])
def test_scripts_stop_in_one_line_when_the_key_is_refused(refusing, tmp_path, script):
    env = child_env(refusing.env(tmp_path), tmp_path)
    outcome = run([sys.executable, f"scripts/{script[0]}", *script[1:]], env)
    assert outcome.returncode == 2, outcome.output[-3000:]
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert len(lines) == 1 and all(f in lines[0] for f in REFUSED), outcome.output[-3000:]
    assert not list(outcome.wandb_dir.glob("*run-*"))


# -- a key but no server ----------------------------------------------------------------------
UNREACHABLE = ("could not reach the W&B server at", "saved offline", "wandb sync")


def _closed_port() -> str:
    with socket.socket() as sock:  # bound, then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def dead_servers():
    """The three ways a server is not there, as base URLs."""
    with serve(api_key=KEY) as silent:
        silent.stop_answering()
        yield {
            "closed port": _closed_port(),
            "never answers": silent.base_url,
            "unresolvable host": "http://nonexistent.invalid",
        }


@pytest.mark.parametrize("kind", ["closed port", "never answers", "unresolvable host"])
def test_script_goes_offline_in_one_line_when_the_server_cannot_be_reached(
    dead_servers, tmp_path, kind, record_property
):
    env = child_env(account_env(dead_servers[kind], KEY, tmp_path), tmp_path)
    outcome = run([sys.executable, "scripts/wandb_script.py"], env)
    record_property("seconds", round(outcome.seconds, 1))
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert len(_one_line(outcome.output, *UNREACHABLE)) == 1, outcome.output[-3000:]
    assert [r["state"] for r in read_runs(outcome.wandb_dir)] == ["finished"]
    assert list(outcome.wandb_dir.glob("offline-run-*"))


@pytest.mark.seats
def test_every_notebook_completes_offline_when_the_server_cannot_be_reached(
    dead_servers, tmp_path, record_property
):
    """Every notebook but `make test`'s, which has the kind it gets here (.ci/run runs both)."""
    names = [n for n in NOTEBOOKS if n != OFFLINE_IN_MAKE_TEST]
    _completes_offline(names, dead_servers, tmp_path, record_property)


OFFLINE_IN_MAKE_TEST = "02_logging"


def test_a_notebook_completes_offline_when_the_server_never_answers(
    dead_servers, tmp_path, record_property
):
    """`make test`'s share of the test above (the other notebooks: `make test-seats`)."""
    kinds = list(dead_servers)
    kind = kinds[NOTEBOOKS.index(OFFLINE_IN_MAKE_TEST) % len(kinds)]
    assert kind == "never answers"  # the kind the test above would give it
    _completes_offline(
        [OFFLINE_IN_MAKE_TEST], {kind: dead_servers[kind]}, tmp_path, record_property
    )


def _completes_offline(names: list[str], dead_servers, tmp_path, record_property) -> None:
    kinds = list(dead_servers)

    def execute(index_name: tuple[int, str]):
        _, name = index_name
        # each kind on some notebooks, every notebook once, by its place in the series
        kind = kinds[NOTEBOOKS.index(name) % len(kinds)]
        home = tmp_path / name
        env = child_env(account_env(dead_servers[kind], KEY, home), home)
        return kind, run_notebook(name, home, env, **lesson(name).small)

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = dict(zip(names, pool.map(execute, enumerate(names)), strict=True))
    record_property("seconds", {n: round(o.seconds, 1) for n, (_, o) in outcomes.items()})
    problems = []
    for name, (kind, outcome) in outcomes.items():
        if outcome.returncode != 0:
            problems.append(f"{name} ({kind}) failed:\n{outcome.stderr[-2000:]}")
            continue
        said = json.dumps(nbformat.read(outcome.notebook, as_version=4).cells)
        if "could not reach the W&B server at" not in said or "wandb sync" not in said:
            problems.append(f"{name} ({kind}): no line saying it went offline")
        if not read_runs(outcome.wandb_dir) or not list(outcome.wandb_dir.glob("offline-run-*")):
            problems.append(f"{name} ({kind}): no offline run stored")
    assert not problems, "\n".join(problems)


def test_sweep_script_goes_offline_when_the_server_never_answers(dead_servers, tmp_path):
    env = child_env(account_env(dead_servers["never answers"], KEY, tmp_path), tmp_path)
    outcome = run([sys.executable, "scripts/wandb_sweep.py", "--count", "2"], env)
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert len(_one_line(outcome.output, *UNREACHABLE)) == 1, outcome.output[-3000:]
    assert len(read_runs(outcome.wandb_dir)) == 2
