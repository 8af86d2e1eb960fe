"""Faults and bad input: nothing lost, nothing mislabelled, nothing left running, one clear line.

Each test reproduces a fault a student or teacher can cause (a damaged run file, Ctrl-C or
``kill -9`` during a parallel sweep, a folder runs cannot be written to, a typo) and checks
what was stored, what was printed and which processes remain, by PID. Every wait is
bounded; no test asserts how long anything took. ``make test-faults`` (which ``.ci/run`` runs)
runs them all; ``make test-oldest`` the quick ones, on the oldest releases.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from helpers.run_files import run_files
from helpers.runs import read_runs
from helpers.sweep import load_sweep_config, local_sweep
from helpers.wandb_internals import CORE_PROGRAM
from tests.conftest import ROOT, run_python

pytestmark = pytest.mark.faults

SWEEP = str(ROOT / "scripts" / "wandb_sweep.py")
SCRIPT = str(ROOT / "scripts" / "wandb_script.py")

LOG_ONE_RUN = """
import wandb
run = wandb.init(project="p", config={"model": "KNeighborsClassifier"})
run.log({"accuracy": 0.9})
run.finish()
"""

# A run that logs, says it is ready, then waits to be killed.
HANG = """
import time, wandb
run = wandb.init(project="p", config={"model": "KNeighborsClassifier"})
run.log({"accuracy": 0.5})
print(run.id, flush=True)
time.sleep(600)
"""

# A 6-run sweep whose first two runs finish and whose later runs wait to be stopped.
# Each run drops a mark file once it has started, so the test knows when to interrupt.
SLOW_SWEEP = """
import sys, time
from pathlib import Path
import wandb
from helpers.run_table import runs_table
from helpers.sweep import load_sweep_config, local_sweep

MARKS = Path(sys.argv[1])

def train():
    with wandb.init(project="faults") as run:
        run.log({"accuracy": 0.5})
        started = len(list(MARKS.iterdir()))
        (MARKS / run.id).touch()
        if started >= 2:
            time.sleep(600)
        run.log({"accuracy": 0.9})

if __name__ == "__main__":
    runs = local_sweep(
        load_sweep_config(),
        train,
        count=6,
        workers=int(sys.argv[2]),
        progress=False,
        on_interrupt="return",
    )
    print(runs_table(runs)[["id", "state", "accuracy"]].to_string(index=False))
    sys.exit(130 if runs.interrupted else 0)
