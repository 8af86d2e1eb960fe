""".ci/run: the README's test command, then every seat target in lanes, each one's time saved."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.tooling

# The seat list comes from the real Makefile (make -s ci-seats); every other target is recorded.
FAKE_MAKE = """#!/bin/sh
[ "$2" = ci-seats ] && exec "$REAL_MAKE" "$@"
echo "$1" >> "$CALLS"
[ "$1" = "$FAIL" ] && exit 3
exit 0
"""


def _ci(
    tmp_path: Path, fail: str = "", lanes: str = "2"
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run a copy of .ci/run with a ``make`` that only records the targets it was given."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").write_text(FAKE_MAKE)
    (bin_dir / "make").chmod(0o755)
    calls = tmp_path / "calls.txt"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(calls),
        "FAIL": fail,
        "REAL_MAKE": shutil.which("make") or "make",
        "CI_LANES": lanes,
    }
    result = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    made = calls.read_text().split() if calls.exists() else []
    assert made.count("ci-prepare") == 1, f"the downloads start once, in the background: {made}"
    made.remove("ci-prepare")
    if fail != "test":  # the extras the lanes share: installed once, after make test, then lanes
        assert made[:2] == ["test", "ci-extras"] and made.count("ci-extras") == 1, made
        made.remove("ci-extras")
    return result, made


@pytest.mark.parametrize("lanes", ["1", "2"])
def test_ci_runs_the_readmes_test_command_first_then_every_seat(tmp_path, lanes):
    result, targets = _ci(tmp_path, lanes=lanes)
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (ROOT / "README.md").read_text()
    assert "make test   #" in readme and targets[0] == "test"
    seats = re.findall(r"^\| `make (test-[a-z-]+)` \|", readme, re.M)
    assert sorted(seats) == sorted(targets[1:]), "the README's table of seats is what CI runs"
    makefile = (ROOT / "Makefile").read_text()
    (listed,) = re.findall(r"^CI_SEATS := (.*)$", makefile, re.M)
    if lanes == "1":
        assert targets == listed.split(), "one lane runs the seats in CI_SEATS order"
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"no make {target}"
    times = json.loads((tmp_path / "outputs" / "ci-times.json").read_text())
    assert sorted(times["seats"]) == sorted(f"make {t}" for t in targets)
    assert all(seat["status"] == 0 for seat in times["seats"].values())
    for target in targets:
        assert re.search(rf"^== make {re.escape(target)} +\d+ s ", result.stdout, re.M)
    assert result.stdout.splitlines()[-1].startswith("== all seats")
    assert all(seat["start"] >= 0 for seat in times["seats"].values())
    assert times["wall_seconds"] <= times["total_seconds"] + len(targets)  # lanes overlap


def test_the_benchmark_prints_each_seat_and_the_wall_time(tmp_path, capsys):
    result, targets = _ci(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    spec = importlib.util.spec_from_file_location("series", ROOT / "benchmarks" / "series.py")
    series = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(series)
    series.print_ci_times(tmp_path / "outputs" / "ci-times.json")
    printed = capsys.readouterr().out
    for target in targets:
        assert re.search(rf"^  make {re.escape(target)} +\d+ s  \(0:\d\d\)  from 0:", printed, re.M)
    assert re.search(r"^  seats, summed +\d+ s", printed, re.M)
    assert re.search(r"^  wall time +\d+ s", printed, re.M)
    if Path("/proc/stat").exists():  # what the cores did: busy, steal and idle add up to it all
        cpu = json.loads((tmp_path / "outputs" / "ci-times.json").read_text())["cpu"]
        assert cpu["cores"] == os.cpu_count() and cpu["busy_seconds"] >= 0
        shares = re.search(
            r"^  machine, \d+ cores +busy \d+ s \((\d+) %\), steal \d+ s \((\d+) %\), "
            r"idle \d+ s \((\d+) %\)$",
            printed,
            re.M,
        )
        assert shares and 99 <= sum(map(int, shares.groups())) <= 101, printed
        assert re.search(r"^  busy CPU / cores +\d+ s$", printed, re.M), printed


@pytest.mark.parametrize("failing", ["test", "test-colab", "test-oldest"])
def test_ci_stops_at_the_first_failing_seat_and_keeps_the_times_so_far(tmp_path, failing):
    result, targets = _ci(tmp_path, fail=failing)
    assert result.returncode == 3
    if failing == "test":
        assert targets == ["test"], "nothing slower runs when make test fails"
    # a lane takes no seat once one has failed (the other lane may have taken one meanwhile)
    assert len(targets) == len(set(targets)) and targets.index(failing) >= len(targets) - 2
    times = json.loads((tmp_path / "outputs" / "ci-times.json").read_text())
    assert times["seats"][f"make {failing}"]["status"] == 3
    last = result.stdout.splitlines()[-1]
    assert last.startswith(f"== failed: make {failing} (exit 3)"), last


def test_ci_fails_when_the_makefile_names_no_seat(tmp_path):
    (tmp_path / "Makefile").write_text("ci-seats:\n\t@echo\n")
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    result = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert "make ci-seats named no seat" in result.stderr


def test_the_seats_named_in_ci_run_are_the_makefiles():
    seats = subprocess.run(
        ["make", "-s", "ci-seats"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    [named] = re.findall(r"^# Today: (.*) \(the comment", (ROOT / ".ci/run").read_text(), re.M)
    assert named.split() == seats, "update the seat list in .ci/run's comment"
