"""The seat table: every place the lessons must run, and what each must leave. Adding a seat
is one entry in ``SEATS``.

A seat is a student's environment: no account, an account whose key the server refuses, a
server that cannot be reached, ``WANDB_MODE=disabled``, the installed copy alone, an account
against the W&B API stand-in, a browser, Colab's packages. The seats that run through the
notebook harness (``tests/harness.py``) give how their environment is built from the
student's empty home folder (and, when they need one, what a fixture gives: a server, the
dead servers, the installed copy) and what they expect, as a function that returns the
problems it found (none: as expected). ``tests/test_seats.py`` runs each of them on every
lesson it covers: the one notebook named here in ``make test``, the rest in
``make test-seats``. The seats with machinery of their own (nbmake, Playwright, Colab's
venv) are rows too, naming the test that runs them and its ``make`` target, so this is the
one place that says which seats exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import run_python
from tests.harness import Executed
from tests.lessons import NAMES, Lesson, lesson
from tests.standin import TODAY_KEY, account_env
from tests.standin.client import child_env, disagreements, read_api
from tests.student import no_account

Env = Callable[[Path, str, Any], dict[str, str]]  # (home, notebook, what the fixture gave)
Expect = Callable[[Executed, Lesson, Any], list[str]]  # problems found; none: as expected


@dataclass(frozen=True)
class Seat:
    """One place the lessons run: who runs it, and, for the harness's seats, how and to what."""

    name: str
    says: str  # what it proves, in one line
    runner: str  # the test that runs it
    targets: tuple[str, ...]  # the make targets that run it
    make_test: str | None = None  # the notebook `make test` runs; the rest: make test-seats
    env: Env | None = None  # None: its runner builds the environment itself
    fixture: str | None = None  # the fixture whose value ``env`` and ``expect`` are given
    expect: Expect | None = None
    small: bool = False  # pass each lesson's small parameters (tests/lessons.py)
    alone: bool = False  # the notebook copied alone into the empty folder it runs in
    covers: Callable[[str], bool] = lambda name: True  # the lessons it runs
    parameters: Callable[[str], dict[str, Any]] = field(default=lambda name: {})

    def parameters_for(self, name: str) -> dict[str, Any]:
        return {**(lesson(name).small if self.small else {}), **self.parameters(name)}


def _stopped(done: Executed) -> list[str]:
    return [] if not done.failed else [done.why()]


# -- WANDB_MODE=disabled -------------------------------------------------------------------------
def disabled_env(home: Path, name: str, given: Any) -> dict[str, str]:
    return child_env({}, home, WANDB_MODE="disabled", WANDB_SILENT="true")


SAYS_NOTHING_STORED = ("nothing was stored", "Check skipped", "no run was stored")


def runs_and_stores_nothing(done: Executed, entry: Lesson, given: Any) -> list[str]:
    """Run All completes, stores nothing, and the notebook says so."""
    problems = _stopped(done)
    if done.wandb_dir.exists():
        problems.append(f"disabled wandb must store nothing: {done.wandb_dir} exists")
    if not any(said in done.text for said in SAYS_NOTHING_STORED):
        problems.append(f"no line says nothing was stored (one of {SAYS_NOTHING_STORED})")
    return problems


# -- a key the server refuses ----------------------------------------------------------------------
REFUSED = ("refused the API key", "wandb login --relogin")


def refused_env(home: Path, name: str, refusing: Any) -> dict[str, str]:
    return child_env(refusing.env(home), home)


def stops_in_one_line(done: Executed, entry: Lesson, refusing: Any) -> list[str]:
    """One error, one line naming the fix; no run started here or on the server."""
    problems = []
    lines = [error.lines for error in done.errors]
    if not done.failed or len(lines) != 1:
        problems.append(f"expected one error, stopped at {done.failed_at}: {lines}")
    elif len(lines[0]) != 1 or not all(f in lines[0][0] for f in REFUSED):
        problems.append(f"not one line naming the fix: {lines[0][-12:]}")
    if list(done.wandb_dir.glob("*run-*")):
        problems.append("a run was started")
    if refusing.runs():
        problems.append(f"the server stored runs: {refusing.runs()}")
    return problems


# -- a server that cannot be reached --------------------------------------------------------------
DEAD_KINDS = ("closed port", "never answers", "unresolvable host")  # the dead_servers fixture
WENT_OFFLINE = ("could not reach the W&B server at", "wandb sync")


def dead_kind(name: str) -> str:
    """Each kind on some notebooks, every notebook once, by its place in the series."""
    return DEAD_KINDS[NAMES.index(name) % len(DEAD_KINDS)]


def unreachable_env(home: Path, name: str, dead_servers: dict[str, str]) -> dict[str, str]:
    return child_env(account_env(dead_servers[dead_kind(name)], TODAY_KEY, home), home)


def completes_offline(done: Executed, entry: Lesson, given: Any) -> list[str]:
    """Run All completes, one line says where it tried and how to sync, runs stored offline."""
    kind = f"({done.env['WANDB_BASE_URL']})"
    problems = [f"{kind} {p}" for p in _stopped(done)]
    if not [line for line in done.text.splitlines() if all(w in line for w in WENT_OFFLINE)]:
        problems.append(f"{kind} no line saying it went offline ({WENT_OFFLINE})")
    if not done.runs() or not list(done.wandb_dir.glob("offline-run-*")):
        problems.append(f"{kind} no offline run stored")
    return problems


# -- the installed copy alone --------------------------------------------------------------------
def alone_env(home: Path, name: str, installed: Path) -> dict[str, str]:
    """``helpers`` from the installed copy alone; a key that looks real, made up for the case."""
    key = secrets.token_hex(20)
    return no_account(
        home,
        PYTHONPATH=str(installed),
        WANDB_API_KEY=key,
        WANDB_MODE="offline",
        WANDB_DIR=str(home),
    )


