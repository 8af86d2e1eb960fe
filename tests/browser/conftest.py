"""The student's seat: a real JupyterLab, driven in Debian's headless Chromium by Playwright.

JupyterLab runs on 127.0.0.1 with a token, on a free port, over a temporary copy of
``notebooks/``, as a new student has it: an empty HOME, no W&B key, no ``WANDB_MODE``.
Two seats, each with a JupyterLab of its own (one runs at a time): ``offline``, a student
without an account, and ``online``, a student with one, whose W&B server is the API
stand-in (``tests/standin``) on loopback, started here (``WANDB_BASE_URL``); no key is
stored until notebook 01 logs in with the one the test types.
Playwright never downloads its own browser here: it drives ``/usr/bin/chromium``
(``make test-browser`` installs Debian's ``chromium`` when it is missing).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.student import no_account

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WINDOW = {"width": 1280, "height": 900}
LAB_START_TIMEOUT = 90  # seconds until JupyterLab answers /api/status
SEATS = ("offline", "online")
# A key of the format W&B hands out today (86 characters); wandb 0.31 takes 40 or more.
API_KEY = "wandb_v1_" + secrets.token_hex(39)[:77]

# JupyterLab settings for the test, written into a temporary JUPYTERLAB_SETTINGS_DIR:
# no news or update toasts over the notebook (they need the network), every cell
# attached to the page so the checks can measure cells outside the viewport, and each
# cell's execution times recorded in its metadata (where the time of a Run All goes).
# None of them changes how an output is drawn.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "recordTiming": True,
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, its files and its log."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen = field(repr=False)
    seat: str = "offline"
    env: dict[str, str] = field(default_factory=dict, repr=False)  # the kernels' environment
    server: Any = field(default=None, repr=False)  # the W&B stand-in (online seat)

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10) -> Any:
        """Call the Jupyter server's REST API; returns the decoded JSON (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


def lab_environment(home: Path, settings: Path, workspaces: Path) -> dict[str, str]:
    """The environment of a new student: empty HOME, and nothing of W&B or Jupyter set."""
    env = {
        key: value
        for key, value in no_account(home).items()
        if not key.startswith(("JUPYTER", "MPL", "XDG_", "PYTEST_"))
        and key not in ("IPYTHONDIR", "PYTHONPATH")
    }
    env.update(
        HOME=str(home),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workspaces),
        # the kernel is this interpreter, with the course installed: put its scripts first
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    return env


def start_lab(base: Path, seat: str = "offline", server: Any = None) -> Lab:
    """Start JupyterLab over a fresh copy of ``notebooks/`` under ``base``, as a new student."""
    root = base / "notebooks"
    shutil.copytree(
        ROOT / "notebooks",
        root,
        ignore=shutil.ignore_patterns("wandb", ".ipynb_checkpoints", "artifacts"),
    )
    home, settings, workspaces = base / "home", base / "settings", base / "workspaces"
    for folder in (home, settings, workspaces):
        folder.mkdir()
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(24)
    log = base / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # kernels are provisioned with CurveZMQ keys, as `make lab` starts them
        "--KernelManager.transport_encryption=auto",
    ]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    env = lab_environment(home, settings, workspaces)
    if server is not None:  # an account on this server; its key is typed in notebook 01
        env["WANDB_BASE_URL"] = server.base_url
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log, process, seat, env, server)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("GET", "/api/status", timeout=2)
                return lab
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer on {lab.url} within "
                        f"{LAB_START_TIMEOUT} s:\n{lab.log_tail()}"
                    )
                time.sleep(0.5)
    except BaseException:
        stop_lab(lab)
        raise


def stop_lab(lab: Lab) -> None:
    try:
        lab.api("POST", "/api/shutdown", timeout=5)
        lab.process.wait(timeout=20)
    except Exception:
        lab.process.terminate()
        try:
            lab.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            lab.process.kill()
            lab.process.wait(timeout=10)


class Labs:
    """One JupyterLab per seat, started when its first notebook runs; one runs at a time."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.factory = tmp_path_factory
        self.running: Lab | None = None
        self.server: Any = None
        self._stack = contextlib.ExitStack()

    def get(self, seat: str) -> Lab:
        if self.running is not None and self.running.seat == seat:
            return self.running
        self.close_lab()
        server = None
        if seat == "online":
            if self.server is None:
                from tests.standin import serve

                self.server = self._stack.enter_context(serve(api_key=API_KEY))
            server = self.server
        self.running = start_lab(self.factory.mktemp(f"lab-{seat}"), seat, server)
        return self.running

    def close_lab(self) -> None:
        if self.running is not None:
            lab, self.running = self.running, None
            stop_lab(lab)

    def close(self) -> None:
        try:
            self.close_lab()
        finally:
            self._stack.close()


@pytest.fixture(scope="session")
def labs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Labs]:
    found = Labs(tmp_path_factory)
    try:
        yield found
    finally:
        found.close()


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium with a fresh profile and a 1280 x 900 window, for every notebook."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-browser` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=WINDOW,
            timeout=60_000,
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()
