"""Runs shown as the website shows them: the Runs tab's table, a run's history, its Overview.

:mod:`helpers.runs` reads a run back into one dict, exactly as W&B's reader gives it;
the notebooks, the sweep and ``python -m helpers`` then want that dict laid out the way
the web UI lays it out. The layout lives here, apart from the reading, so a change to
what a table shows never touches how a run is read or judged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.runs import read_runs

RUN_COLUMNS = ["id", "name", "project", "entity", "group", "job_type", "tags", "notes", "state"]


def _row(run: dict[str, Any]) -> dict[str, Any]:
    row = {
        "id": run.get("run_id"),
        "name": run.get("name") or run.get("run_id"),
        "project": run.get("project"),
        "entity": run.get("entity"),
        "group": run.get("group"),
        "job_type": run.get("job_type"),
        "tags": ", ".join(run.get("tags") or []),
        "notes": run.get("notes"),
        "state": run.get("state"),
    }
    if run.get("reason"):
        row["folder"], row["reason"] = run.get("folder"), run["reason"]
    row.update({f"config.{k}": v for k, v in (run.get("config") or {}).items()})
    row.update(
        {
            k: v
            for k, v in (run.get("summary") or {}).items()
            if not k.startswith("_") and not isinstance(v, (dict, list))
        }
    )
    return row


def runs_table(
    runs: list[dict[str, Any]] | str | os.PathLike[str] | None = None,
    sort_by: str | None = None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    """One row per run, like the website's Runs tab: identity, state, ``config.*`` and metrics.

    ``runs`` is a list from :func:`helpers.runs.read_runs` or a wandb folder to read;
    ``sort_by`` a metric to sort on, best first (lowest first for ``nll``, a loss);
    ``columns`` the columns to show, like hiding columns on the website (an empty table
    when nothing was stored keeps them).
    """
    if runs is None or isinstance(runs, (str, os.PathLike)):
        runs = read_runs(runs)
    table = pd.DataFrame([_row(r) for r in runs])
    table = table.reindex(columns=RUN_COLUMNS + [c for c in table.columns if c not in RUN_COLUMNS])
    if sort_by and sort_by in table:
        table = table.sort_values(sort_by, ascending=sort_by == "nll", ignore_index=True)
    return table if columns is None else table.reindex(columns=columns)


def history(run: dict[str, Any] | None) -> pd.DataFrame:
    """A run's history: one row per ``run.log`` step, one column per key, as the charts draw it.

    The summary keeps one value per key (the last one logged, unless set otherwise);
    the history keeps every step, which is what a line chart plots. ``_step`` is the
    x axis wandb uses by default; ``_runtime`` and ``_timestamp`` are left out.
    """
    rows = (run or {}).get("history") or []
    table = pd.DataFrame(rows).drop(columns=["_runtime", "_timestamp"], errors="ignore")
    return table.set_index("_step") if "_step" in table else table


def overview(run: dict[str, Any] | None) -> dict[str, Any]:
    """The facts of the web Overview tab, from a run read with :func:`helpers.runs.read_run`.

    A run started from a notebook has no script: wandb stores the notebook's name when
    Jupyter tells it, else ``<python with no main file>``, and the kernel's own arguments.
    ``None`` (a disabled wandb stored nothing) gives no facts.
    """
    if run is None:
        return {}
    env = run.get("environment", {})
    program = env.get("program") or env.get("code_path") or ""
    in_notebook = program.startswith("<") or program.endswith(".ipynb")
    if in_notebook:
        command = f"(a notebook kernel) {program}"
    else:
        command = " ".join(["python", Path(program).name, *env.get("args", [])]) if program else ""
    return {
        "run": run.get("run_id"),
        "project": run.get("project"),
        "state": run.get("state"),
        "started": run.get("start_time"),
        "python": env.get("python"),
        "git commit": (env.get("git") or {}).get("commit", "(not a git repository)"),
        "command": command,
        "program": program,
        "host": env.get("host"),
        "os": env.get("os"),
    }