def runs_alone_without_leaking_the_key(done: Executed, entry: Lesson, installed: Path) -> list[str]:
    """Helpers from the installed copy; the key in no output or file; a run stored."""
    problems = _stopped(done)
    where = run_python("import helpers; print(helpers.__file__)", done.cwd, done.env)
    if not where.stdout.startswith(str(installed)):
        problems.append(f"helpers must come from the installed copy: {where.stdout}{where.stderr}")
    notebooks = sorted(p.name for p in done.cwd.iterdir() if p.suffix == ".ipynb")
    if done.saved and notebooks != sorted([f"{done.name}.ipynb", done.saved.name]):
        problems.append(f"notebooks written beside it: {notebooks}")
    key = done.env["WANDB_API_KEY"]
    leaks = [
        what for what, said in [("console", done.console), ("outputs", done.text)] if key in said
    ]
    leaks += [
        str(path.relative_to(done.cwd))
        for path in done.cwd.rglob("*")
        if path.is_file() and key.encode() in path.read_bytes()
    ]
    if leaks:
        problems.append(f"the API key was written to: {leaks}")
    if not list(done.wandb_dir.glob("offline-run-*")):
        problems.append("the notebook stored no run")
    return problems


# -- an account, against the W&B API stand-in ----------------------------------------------------
def project(name: str) -> str:
    return f"online-{name[:2]}"


def online_env(home: Path, name: str, server: Any) -> dict[str, str]:
    return child_env(server.env(home), home)


def agrees_locally_and_through_the_api(done: Executed, entry: Lesson, server: Any) -> list[str]:
    """The lesson's runs, the same locally and through ``wandb.Api()``; nothing unserved."""
    problems = _stopped(done)
    if problems:
        return problems
    local = done.runs()
    if len(local) != entry.runs:
        problems.append(f"{len(local)} runs stored, {entry.runs} expected")
    reader = done.cwd.with_name("api")  # wandb.Api() writes into its WANDB_DIR: not the student's
    listed = read_api(child_env(server.env(reader), reader), server.entity, [project(done.name)])
    problems += disagreements(local, listed["projects"][project(done.name)])
    problems += [f"the stand-in could not serve: {error}" for error in server.errors]
    if done.name == "01_login":  # advice for offline runs only: 01's run is on the server already
        if "browse: wandb leet" not in done.text or "upload: wandb sync" in done.text:
            problems.append("01 must advise `wandb leet` and not `wandb sync` for an online run")
    return problems


HERE = "tests/test_seats.py::test_notebook_in_seat"
SEATS_TARGETS = ("test", "test-seats")

SEATS: list[Seat] = [
    Seat(
        "offline",
        "no account, no network: every notebook with nbmake, its runs checked against its lesson",
        "conftest.py",
        ("test", "test-oldest"),
    ),
    Seat(
        "disabled",
        "WANDB_MODE=disabled: Run All completes, stores nothing, and says so",
        HERE,
        SEATS_TARGETS,
        make_test="05_sklearn_plots",
        env=disabled_env,
        expect=runs_and_stores_nothing,
    ),
    Seat(
        "refused-key",
        "a key the server refuses: stops in one line naming the fix, no run anywhere",
        HERE,
        SEATS_TARGETS,
        make_test="03_config",
        env=refused_env,
        fixture="refusing",
        expect=stops_in_one_line,
        small=True,
    ),
    Seat(
        "unreachable",
        "a key and no server (closed port, silent socket, unresolvable host): completes offline",
        HERE,
        SEATS_TARGETS,
        make_test="02_logging",
        env=unreachable_env,
        fixture="dead_servers",
        expect=completes_offline,
        small=True,
    ),
    Seat(
        "installed-alone",
        "the notebook alone with the installed copy of the course: no key leak, a run stored",
        HERE,
        SEATS_TARGETS,
        make_test="01_login",
        env=alone_env,
        fixture="installed",
        expect=runs_alone_without_leaking_the_key,
        alone=True,
    ),
    Seat(
        "online",
        "an account, the W&B API stand-in as server: local runs == runs wandb.Api() lists",
        HERE,
        SEATS_TARGETS,
        make_test="03_config",
        env=online_env,
        fixture="wandb_server",
        expect=agrees_locally_and_through_the_api,
        covers=lambda name: name != "07_sweeps",
        parameters=lambda name: {"PROJECT": project(name)},
    ),
    Seat(
        "online-sweep",
        "07 online: the sweep's runs through wandb.Api(), quiet as offline",
        "tests/test_online_notebooks.py::test_07_sweep_online_lists_its_runs_through_the_api",
        ("test",),
    ),
    Seat(
        "teacher-rerun",
        "papermill reruns with other parameters: each model, each notebook refusing a bad name",
        "tests/test_scripts_and_papermill.py",
        SEATS_TARGETS,
    ),
    Seat(
        "student-edition",
        "notebooks/exercises: each untouched exercise stops at its check, solved ones pass",
        "tests/test_exercises.py",
        SEATS_TARGETS,
    ),
    Seat(
        "browser",
        "Run All in JupyterLab in headless Chromium, without and with an account",
        "tests/browser/test_lab.py",
        ("test-browser",),
    ),
    Seat(
        "colab",
        "every notebook alone on Colab's package set (Python 3.13), with and without a secret",
        "tests/test_colab.py",
        ("test-colab",),
    ),
    Seat(
        "faults",
        "Ctrl-C at every moment of a sweep, kill -9, damaged run files, bad input: nothing lost",
        "tests/test_faults.py",
        ("test-faults", "test-oldest"),
    ),
]

HARNESS_SEATS = [seat for seat in SEATS if seat.env is not None]