"""


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes that still run (a zombie has ended: only its exit status is left)."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
        except psutil.NoSuchProcess:
            continue
    return left


def wait_until_gone(processes: list[psutil.Process], bound: float = 90) -> list[psutil.Process]:
    """Wait (at most ``bound`` seconds) for ``processes`` to end; return those still running."""
    deadline = time.monotonic() + bound
    while alive(processes) and time.monotonic() < deadline:
        time.sleep(0.5)
    return alive(processes)


def wait_for(condition, bound: float = 240, step: float = 0.3) -> bool:
    deadline = time.monotonic() + bound
    while not condition() and time.monotonic() < deadline:
        time.sleep(step)
    return condition()


def kill_tree(processes: list[psutil.Process]) -> None:
    """Clean up after a failed test: only the processes this test started."""
    for process in alive(processes):
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue


# ---------------------------------------------------------------- the run reader


def damaged_copies(good: Path) -> dict[str, Path]:
    """Copies of a good run folder whose logs are damaged as crashes and disks damage them."""
    root = good.parent
    log = next(good.glob("run-*.wandb"))
    data = log.read_bytes()
    damage = {
        "trunc": data[: len(data) // 2],  # cut short: the disk filled, the copy stopped
        "seven": data[:7],  # kill -9 during wandb.init leaves the 7-byte header only
        "empty": b"",
        "noise": random.Random(0).randbytes(3000),  # overwritten with random bytes
    }
    folders = {}
    for name, content in damage.items():
        folder = root / f"offline-run-20260101_000000-{name}"
        shutil.copytree(good, folder)
        next(folder.glob("run-*.wandb")).unlink()
        (folder / f"run-{name}.wandb").write_bytes(content)
        folders[name] = folder
    return folders


def test_damaged_run_files_each_get_a_row_and_the_table_survives(offline, tmp_path):
    for _ in range(2):
        assert run_python(LOG_ONE_RUN, tmp_path).returncode == 0
    good = sorted(offline.glob("offline-run-*"))
    damaged_copies(good[0])

    runs = {Path(r["dir"]).name: r for r in read_runs(offline)}
    assert len(runs) == 6  # nothing lost
    for run in good:
        stored = runs[run.name]
        assert stored["state"] == "finished" and stored["summary"]["accuracy"] == 0.9
    damaged = {name.rsplit("-", 1)[-1]: run for name, run in runs.items() if "20260101" in name}
    assert damaged["noise"]["state"] == "unreadable"
    assert "bad header" in damaged["noise"]["reason"]
    assert damaged["noise"]["run_id"] == "noise"  # named after its folder
    assert damaged["seven"]["state"] == "crashed"
    assert "holds no run record" in damaged["seven"]["reason"]
    assert damaged["empty"]["state"] == "crashed"
    assert "log is empty" in damaged["empty"]["reason"]
    assert damaged["trunc"]["state"] == "crashed"
    assert "no exit record" in damaged["trunc"]["reason"]

    result = run_python("", ROOT, args=["-m", "helpers", str(offline)])
    assert result.returncode == 1  # some runs were not read back complete
    assert "Traceback" not in result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: 4 of 6 runs did not read back complete (3 crashed, 1 unreadable); "
        "their rows say why"
    ]
    assert "6 runs stored under" in result.stdout
    rows = result.stdout.splitlines()[2:]
    assert len(rows) == 6
    for name in ("trunc", "seven", "empty", "noise"):
        [row] = [r for r in rows if f"offline-run-20260101_000000-{name}" in r]
        assert ("unreadable" if name == "noise" else "crashed") in row.split()
    assert sum(" finished " in row and "0.9" in row for row in rows) == 2


# Reads one run back in a loop, as a stopped sweep does, in a process whose Ctrl-C is handled.
READ_THROUGH_CTRL_C = """
import signal, sys, time
from helpers.runs import read_run
signal.signal(signal.SIGINT, lambda *_: None)  # the sweep's handler: the process goes on
print("ready", flush=True)
states = []
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    states.append(read_run(sys.argv[1])["state"])
print(len(states), states.count("finished"), flush=True)
sys.stdin.read()  # exits once the presses have stopped (its handler goes at exit)
"""


def _press_ctrl_c(group: int, until: threading.Event) -> None:
    """SIGINT to the whole group every 10 ms, faster than a held-down Ctrl-C repeats (~30 ms)."""
    while not until.is_set():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGINT)
        time.sleep(0.01)


def test_runs_read_back_while_ctrl_c_is_pressed_again_and_again(offline, tmp_path):
    """SIGINT to the reading process's whole group every 10 ms: every read still succeeds.

    A reader caught by a Ctrl-C before it leaves the group dies (exit status -2); read only
    once, the run was reported unreadable ("exit status -2") within the first few dozen reads.
    """
    assert run_python(LOG_ONE_RUN, tmp_path).returncode == 0
    [run] = offline.glob("offline-run-*")
    child = subprocess.Popen(
        [sys.executable, "-c", READ_THROUGH_CTRL_C, str(run), "6"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    try:
        assert child.stdout.readline() == "ready\n", child.stderr.read()
        storm = threading.Event()  # set once the child has said how its reads went
        pressing = threading.Thread(target=_press_ctrl_c, args=(child.pid, storm))
        pressing.start()
        said = child.stdout.readline()
        storm.set()
        pressing.join()
        _, err = child.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 0 and said, err[-2000:]
    reads, finished = map(int, said.split())
    assert reads >= 20 and finished == reads, f"{reads - finished} of {reads} reads failed"


def test_a_reader_killed_as_it_starts_is_started_again_a_few_times(offline, tmp_path, monkeypatch):
    import helpers.runs as runs

    assert run_python(LOG_ONE_RUN, tmp_path).returncode == 0
    starts = tmp_path / "starts"
    real = runs.leet_inspect_command
    # each start is counted; the first one is killed by SIGINT as a Ctrl-C would
    first_killed = 'echo >> "$0"; [ "$(wc -l < "$0")" -gt 1 ] || kill -INT $$; exec "$@"'
    monkeypatch.setattr(
        runs, "leet_inspect_command", lambda *a: ["sh", "-c", first_killed, str(starts), *real(*a)]
    )
    [run] = read_runs(offline)
    assert run["state"] == "finished" and run["summary"]["accuracy"] == 0.9
    first = len(starts.read_text().splitlines())
    assert first >= 2, "the killed reader was not started again"

    starts.unlink()
    always_killed = 'echo >> "$0"; kill -INT $$'
    monkeypatch.setattr(
        runs, "leet_inspect_command", lambda *a: ["sh", "-c", always_killed, str(starts)]
    )
    [run] = read_runs(offline)
    assert run["state"] == "unreadable" and "exit status -2" in run["reason"], run.get("reason")
    assert len(starts.read_text().splitlines()) == runs.READER_ATTEMPTS  # bounded, then said


def test_a_killed_run_reads_as_crashed_and_a_live_one_as_running(offline, tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", HANG],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    tree: list[psutil.Process] = []
    try:
        run_id = child.stdout.readline().strip()  # bounded: the child prints or dies
        assert run_id, "the run did not start"
        tree = psutil.Process(child.pid).children(recursive=True)
        [live] = read_runs(offline)
        assert live["run_id"] == run_id and live["state"] == "running"  # not called crashed
        child.kill()
        child.wait(timeout=60)
        assert wait_until_gone(tree) == []  # wandb-core notices its parent died
        [dead] = read_runs(offline)
        assert dead["run_id"] == run_id and dead["state"] == "crashed"
        assert dead["reason"]
    finally:
        child.kill()
        child.wait(timeout=60)
        kill_tree(tree)


EMPTY_RUN = """
import wandb
run = wandb.init(project="p", config={"model": "KNeighborsClassifier"})
run.finish()
"""

# Ctrl-C inside wandb.init, just as it hands wandb-core the run record: Python stops, then
# wandb-core closes the log with a summary holding only `_runtime` and an exit record (exit
# code 0), and no run record; W&B's reader calls that "finished".
STOPPED_IN_INIT = """
import wandb
from helpers.wandb_internals import run_record_handover


