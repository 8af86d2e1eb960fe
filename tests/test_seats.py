"""Every lesson in every seat of tests/seats.py that runs through the notebook harness.

One case per seat and notebook: ``make test`` runs the notebook each seat names, ``make
test-seats`` (which ``.ci/run`` runs) the rest. How long each took is recorded
(``record_property``), not asserted: this machine is shared and noisy.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, seats_but
from tests.harness import execute
from tests.lessons import NAMES, NOTEBOOKS, lesson
from tests.seats import DEAD_KINDS, HARNESS_SEATS, SEATS, dead_kind

pytestmark = pytest.mark.slow

CASES = [(seat, name) for seat in HARNESS_SEATS for name in NAMES if seat.covers(name)]
IN_MAKE_TEST = {f"{seat.name}-{seat.make_test}" for seat in HARNESS_SEATS}


@pytest.mark.parametrize(
    "case", seats_but(CASES, IN_MAKE_TEST, ids=lambda case: f"{case[0].name}-{case[1]}")
)
def test_notebook_in_seat(case, request, tmp_path, record_property):
    seat, name = case
    given = request.getfixturevalue(seat.fixture) if seat.fixture else None
    home = tmp_path / "home"
    home.mkdir()
    notebook = NOTEBOOKS / f"{name}.ipynb"
    if seat.alone:
        notebook = Path(shutil.copy(notebook, home))
    done = execute(
        notebook,
        home,
        seat.env(home, name, given),
        parameters=seat.parameters_for(name),
        save_to=home / f"executed-{name}.ipynb",
    )
    record_property("seconds", round(done.seconds, 1))
    problems = seat.expect(done, lesson(name), given)
    assert not problems, f"{name} in seat {seat.name}:\n" + "\n".join(problems)


def test_every_seat_names_its_runner_and_make_targets_and_its_make_test_notebook():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    (ci_seats,) = re.findall(r"^CI_SEATS := (.*)$", makefile, re.M)
    assert len({seat.name for seat in SEATS}) == len(SEATS), "seat names are unique"
    for seat in SEATS:
        path, _, test = seat.runner.partition("::")
        assert (ROOT / path).is_file(), f"{seat.name}: no {path}"
        assert not test or f"def {test}(" in (ROOT / path).read_text(), seat.runner
        assert set(seat.targets) <= targets, f"{seat.name}: no make target {seat.targets}"
        assert set(seat.targets) <= set(ci_seats.split()), f"{seat.name}: not in CI_SEATS"
        if seat.env is not None:
            assert seat.expect is not None and seat.make_test in NAMES, seat.name
            assert seat.covers(seat.make_test), seat.name
    for text in ("README.md", "CONTRIBUTING.md"):
        assert "tests/seats.py" in (ROOT / text).read_text(), f"{text} must point at the table"


def test_make_test_gives_the_unreachable_seat_a_server_that_never_answers():
    """The slowest way a server is not there is the one make test waits for."""
    (seat,) = [seat for seat in SEATS if seat.name == "unreachable"]
    assert dead_kind(seat.make_test) == "never answers"
    assert {dead_kind(name) for name in NAMES} == set(DEAD_KINDS)
