"""A small stateful stand-in for the W&B API, for tests: wandb talks to it as to W&B's server.

It serves what wandb (0.31) asks on this course's paths: logging in (``Viewer``), online
runs (``UpsertBucket``, ``file_stream``, ``CreateRunFiles`` and uploads), reading runs
back through ``wandb.Api()`` (``Run``, ``Runs`` with Mongo-style filters, history),
sweeps (``UpsertSweep``, ``CreateAgent``, ``Heartbeat`` with suggestions from W&B's own
``sweeps`` engine, ``GetSweep``, ``SweepWithRuns``) and ``wandb sync``. GraphQL is parsed
and validated by ``graphql-core`` against ``schema.graphql``: an operation or field it
does not know is answered with an error naming it and recorded in ``errors``.

    with tests.standin.serve() as server:
        env = server.env(home)  # WANDB_BASE_URL, WANDB_API_KEY, HOME for a child process
        ...
        server.runs("my-project")  # what wandb stored

In pytest, the ``wandb_server`` fixture (tests/conftest.py) yields the same object. To see
what a new wandb asks that is not served, set ``WANDB_STANDIN_LOG=FILE``: each request the
stand-in could not answer is appended to FILE as JSON (query, variables).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .server import StandInServer
from .store import StoredRun, StoredSweep

__all__ = [
    "LEGACY_KEY",
    "TODAY_KEY",
    "StandIn",
    "StoredRun",
    "StoredSweep",
    "account_env",
    "serve",
]

ENTITY = "iris-student"
# An API key as W&B issues them today: about 86 letters, digits and underscores (older keys have
# 40). wandb 0.31 accepts both; the online tests log in with this one.
TODAY_KEY = ("iK7_q2Zr" * 11)[:86]
LEGACY_KEY = "a" * 40


def account_env(base_url: str, api_key: str, home: str | os.PathLike[str]) -> dict[str, str]:
    """What a student with an account has: a server address, a key, and their own HOME."""
    home = Path(home)
    return {
        "WANDB_BASE_URL": base_url,
        "WANDB_API_KEY": api_key,
        "HOME": str(home),
        "WANDB_CONFIG_DIR": str(home / ".config" / "wandb"),
        "NETRC": str(home / ".netrc"),
    }


class StandIn:
    """The running stand-in: its address, a key it accepts, switches, and what it stored."""

    def __init__(self, entity: str = ENTITY, api_key: str = TODAY_KEY) -> None:
        self._server = StandInServer(entity, api_key)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wandb-standin", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_key(self) -> str:
        return self._server.api_key

    @property
    def entity(self) -> str:
        return self._server.store.entity

    def env(self, home: str | os.PathLike[str]) -> dict[str, str]:
        """Variables for an online child process: this server, a key, an empty HOME.

        ``WANDB_MODE`` is not set (the course chooses the mode itself); callers should
        drop any inherited one. ``WANDB_CONFIG_DIR`` and ``NETRC`` point into ``home``
        so no real login on this machine is read.
        """
        return account_env(self.base_url, self.api_key, home)

    @property
    def reject_keys(self) -> bool:
        """When True every authenticated request gets HTTP 401, as W&B answers a bad key."""
        return self._server.reject_keys

    @reject_keys.setter
    def reject_keys(self, value: bool) -> None:
        self._server.reject_keys = bool(value)

    def stop_answering(self) -> None:
        """From now on accept connections and read nothing back: a server that hangs."""
        self._server.silent.set()

    def answer_again(self) -> None:
        self._server.silent.clear()

    # -- what wandb stored --------------------------------------------------------------
    def runs(self, project: str | None = None, entity: str | None = None) -> list[StoredRun]:
        """Stored runs, oldest first; of one project when ``project`` is given."""
        with self._server.store.lock:
            found = list(self._server.store.runs.values())
        return [
            r
            for r in found
            if (project is None or r.project == project) and (entity is None or r.entity == entity)
        ]

    def sweeps(self) -> list[StoredSweep]:
        with self._server.store.lock:
            return list(self._server.store.sweeps.values())

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """(method, path, GraphQL operation or kind) of every request, in order."""
        return list(self._server.requests)

    def operations(self) -> set[str]:
        return {op for method, path, op in self.requests if path == "/graphql"}

    @property
    def errors(self) -> list[str]:
        """Everything asked that the stand-in does not serve (unknown fields, paths...)."""
        return list(self._server.errors)

    def close(self) -> None:
        self._server.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serve(entity: str = ENTITY, api_key: str = TODAY_KEY) -> Iterator[StandIn]:
    """Run a stand-in on 127.0.0.1 (a free port) for the ``with`` block."""
    server = StandIn(entity, api_key)
    try:
        yield server
    finally:
        server.close()
