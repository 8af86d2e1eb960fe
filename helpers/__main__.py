"""``python -m helpers [WANDB_FOLDER ...]``: print the table of the runs stored under wandb folders.

Exit status: 0 when every run was read back complete, 1 when some run could not be read,
never ended or is incomplete (no run record, or finished with nothing logged; its row says
why), 2 when the folders hold no runs at all.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pandas as pd

from helpers.run_files import run_files, wandb_dir
from helpers.run_table import runs_table
from helpers.runs import DAMAGED, read_runs

COLUMNS = ["id", "project", "group", "job_type", "state", "config.model", "accuracy", "f1", "nll"]


def why_no_runs(folder: Path) -> str:
    """One line on why ``folder`` shows no runs, and where they may be instead."""
    if not folder.exists():
        parent = folder.parent if str(folder.parent) else Path(".")
        names = [p.name for p in parent.iterdir() if p.is_dir()] if parent.is_dir() else []
        close = difflib.get_close_matches(folder.name, names, n=1)
        hint = f"; did you mean {parent / close[0]}?" if close else ""
        return f"no folder {folder}{hint}"
    if folder.is_file():
        return (
            f"{folder} is a file, not a wandb folder: give the folder that holds the "
            "offline-run-*/ folders (e.g. outputs/03_config/wandb)"
        )
    inner = folder / "wandb"
    if inner.is_dir() and run_files(inner):
        return (
            f"no runs directly under {folder}, but {inner} holds {len(run_files(inner))}: "
            f"python -m helpers {inner}"
        )
    if folder.name.startswith(("offline-run-", "run-")):
        return f"{folder} is one run's folder: give its parent, python -m helpers {folder.parent}"
    return f"no runs stored under {folder} (it holds no offline-run-*/ or run-*/ folders)"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if any(arg.startswith("-") for arg in args):
        print("usage: python -m helpers [WANDB_FOLDER ...]  (default: $WANDB_DIR/wandb or ./wandb)")
        return 2
    # several folders make one table: make run keeps each notebook's runs in its own folder
    folders = [wandb_dir(arg) for arg in args] or [wandb_dir()]
    logs = {folder: run_files(folder) for folder in folders}
    table = runs_table(read_runs([log for found in logs.values() for log in found]))
    for folder, found in logs.items():
        if not found:
            print(why_no_runs(folder), file=sys.stderr if len(table) else sys.stdout)
    if table.empty:
        return 2
    columns = [c for c in [*COLUMNS, "folder", "reason"] if c in table]
    under = folders[0] if len(folders) == 1 else f"{len(folders)} folders ({folders[0]}, ...)"
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_colwidth", 90
    ):
        print(f"{len(table)} runs stored under {under}:")
        print(table[columns].to_string(index=False, na_rep=""))
    return 1 if table["state"].isin(DAMAGED).any() else 0


if __name__ == "__main__":
    sys.exit(main())
