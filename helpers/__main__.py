"""``python -m helpers [WANDB_DIR]``: print the table of the runs stored under a wandb folder."""

from __future__ import annotations

import sys

import pandas as pd

from helpers.runs import runs_table, wandb_dir


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = wandb_dir(args[0] if args else None)
    table = runs_table(folder)
    if table.empty:
        print(f"no runs stored under {folder}")
        return 1
    columns = [
        c
        for c in [
            "id",
            "project",
            "group",
            "job_type",
            "state",
            "config.model",
            "accuracy",
            "f1",
            "nll",
        ]
        if c in table
    ]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(f"{len(table)} runs stored under {folder}:")
        print(table[columns].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
