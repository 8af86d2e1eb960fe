"""Shared fixtures: an offline wandb with no account, in a temporary folder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers.wandb_internals import SERVICE
from tests.lessons import NOTEBOOKS as NOTEBOOKS  # the tests import it from here too
from tests.student import no_account

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def own_wandb_service(monkeypatch: pytest.MonkeyPatch) -> None:
    """Child processes start their own wandb-core, as they do outside the tests.

    Once this test process has used wandb, ``WANDB_SERVICE`` points at its wandb-core, and a
    child that inherits it logs through that long-lived service instead: its run file then
    stays open after the child dies, and no wandb-core is among the child's processes.
    """
    monkeypatch.delenv(SERVICE, raising=False)


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No account, offline, runs under ``tmp_path/wandb``; returns that wandb folder."""
    env = no_account(
        tmp_path,
        WANDB_MODE="offline",
        WANDB_DIR=str(tmp_path),
        WANDB_CONFIG_DIR=str(tmp_path / "config"),
        WANDB_SILENT="true",
    )
    for key in set(os.environ) - set(env):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return tmp_path / "wandb"


def seats_but(values: list[Any], keep: set[str], ids: Callable[[Any], str]) -> list[Any]:
    """``values`` as test parameters, each but those in ``keep`` marked ``seats``.

    `make test` runs the kept ones (one seat each, quickly); `make test-seats`, which
    `.ci/run` also runs, runs the rest.
    """
    return [
        pytest.param(value, id=ids(value), marks=() if ids(value) in keep else pytest.mark.seats)
        for value in values
    ]


def checkout_files() -> list[Path]:
    """The files a clone of this checkout would hold: tracked, plus new files not ignored."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


def checkout_copy(into: Path) -> Path:
    """The files git would clone (tracked, plus new files not ignored), as they are now.

    Never the venvs, caches or outputs a copy of the folder would drag along (.venv-oldest
    alone is hundreds of megabytes once `make test-oldest` has run).
    """
    for source in checkout_files():
        target = into / source.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    return into


def run_python(
    code: str,
    cwd: Path,
    env_extra: dict[str, str | None] | None = None,
    args: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run Python code in a child process with no stdin, as CI and papermill do.

    ``env_extra`` values of None remove that variable.
    """
    env = {**os.environ, **(env_extra or {})}
    env = {key: value for key, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *(args or [])],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def _wandb_server_module():
    from tests.standin import serve

    with serve() as server:
        yield server


@pytest.fixture
def wandb_server(_wandb_server_module):
    """A W&B API stand-in on 127.0.0.1 (tests/standin), shared by the tests of one module.

    ``.base_url``, ``.api_key``, ``.env(home)`` for an online child process, the switches
    ``.reject_keys`` and ``.stop_answering()`` (reset after each test), and what it stored
    (``.runs(project)``, ``.sweeps()``, ``.requests``, ``.errors``).
    """
    yield _wandb_server_module
    _wandb_server_module.reject_keys = False
    _wandb_server_module.answer_again()


@pytest.fixture(scope="module")
def refusing():
    """A W&B API stand-in that answers every key with HTTP 401, as W&B answers a bad key."""
    from tests.standin import TODAY_KEY, serve

    with serve(api_key=TODAY_KEY) as server:
        server.reject_keys = True
        yield server


def _closed_port() -> str:
    with socket.socket() as sock:  # bound, then closed: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def dead_servers():
    """The three ways a server is not there, as base URLs (tests/seats.py ``DEAD_KINDS``)."""
    from tests.standin import TODAY_KEY, serve

    with serve(api_key=TODAY_KEY) as silent:
        silent.stop_answering()
        yield {
            "closed port": _closed_port(),
            "never answers": silent.base_url,
            "unresolvable host": "http://nonexistent.invalid",
        }


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The course package built and installed (no dependencies) into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    checkout_copy(build / "src")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(build / "src"),
        ],
        check=True,
        capture_output=True,
    )
    return site
