"""Faults and bad input: nothing lost, nothing mislabelled, nothing left running, one clear line.

Each test reproduces a fault a student or teacher can cause (a damaged run file, Ctrl-C or
``kill -9`` during a parallel sweep, a folder runs cannot be written to, a typo) and checks
what was stored, what was printed and which processes remain, by PID. Every wait is
bounded; no test asserts how long anything took.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from helpers.runs import read_runs, run_files
from helpers.sweep import load_sweep_config, local_sweep
from helpers.wandb_internals import CORE_PROGRAM
from tests.conftest import ROOT, run_python

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
from helpers.runs import runs_table
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


def wait_for(condition, bound: float = 240) -> bool:
    deadline = time.monotonic() + bound
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.3)
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