def ctrl_c(*args, **kwargs):
    raise KeyboardInterrupt


setattr(*run_record_handover(), ctrl_c)
try:
    wandb.init(project="p", id="norec")
except KeyboardInterrupt:
    pass
"""


def test_a_run_that_never_ran_is_never_called_complete(offline, tmp_path):
    assert run_python(LOG_ONE_RUN, tmp_path).returncode == 0
    assert run_python(EMPTY_RUN, tmp_path).returncode == 0  # finished, nothing logged
    assert run_python(STOPPED_IN_INIT, tmp_path).returncode == 0
    (offline / "offline-run-20260101_000001-nolog" / "files").mkdir(parents=True)

    runs = read_runs(offline)
    assert len(runs) == 4  # the folder with no log has its row too
    by_state: dict[str, list] = {}
    for run in runs:
        by_state.setdefault(run["state"], []).append(run)
    [good] = by_state["finished"]
    assert good["summary"]["accuracy"] == 0.9
    incomplete = {run["run_id"]: run for run in by_state["incomplete"]}
    assert incomplete["norec"]["stored_state"] == "finished"  # what W&B's reader said
    assert "no run record (no run id, no config)" in incomplete["norec"]["reason"]
    [empty] = [run for run_id, run in incomplete.items() if run_id != "norec"]
    assert "no logged step and no metric" in empty["reason"]
    assert (incomplete["norec"]["lacks"], empty["lacks"]) == ("run record", "logged metrics")
    [nolog] = by_state["crashed"]
    assert nolog["run_id"] == "nolog"
    assert "its folder holds no run-nolog.wandb" in nolog["reason"]

    result = run_python("", ROOT, args=["-m", "helpers", str(offline)])
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert "(2 incomplete, 1 crashed)" in result.stderr
    rows = result.stdout.splitlines()[2:]
    assert len(rows) == 4
    [norec_row] = [row for row in rows if row.split()[0] == "norec"]
    assert " incomplete " in norec_row and "no run record" in norec_row
    assert not [row for row in rows if " finished " in row and "0.9" not in row]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda t: t / "wandbb", "no folder {t}/wandbb; did you mean {t}/wandb?"),
        (lambda t: t / "empty", "no runs stored under {t}/empty (it holds no offline-run-*/"),
        (lambda t: t / "notes.txt", "{t}/notes.txt is a file, not a wandb folder"),
        (
            lambda t: t,
            "no runs directly under {t}, but {t}/wandb holds 1: python -m helpers {t}/wandb",
        ),
    ],
    ids=["typo", "empty", "file", "outputs"],
)
def test_the_runs_command_says_why_a_folder_shows_no_runs(offline, tmp_path, make, message):
    assert run_python(LOG_ONE_RUN, tmp_path).returncode == 0
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not runs")
    result = run_python("", ROOT, args=["-m", "helpers", str(make(tmp_path))])
    assert result.returncode == 2
    assert result.stdout.strip().startswith(message.format(t=tmp_path))
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- interrupted sweeps


@pytest.mark.slow  # drives a script end to end, as wandb behaves in every seat
@pytest.mark.parametrize(
    "how, workers",
    [("ctrl-c", 2), ("sigterm", 2), ("sigkill", 2), ("ctrl-c", 1)],
)
def test_an_interrupted_sweep_stores_the_truth_and_leaves_no_process(
    offline, tmp_path, how, workers
):
    """Ctrl-C reaches the whole process group, as in a terminal; SIGTERM/SIGKILL the parent."""
    (tmp_path / "sweep.py").write_text(SLOW_SWEEP)
    marks = tmp_path / "marks"
    marks.mkdir()
    parent = subprocess.Popen(
        [sys.executable, "sweep.py", str(marks), str(workers)],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    tree: list[psutil.Process] = []
    try:
        # two runs finished, and one run per worker waits in progress
        assert wait_for(lambda: len(list(marks.iterdir())) >= 2 + workers), "runs did not start"
        time.sleep(0.5)  # let the waiting runs reach their sleep
        tree = psutil.Process(parent.pid).children(recursive=True)
        names = [p.name() for p in alive(tree)]
        assert names.count(CORE_PROGRAM) == workers
        if how == "ctrl-c":
            os.killpg(parent.pid, signal.SIGINT)
        else:
            parent.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        out, err = parent.communicate(timeout=180)
        assert wait_until_gone(tree) == [], "a worker or wandb-core outlived the sweep"
    finally:
        if parent.poll() is None:
            os.killpg(parent.pid, signal.SIGKILL)
            parent.wait(timeout=60)
        kill_tree(tree)

    runs = read_runs(offline)
    states = sorted(r["state"] for r in runs)
    assert states == ["failed"] * workers + ["finished"] * 2  # nothing lost, nothing mislabelled
    for run in runs:  # a finished run has its final metric; a stopped one is not "finished"
        assert run["summary"]["accuracy"] == (0.9 if run["state"] == "finished" else 0.5)
    if how == "sigkill":
        assert parent.returncode == -signal.SIGKILL
        return
    assert parent.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = out.strip().splitlines()
    stopped = f"{workers} stopped and stored as failed"
    assert lines[0] == f"sweep interrupted: 2 of 6 runs finished, {stopped}"
    assert len(lines) == 2 + len(runs)  # the line, the table's header, one row per stored run


# ---------------------------------------------------------------- bad input to the sweep


def test_a_value_the_model_refuses_fails_its_run_in_one_line(offline, tmp_path):
    config = tmp_path / "bogus.yaml"
    config.write_text(
        "method: grid\nmetric: {name: accuracy, goal: maximize}\nparameters:\n"
        "  n_neighbors: {value: 3}\n  weights: {values: [uniform, bogus]}\n"
    )
    result = run_python("", tmp_path, args=[SWEEP, "--config", str(config), "--count", "2"])
    assert result.returncode == 1  # a run failed
    assert "Traceback" not in result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if " failed: " in line]
    assert "weights='bogus'" in line and "The 'weights' parameter of KNeighborsClassifier" in line
    runs = {r["config"]["weights"]: r for r in read_runs(offline)}
    assert runs["bogus"]["state"] == "failed" and "accuracy" not in runs["bogus"]["summary"]
    assert runs["uniform"]["state"] == "finished" and runs["uniform"]["summary"]["accuracy"] > 0.9


def test_a_train_that_raises_without_a_with_block_is_stored_as_failed(offline, capsys):
    import wandb

    def train():
        run = wandb.init(project="faults")
        run.log({"accuracy": 0.5})
        raise RuntimeError("diverged")

    runs = local_sweep(load_sweep_config(), train, count=1, progress=False)
    assert [r["state"] for r in runs] == ["failed"]
    assert runs.failures and "RuntimeError: diverged" in runs.failures[0]


def test_workers_are_capped_at_the_runs_and_the_cores(offline, tmp_path, capsys):
    def train():
        import wandb

        with wandb.init(project="faults") as run:
            run.log({"accuracy": 0.5})

    runs = local_sweep(load_sweep_config(), train, count=1, workers=100, progress=False)
    assert len(runs) == 1
    assert "using 1 worker, not 100: the sweep has 1 run" in capsys.readouterr().out

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = cores + 1
    result = run_python("", tmp_path, args=[SWEEP, "--count", str(count), "--workers", "100"])
    assert result.returncode == 0, result.stderr
    workers = "1 worker" if cores == 1 else f"{cores} workers"
    assert f"using {workers}, not 100: this machine has {cores} cores" in result.stdout
    assert len(read_runs(offline)) == 1 + count


def test_a_sweep_file_with_a_yaml_error_names_the_file_and_line(offline, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("method: random\nparameters:\n  n_neighbors: {values: [3, 5}\n")
    result = run_python("", tmp_path, args=[SWEEP, "--config", str(bad)])
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"wandb_sweep.py: error: {bad}, line 3, column ")
    assert "is not valid YAML" in line


def unwritable(tmp_path: Path) -> Path:
    """A WANDB_DIR nobody can write, root included: a folder inside a regular file.

    chmod does not stop root (the tests may run as root in CI containers), and a
    read-only mount needs privileges; a path under a file fails for every user alike.
    """
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    return blocker / "runs"


@pytest.mark.slow  # drives a script end to end, as wandb behaves in every seat
@pytest.mark.parametrize("script", [SWEEP, SCRIPT], ids=["sweep", "script"])
def test_a_wandb_dir_that_cannot_be_written_stops_before_any_run(offline, tmp_path, script):
    target = unwritable(tmp_path)
    result = run_python("", tmp_path, {"WANDB_DIR": str(target)}, args=[script])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"cannot write runs to {target}" in result.stderr
    assert not offline.exists() or run_files(offline) == []


def test_local_sweep_refuses_an_unwritable_folder_in_one_line(offline, tmp_path, monkeypatch):
    target = unwritable(tmp_path)
    monkeypatch.setenv("WANDB_DIR", str(target))
    with pytest.raises(ValueError, match=f"cannot write runs to {target}/wandb"):
        local_sweep(load_sweep_config(), lambda: None, count=1, progress=False)


@pytest.mark.slow  # drives a script end to end, as wandb behaves in every seat
@pytest.mark.parametrize("script", [SWEEP, SCRIPT], ids=["sweep", "script"])
@pytest.mark.parametrize(
    "env, message",
    [
        ({"WANDB_MODE": "onlin"}, "WANDB_MODE is 'onlin'; use one of: online, offline, disabled"),
        ({"WANDB_MODE": None, "WANDB_API_KEY": "abc"}, "the W&B API key wandb found is not valid"),
        ({"WANDB_MODE": "online"}, "no API key was found"),
    ],
    ids=["bad-mode", "malformed-key", "online-without-key"],
)
def test_mode_and_key_errors_are_one_line_and_exit_2(offline, tmp_path, script, env, message):
    result = run_python("", tmp_path, env, args=[script])
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert message in line
    assert not offline.exists() or run_files(offline) == []


def test_a_batch_value_that_is_not_yaml_is_one_line(offline, tmp_path):
    result = run_python(
        "", ROOT, args=["-m", "helpers.batch", "02_logging", "MODEL", "[1", "--out", str(tmp_path)]
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "value '[1' is not valid YAML" in result.stderr


# ---------------------------------------------------------------- Ctrl-C as a terminal sends it


class Sweep:
    """``scripts/wandb_sweep.py`` started as a terminal's foreground job, watched while it runs.

    It gets a process group of its own (``start_new_session``), so ``interrupt`` is what Ctrl-C
    does: SIGINT to every process of the group. A thread reads its progress bar (stderr) and
    notes every process it starts (workers, their wandb-core), so the test can check, by PID,
    that none is left.
    """

    def __init__(self, cwd: Path, count: int, workers: int) -> None:
        import threading

        self.process = subprocess.Popen(
            [sys.executable, SWEEP, "--count", str(count), "--workers", str(workers)],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.seen: dict[int, psutil.Process] = {}
        self.groups: dict[int, tuple[str, int]] = {}  # pid: (name, process group)
        self.err: list[str] = []
        self.watchers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._note_processes, daemon=True),
        ]
        for watcher in self.watchers:
            watcher.start()

    def _read_stderr(self) -> None:
        while chunk := self.process.stderr.read(64):
            self.err.append(chunk)

    def _note_processes(self) -> None:
        while self.process.poll() is None:
            try:
                for child in psutil.Process(self.process.pid).children(recursive=True):
                    if child.pid not in self.seen:
                        self.seen[child.pid] = child
                        with contextlib.suppress(OSError, psutil.Error):
                            self.groups[child.pid] = (child.name(), os.getpgid(child.pid))
            except psutil.NoSuchProcess:
                return
            time.sleep(0.02)

    def bar_reached(self, runs: int) -> bool:
        """The progress bar shows ``runs`` runs done or more (tqdm's ``| 3/40 [``): tqdm redraws
        at most every 0.1 s, so two runs that end together take it from 1/40 to 3/40."""
        shown = [int(done) for done in re.findall(r"\| (\d+)/", "".join(self.err))]
        return max(shown, default=0) >= runs

    def workers(self) -> int:
        return sum(p.name().startswith("python") for p in alive(list(self.seen.values())))

    def interrupt(self) -> tuple[str, str]:
        """Ctrl-C: SIGINT to the whole group; then its output, once it ended."""
        os.killpg(self.process.pid, signal.SIGINT)
        out = self.process.stdout.read()
        self.process.wait(timeout=180)
        for watcher in self.watchers:
            watcher.join(timeout=60)
        return out, "".join(self.err)

    def left(self) -> list[psutil.Process]:
        return wait_until_gone(list(self.seen.values()))

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=60)
        kill_tree(list(self.seen.values()))


def check_stopped_sweep(offline: Path, out: str) -> None:
    """Every run on disk is finished with its metrics or failed with its id, and is listed."""
    result = run_python("", ROOT, args=["-m", "helpers", str(offline)])
    runs = read_runs(offline) if offline.exists() else []
    assert result.returncode == (0 if runs else 2), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for run in runs:
        assert run["state"] in ("finished", "failed"), run.get("reason")
        assert run["run_id"] == Path(run["dir"]).name.rsplit("-", 1)[-1]
        assert run["config"]["n_neighbors"] in range(2, 21)
        if run["state"] == "finished":
            assert {"accuracy", "f1", "nll"} <= set(run["summary"])
    states = {run["run_id"]: run["state"] for run in runs}
    finished = sum(state == "finished" for state in states.values())
    failed = len(states) - finished
    lines = out.strip().splitlines()
    stopped = f", {failed} stopped and stored as failed" if failed else ""
    assert lines[0] == f"sweep interrupted: {finished} of 40 runs finished{stopped}"
    listed = {row.split()[0]: row.split()[1] for row in lines[2:]}  # under the table's header
    assert listed == states  # every run on disk, with the state it is stored with


# When to press Ctrl-C, measured from what the sweep shows: ("workers", 0, d) once its worker
# processes exist (no run yet); ("folder", n, d) d seconds after the n-th run folder appeared
# (inside wandb.init, training, finishing); ("bar", n, d) after the bar counted n runs (between
# runs, reading one back). The delays spread the moments over a run's life (~0.5-1 s here).
MOMENTS = [
    ("workers", 0, 0.0),
    ("folder", 1, 0.0),
    ("folder", 1, 0.05),
    ("folder", 1, 0.15),
    ("folder", 1, 0.3),
    ("folder", 2, 0.6),
    ("folder", 3, 0.0),
    ("folder", 3, 0.1),
    ("folder", 4, 0.25),
    ("bar", 1, 0.0),
    ("bar", 2, 0.05),
    ("bar", 3, 0.2),
]


def trials() -> list:
    found = []
    for workers in (2, 1):
        for moment in MOMENTS:
            if moment[0] == "workers" and workers == 1:
                continue  # one worker: the sweep trains in its own process
            name = "-".join(map(str, (*moment, workers)))
            found.append(pytest.param(*moment, workers, id=name))
    return found


@pytest.mark.slow  # drives a script end to end, as wandb behaves in every seat
@pytest.mark.parametrize("event, n, delay, workers", trials())
def test_ctrl_c_in_a_terminal_at_any_moment_stores_every_run_truthfully(
    offline, tmp_path, event, n, delay, workers
):
    """``python scripts/wandb_sweep.py --count 40 --workers N``, then Ctrl-C at one moment."""
    sweep = Sweep(tmp_path, count=40, workers=workers)
    try:
        if event == "workers":
            ready = lambda: sweep.workers() >= workers  # noqa: E731
        elif event == "folder":
            ready = lambda: len(list(offline.glob("offline-run-*"))) >= n  # noqa: E731
        else:
            ready = lambda: sweep.bar_reached(n)  # noqa: E731
        assert wait_for(ready, bound=120, step=0.01), (
            f"the sweep never reached {event} {n}; its stderr ends: {''.join(sweep.err)[-300:]!r}"
        )
        time.sleep(delay)
        out, err = sweep.interrupt()
        assert sweep.left() == [], "a worker or wandb-core outlived the sweep"
        # wandb starts wandb-core in a session of its own: Ctrl-C never reaches it
        cores = [group for name, group in sweep.groups.values() if name == "wandb-core"]
        assert sweep.process.pid not in cores
    finally:
        sweep.kill()
    assert sweep.process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    check_stopped_sweep(offline, out)


def test_the_stop_button_during_07s_parallel_sweep_stores_every_run_truthfully(offline, tmp_path):
    """JupyterLab's stop button: jupyter_client interrupts the kernel (SIGINT to its group)."""
    import asyncio
    import threading

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(ROOT / "notebooks" / "07_sweeps.ipynb", as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(
        params + 1, nbformat.v4.new_code_cell('COUNT = 40\nWORKERS = 2\nMODE = "offline"')
    )
    sweep = next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "local_sweep(" in c.source
    )
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    seen: dict[int, psutil.Process] = {}

    def press_stop(kernel: psutil.Process) -> None:
        def ready() -> bool:
            with contextlib.suppress(psutil.NoSuchProcess):
                for child in kernel.children(recursive=True):
                    seen.setdefault(child.pid, child)
            return len(list(offline.glob("offline-run-*"))) >= 3

        if wait_for(ready, bound=240, step=0.02):
            asyncio.run(client.km.interrupt_kernel())  # what the stop button asks for

    with client.setup_kernel():
        for index in range(sweep):
            client.execute_cell(nb.cells[index], index)
        kernel = psutil.Process(client.km.provisioner.process.pid)
        presser = threading.Thread(target=press_stop, args=(kernel,), daemon=True)
        presser.start()
        with pytest.raises(CellExecutionError) as stopped:
            client.execute_cell(nb.cells[sweep], sweep)
        presser.join(timeout=60)
        assert wait_until_gone(list(seen.values())) == [], "a worker or wandb-core was left"
        assert [p.name() for p in alive(kernel.children(recursive=True))] == []
        assert seen, "the sweep started no worker"
        # the kernel still runs code after the stop (a file, not its printed output: an old
        # ipykernel can deliver a print after the interrupt too late for nbclient's cell).
        # ipykernel 6 aborts ("aborted", the cell not run) a request that reaches it before
        # one more turn of its loop after the stopped cell's error; a student's next click
        # comes later, so the test clicks again when that is what happened.
        alive_file = tmp_path / "kernel-still-runs.txt"
        probe = nbformat.v4.new_code_cell(f"open({str(alive_file)!r}, 'w').write('yes')")
        nb.cells.append(probe)
        replies: list[str] = []
        client.on_cell_executed = lambda execute_reply, **_: replies.append(
            execute_reply["content"]["status"]
        )
        for _ in range(3):
            client.execute_cell(probe, len(nb.cells) - 1)
            if replies[-1] != "aborted":
                break
            time.sleep(1)  # the next click
        assert replies[-1] == "ok", f"the kernel did not run a cell after the stop: {replies}"
        assert alive_file.read_text() == "yes"

    runs = read_runs(offline)
    finished = sum(run["state"] == "finished" for run in runs)
    failed = len(runs) - finished
    assert len(runs) >= 3
    for run in runs:
        assert run["state"] in ("finished", "failed"), run.get("reason")
        if run["state"] == "finished":
            assert {"accuracy", "f1", "nll"} <= set(run["summary"])
    stopped_line = f", {failed} stopped and stored as failed" if failed else ""
    message = str(stopped.value)
    assert (
        f"KeyboardInterrupt: sweep interrupted: {finished} of 40 runs finished{stopped_line}"
        in (message)
    )
    assert "Traceback" not in message
    result = run_python("", ROOT, args=["-m", "helpers", str(offline)])
    assert result.returncode == 0 and f"{len(runs)} runs stored under" in result.stdout
