"""A key the server refuses, and a key with no server: what the scripts do.

A refused key (HTTP 401) stops before any run, in one line that says how to replace it.
A server that cannot be reached (nothing listening, a socket that never answers, a host
that does not resolve) means offline: the script completes, stores its runs locally and
says in one line where it tried and how to ``wandb sync`` later. How long the choice took
is recorded (``record_property``), not asserted: this machine is shared and noisy. The
notebooks in the same seats are rows of the seat table (tests/seats.py, tests/test_seats.py);
the servers are the ``refusing`` and ``dead_servers`` fixtures of tests/conftest.py.
"""

from __future__ import annotations

import sys

import pytest

from helpers.runs import read_runs
from tests.seats import DEAD_KINDS, REFUSED
from tests.standin import TODAY_KEY as KEY
from tests.standin import account_env
from tests.standin.client import child_env, run

pytestmark = pytest.mark.slow


def _one_line(text: str, *fragments: str) -> list[str]:
    return [line for line in text.splitlines() if all(f in line for f in fragments)]


@pytest.mark.parametrize("script", [["wandb_script.py"], ["wandb_sweep.py", "--count", "1"]])
def test_scripts_stop_in_one_line_when_the_key_is_refused(refusing, tmp_path, script):
    env = child_env(refusing.env(tmp_path), tmp_path)
    outcome = run([sys.executable, f"scripts/{script[0]}", *script[1:]], env)
    assert outcome.returncode == 2, outcome.output[-3000:]
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert len(lines) == 1 and all(f in lines[0] for f in REFUSED), outcome.output[-3000:]
    assert not list(outcome.wandb_dir.glob("*run-*"))


UNREACHABLE = ("could not reach the W&B server at", "saved offline", "wandb sync")


@pytest.mark.parametrize("kind", DEAD_KINDS)
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


def test_sweep_script_goes_offline_when_the_server_never_answers(dead_servers, tmp_path):
    env = child_env(account_env(dead_servers["never answers"], KEY, tmp_path), tmp_path)
    outcome = run([sys.executable, "scripts/wandb_sweep.py", "--count", "2"], env)
    assert outcome.returncode == 0, outcome.output[-3000:]
    assert len(_one_line(outcome.output, *UNREACHABLE)) == 1, outcome.output[-3000:]
    assert len(read_runs(outcome.wandb_dir)) == 2
