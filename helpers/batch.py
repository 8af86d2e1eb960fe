"""Rerun a notebook over a list of parameter values with papermill, then print one table of runs.

    python -m helpers.batch 03_config MODEL LogisticRegression KNeighborsClassifier [--out outputs]
    make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression KNeighborsClassifier"

Each value gets its own executed copy (``OUT/03_config-MODEL=KNeighborsClassifier.ipynb``)
and its own wandb folder, so the table can say which value made which run. papermill
only warns about a parameter the notebook does not declare; here it is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd
import yaml
from traitlets.config import Config

from helpers.run_files import check_writable
from helpers.run_table import runs_table
from helpers.runs import read_runs
from helpers.startup import import_jsonschema


@contextlib.contextmanager
def kernel_config() -> Iterator[Config]:
    """papermill's settings for one kernel: its channels are Unix sockets in a folder of its own.

    Over TCP, jupyter_client picks a kernel's ports before the kernel binds them; another
    process (a notebook started beside it in `make run`, a wandb-core, a browser) can take one
    meanwhile, and the kernel dies at its start ("Address already in use"), its notebook failed
    after a minute. No other process can hold a socket in a folder only this kernel uses (ipc,
    removed afterwards). Where there are no Unix sockets (Windows), TCP with CurveZMQ keys from
    jupyter_client, so the kernel does not warn that it runs "over TCP without encryption".
    """
    import zmq

    config = Config({"KernelManager": {"transport_encryption": "auto"}})
    if not zmq.has("ipc"):
        yield config
        return
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")  # kernel-1 ... kernel-5
        yield config


def find_notebook(name: str) -> Path:
    """A notebook given as a path, or as a name (``03_config``) inside ``./notebooks``."""
    for candidate in (
        Path(name),
        Path(f"{name}.ipynb"),
        Path("notebooks") / name,
        Path("notebooks") / f"{name}.ipynb",
    ):
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return candidate
    known = sorted(p.stem for p in Path("notebooks").glob("*.ipynb"))
    raise FileNotFoundError(f"no notebook {name!r}; known: {', '.join(known) or 'none here'}")


def declared_parameter(notebook: Path, name: str) -> str:
    """The parameter of ``notebook`` called ``name`` (case-insensitive), or a clear error."""
    import_jsonschema()  # before papermill's nbformat imports it (helpers.startup says why)
    import papermill

    declared = list(papermill.inspect_notebook(str(notebook)))
    if name in declared:
        return name
    matches = [p for p in declared if p.lower() == name.lower()]
    if len(matches) == 1:
        return matches[0]
    raise ValueError(
        f"{notebook.stem} declares no parameter {name!r}; it declares: {', '.join(declared)}"
    )


def rerun(notebook: Path, parameter: str, values: list[Any], out: Path) -> pd.DataFrame:
    """Execute ``notebook`` once per value; return the table of every run they stored."""
    import papermill

    parameter = declared_parameter(notebook, parameter)
    tables, failures = [], []
    for i, value in enumerate(values, 1):
        label = f"{notebook.stem}-{parameter}={value}"
        folder = out / label
        folder.mkdir(parents=True, exist_ok=True)
        print(f"[{i}/{len(values)}] {parameter}={value!r} -> {out / label}.ipynb", flush=True)
        try:
            environ = patch.dict(os.environ, {"WANDB_DIR": str(folder.resolve())})
            with environ, kernel_config() as config:
                papermill.execute_notebook(
                    str(notebook),
                    str(out / f"{label}.ipynb"),
                    parameters={parameter: value},
                    cwd=str(folder),
                    progress_bar=False,
                    kernel_name="python3",
                    config=config,
                )
        except Exception as error:  # keep going: one bad value should not lose the others
            failures.append(f"{parameter}={value!r}: {str(error).strip().splitlines()[-1]}")
        table = runs_table(read_runs(folder / "wandb")) if (folder / "wandb").exists() else None
        if table is not None and len(table):
            tables.append(table.assign(**{parameter: [value] * len(table)}))
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    result = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    result.attrs["failures"] = failures
    return result


def _value(text: str) -> Any:
    """A value typed on the command line, read as YAML (``5`` is a number, ``[a, b]`` a list)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise ValueError(f"value {text!r} is not valid YAML; quote text as '\"{text}\"'") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.batch", description="Rerun a notebook over parameter values."
    )
    parser.add_argument("notebook", help="a path, or a name in ./notebooks such as 03_config")
    parser.add_argument("parameter", help="a parameter the notebook declares, e.g. MODEL")
    parser.add_argument("values", nargs="+", help="values, typed as YAML (5, 0.1, true, text)")
    parser.add_argument("--out", default="outputs", help="folder for executed copies and runs")
    args = parser.parse_args(argv)
    try:
        notebook = find_notebook(args.notebook)
        declared_parameter(notebook, args.parameter)
        values = [_value(v) for v in args.values]
        out = Path(args.out)
        check_writable(
            out, "choose another --out"
        )  # wandb would otherwise put the runs in a shared temporary folder
    except (OSError, ValueError) as error:
        parser.error(str(error))
    table = rerun(notebook, args.parameter, values, out)
    if len(table):
        parameter = declared_parameter(notebook, args.parameter)
        columns = [parameter, "id", "group", "state", "config.model", "accuracy", "f1", "nll"]
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(table[[c for c in columns if c in table]].to_string(index=False))
    else:
        print("no runs were stored (is WANDB_MODE disabled?)")
    return 1 if table.attrs.get("failures") else 0


if __name__ == "__main__":
    sys.exit(main())
