"""The command-line twin of notebook 07: run a sweep, online with an account, offline without.

    python scripts/wandb_sweep.py [--config PATH] [--count N] [--workers N] [--method M]

Online, it registers the sweep with ``wandb.sweep`` and runs ``wandb.agent``. More machines
join with ``wandb agent ENTITY/PROJECT/SWEEP_ID`` from the repository folder: the agent starts
this script once per run (the config's ``program``), and it then trains that one run.
With no account it goes offline by itself and drives the same config through W&B's sweep
engine. Any sweep config of the same form works: its parameters are hyperparameters of
the model named by the ``model`` parameter (KNeighborsClassifier when absent).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys

import wandb

from helpers.data import load_split
from helpers.metrics import evaluate
from helpers.mode import choose_mode
from helpers.models import make_model, model_params
from helpers.run_table import runs_table
from helpers.sweep import load_sweep_config, local_sweep, validate_sweep_config

PROJECT = "iris-course"


class RefusedValueError(ValueError):
    """The model refused a hyperparameter value (its message names the parameter and value)."""


def train(mode: str = "offline", project: str = PROJECT) -> None:
    """One sweep run: the hyperparameters arrive in ``run.config``; log the course metrics.

    A value the model refuses (``weights: bogus``) ends the run as failed with the
    model's one-line message, before cross-validation turns it into NaN scores.
    """
    data = load_split()
    run = wandb.init(project=project, mode=mode)
    params = {key: value for key, value in run.config.items() if key != "model"}
    try:
        model = make_model(run.config.get("model", "KNeighborsClassifier"), **params)
        model.fit(data.X_train, data.y_train)  # scikit-learn checks every value here
    except ValueError as error:
        run.finish(exit_code=1)
        raise RefusedValueError(" ".join(str(error).split())) from None
    run.log(evaluate(model, data.X_train, data.y_train))
    run.finish()


def print_table(runs: list, config: dict) -> None:
    metric = (config.get("metric") or {}).get("name", "accuracy")
    table = runs_table(runs, sort_by=metric)
    if len(table):
        columns = ["id", "state", *[f"config.{p}" for p in config["parameters"]], metric]
        print(table[[c for c in columns if c in table]].to_string(index=False, na_rep=""))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Run a W&B sweep on the iris models.")
    parser.add_argument("--config", help="sweep YAML (default: the course sweep)")
    parser.add_argument("--count", type=int, default=10, help="number of runs (default: 10)")
    parser.add_argument(
        "--workers", type=int, default=1, help="offline runs side by side (at most one per core)"
    )
    parser.add_argument("--method", choices=["grid", "random", "bayes"], help="override method")
    parser.add_argument("--seed", type=int, help="make the offline sweep's choices reproducible")
    parser.add_argument("--project", default=PROJECT, help="W&B project (default: %(default)s)")
    parser.add_argument("--mode", choices=["online", "offline", "disabled"])
    return parser


def train_for_agent(requested_mode: str | None) -> int:
    """Started by ``wandb agent``: train the one run it chose, in the course's project."""
    try:
        train(mode=choose_mode(requested_mode))
    except ValueError as error:
        print(f"wandb_sweep.py: error: {error}", file=sys.stderr)
        return 2 if not isinstance(error, RefusedValueError) else 1
    return 0


def load_config(path: str | None, method: str | None) -> dict:
    """The sweep config, checked: the engine refuses a bad one, the model a misspelled name."""
    config = load_sweep_config(path)
    if method:
        config["method"] = method
    validate_sweep_config(config)
    model = config["parameters"].get("model", {}).get("value", "KNeighborsClassifier")
    names = [name for name in config["parameters"] if name != "model"]
    model_params(model, **dict.fromkeys(names))  # a typo fails here, not in run 1
    return config


def sweep_online(config: dict, project: str, count: int) -> int:
    """Register the sweep with W&B and run ``wandb.agent`` here; say how other machines join."""
    sweep_id = wandb.sweep(config, project=project)
    # wandb.sweep sets WANDB_ENTITY to the entity that owns the sweep; `wandb agent` needs
    # the full path: a bare id resolves to None/None/SWEEP_ID and is not found.
    entity = os.environ.get("WANDB_ENTITY") or wandb.Api().default_entity
    print(
        "more machines can join, from the repository folder: "
        f"wandb agent {entity}/{project}/{sweep_id}"
    )
    wandb.agent(sweep_id, function=functools.partial(train, "online", project), count=count)
    return 0


def sweep_offline(config: dict, args: argparse.Namespace, mode: str) -> int:
    """Drive the config through W&B's sweep engine here; print the table of the stored runs."""
    try:
        runs = local_sweep(
            config,
            functools.partial(train, mode, args.project),
            count=args.count,
            workers=args.workers,
            seed=args.seed,
            on_interrupt="return",  # the table of every run stored, then exit 130
        )
    except ValueError as error:  # e.g. a folder runs cannot be written to
        print(f"wandb_sweep.py: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wandb_sweep.py: interrupted", file=sys.stderr)
        return 130
    print_table(runs, config)
    if runs.interrupted:
        return 130
    if runs.failures or (mode != "disabled" and not runs):
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 all runs finished, 1 some run failed, 2 bad input, 130 interrupted."""
    parser = _parser()
    args = parser.parse_args(argv)
    if os.environ.get("WANDB_SWEEP_ID"):  # started by `wandb agent`: train the one run it chose
        return train_for_agent(args.mode)
    if args.count < 1 or args.workers < 1:
        parser.error("--count and --workers must be at least 1")
    if args.seed is not None and args.seed < 0:
        parser.error("--seed must be at least 0")
    try:
        config = load_config(args.config, args.method)
        mode = choose_mode(args.mode)
    except (OSError, ValueError) as error:
        print(f"wandb_sweep.py: error: {error}", file=sys.stderr)
        return 2
    if mode == "online":
        return sweep_online(config, args.project, args.count)
    return sweep_offline(config, args, mode)


if __name__ == "__main__":
    sys.exit(main())
