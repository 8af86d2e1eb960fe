"""Read stored runs back with W&B's own reader, the offline twin of the web UI.

Every run directory holds a ``run-<id>.wandb`` transaction log. W&B's LEET reader
(``wandb leet inspect``) turns it into JSON: ``--summary --json`` gives the state,
config and latest metrics; the record stream (``--json``) gives the run record
(group, job type) and the environment (Python, git commit, program) that the
Overview tab shows. We call the ``wandb-core`` program that ``wandb leet`` itself
runs, so reading ten runs costs ten ~20 ms calls rather than ten Python start-ups,
and we run them side by side.

This module reads one run back and judges its state (finished, running, crashed,
incomplete, unreadable). Finding the logs on disk is :mod:`helpers.run_files`; laying
the runs out as the web UI does (the Runs table, a run's history, its Overview) is
:mod:`helpers.run_table`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.run_files import open_logs, run_file, run_files, run_id_of, wandb_dir
from helpers.wandb_internals import leet_inspect_command


class UnreadableRunError(RuntimeError):
    """W&B's reader refused a run log; ``reason`` is its message."""

    def __init__(self, run_file: Path, reason: str) -> None:
        super().__init__(f"wandb leet inspect could not read {run_file}: {reason}")
        self.reason = reason


# How often a reader that a Ctrl-C killed as it started is started again.
READER_ATTEMPTS = 5


def _run_leet(run_file: Path, *flags: str) -> str:
    """The reader's output; a reader killed by a Ctrl-C meant for the sweep is run again.

    Ctrl-C in a terminal reaches its whole process group: a stopped sweep still reads its
    runs back, so the reader (a quick, bounded call) starts a session of its own. It is still
    in the group for a moment between its fork and ``setsid`` (longer on a loaded machine), and
    a Ctrl-C then kills it (exit status -2), which says nothing about the run: it is read again.
    """
    for _ in range(READER_ATTEMPTS):
        result = subprocess.run(
            leet_inspect_command(run_file, *flags),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
            check=False,
            start_new_session=True,
        )
        if result.returncode != -signal.SIGINT:
            break
    if result.returncode != 0:
        reason = " ".join(result.stderr.split()).removeprefix("Error: ")
        raise UnreadableRunError(run_file, reason or f"exit status {result.returncode}")
    return result.stdout


def _records(run_path: Path) -> dict[str, Any]:
    """The run record, the merged environment records and the history steps, in order."""
    found: dict[str, Any] = {"run": {}, "environment": {}, "history": []}
    for line in _run_leet(run_path, "--json").splitlines():
        if '"type":"run"' in line[:40]:
            found["run"] = json.loads(line)["run"]
        elif '"type":"environment"' in line[:40]:
            found["environment"].update(json.loads(line)["environment"])
        elif '"type":"history"' in line[:40]:
            found["history"].append(json.loads(line)["history"]["item"])
    return found


def _judge(run: dict[str, Any], log: Path) -> dict[str, Any]:
    """Say plainly when a stored run did not end: crashed (nobody writes it) or still running.

    wandb only writes a run's exit when ``run.finish()`` (or the end of the process) gets
    there. A log with no exit reads back as ``running``; one killed before its first
    records reached the disk reads back with no id at all (state ``unknown``). A log
    that did end is checked by :func:`_incomplete`.
    """
    state = run.get("state")
    if state not in ("running", "unknown"):
        return _incomplete(run, log)
    run["stored_state"] = state
    if not run.get("run_id"):
        run["run_id"] = run_id_of(log.parent)
    held_open = open_logs()
    if held_open is not None and str(log.resolve()) in held_open:
        run["state"] = "running"
        return run
    run["folder"] = log.parent.name
    size = log.stat().st_size if log.exists() else 0
    if state == "unknown":
        what = "its log is empty" if size == 0 else f"its log ({size} bytes) holds no run record"
        run["reason"] = f"{what}: the process stopped before wandb wrote the run to disk"
    else:
        run["reason"] = (
            "its log ends before the run did (no exit record): the process was killed "
            "or the file was cut short"
        )
    run["state"] = "crashed" if held_open is not None else "unfinished"
    return run


def _incomplete(run: dict[str, Any], log: Path) -> dict[str, Any]:
    """Refuse to call a run complete when its log ends but lacks what every run has.

    A process stopped inside ``wandb.init`` can leave a log that ends (an exit record,
    exit code 0: W&B's reader says ``finished``) with no run record, so no run id and no
    config; and a run stopped before its first ``run.log`` is "finished" with no history
    and no metric but ``_runtime``. Neither is a run that finished: state ``incomplete``.
    """
    if not run.get("run_id"):
        lacks = "run record"
        why = "no run record (no run id, no config): the process stopped inside wandb.init"
    elif run.get("state") == "finished" and not (
        run.get("history") and any(not key.startswith("_") for key in run.get("summary") or {})
    ):
        lacks = "logged metrics"
        why = "no logged step and no metric: the run ended before its first run.log"
    else:
        return run
    run["stored_state"] = run.get("state")
    run["run_id"] = run.get("run_id") or run_id_of(log.parent)
    run["folder"] = log.parent.name
    run["reason"] = f"its log ends ({run['stored_state']}) but holds {why}"
    run["state"] = "incomplete"
    run["lacks"] = lacks
    return run


def _no_log(log: Path) -> dict[str, Any]:
    """A run folder with no log: wandb made the folder, then the process stopped."""
    folder = log.parent
    return {
        "run_id": run_id_of(folder),
        "name": folder.name,
        "folder": folder.name,
        "state": "crashed" if open_logs() is not None else "unfinished",
        "reason": f"its folder holds no {log.name}: the process stopped inside wandb.init, "
        "before wandb wrote the run",
        "dir": str(folder),
        "config": {},
        "summary": {},
    }


def read_run(path: str | os.PathLike[str] | Any) -> dict[str, Any]:
    """Everything wandb stored about one run, as one dict.

    Keys: those of ``wandb leet inspect --summary --json`` (``run_id``, ``project``,
    ``state``, ``config``, ``summary``, ``console``...), plus ``group``, ``job_type``,
    ``dir`` (the run folder), ``environment`` (the Overview tab's facts) and
    ``history`` (every logged step; see :func:`helpers.run_table.history`).
    A run whose log ends early (its process died) or that has no log has state ``crashed``
    and a ``reason``; one whose log ends without a run record or, finished, without a
    logged metric, has state ``incomplete``; a log W&B's reader refuses raises
    RuntimeError with the reader's message.
    """
    log = run_file(path)
    if not log.exists():
        return _no_log(log)
    summary = json.loads(_run_leet(log, "--summary", "--json"))
    records = _records(log)
    summary["group"] = records["run"].get("run_group", "")
    summary["job_type"] = records["run"].get("job_type", "")
    summary["environment"] = records["environment"]
    summary["history"] = records["history"]
    summary["dir"] = str(log.parent)
    return _judge(summary, log)


def read_or_explain(source: Any) -> dict[str, Any]:
    """:func:`read_run`, or a row that says why the run could not be read (never an error)."""
    try:
        return read_run(source)
    except (RuntimeError, OSError, ValueError, subprocess.SubprocessError) as error:
        folder = Path(getattr(getattr(source, "settings", None), "sync_dir", None) or source)
        if folder.suffix == ".wandb":
            folder = folder.parent
        reason = getattr(error, "reason", None) or str(error)
        return {
            "run_id": run_id_of(folder),
            "name": folder.name,
            "folder": folder.name,
            "state": "unreadable",
            "reason": reason,
            "dir": str(folder),
            "config": {},
            "summary": {},
        }


DAMAGED = ("unreadable", "crashed", "unfinished", "incomplete")


def read_back(run: Any) -> dict[str, Any] | None:
    """Read back a finished Run object; None (and one line why) when wandb was disabled."""
    if getattr(run, "disabled", False):
        print("wandb is disabled, so nothing was stored to read back.")
        return None
    return read_run(run)


def read_runs(
    runs: str | os.PathLike[str] | list[Any] | None = None, workers: int = 4
) -> list[dict[str, Any]]:
    """Read several runs side by side: a list of runs or run folders, or a whole wandb folder.

    Runs of a disabled wandb stored nothing: they are left out, and one line says so.
    A run that cannot be read, or whose process died before it ended, still gets its
    entry (state ``unreadable`` / ``crashed``, with a ``reason``), and one warning line
    on stderr says how many: one damaged file never hides the others.
    """
    if runs is None or isinstance(runs, (str, os.PathLike)):
        sources: list[Any] = list(run_files(runs))
    else:
        sources = [r for r in runs if not getattr(r, "disabled", False)]
        if len(sources) < len(runs):
            print("wandb is disabled, so nothing was stored to read back.")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = list(pool.map(read_or_explain, sources))
    damaged = [r for r in found if r.get("state") in DAMAGED]
    if damaged:
        states = ", ".join(
            f"{n} {s}" for s, n in pd.Series([r["state"] for r in damaged]).value_counts().items()
        )
        print(
            f"warning: {len(damaged)} of {len(found)} runs did not read back complete "
            f"({states}); their rows say why",
            file=sys.stderr,
        )
    return found


def latest_run(path: str | os.PathLike[str] | None = None) -> dict[str, Any] | None:
    """The most recent run under a wandb folder (None, and one line, when wandb is disabled)."""
    files = run_files(path)
    if not files and os.environ.get("WANDB_MODE") == "disabled":
        print("wandb is disabled, so nothing was stored to read back.")
        return None
    if not files:
        raise FileNotFoundError(f"no runs stored under {wandb_dir(path)}")
    return read_run(files[-1])
