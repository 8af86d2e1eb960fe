"""Run a W&B sweep config without a W&B server, and answer the sweep's questions from stored runs.

Online, ``wandb.sweep`` + ``wandb.agent`` run a sweep: W&B's server picks each run's
hyperparameters. Offline or with no account there is no server (even ``WANDB_MODE=offline``
sweeps need one), so :func:`local_sweep` asks W&B's open-source sweep engine
(``sweeps.next_run``, installed by ``wandb[sweeps]``) instead, and starts each run the
way ``wandb.agent`` does: it sets ``WANDB_RUN_ID`` and ``WANDB_SWEEP_PARAM_PATH``, has wandb
read them, and calls the same ``train()`` function. ``train`` cannot tell the difference.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd
import yaml

from helpers.runs import find_run, read_run

COURSE_SWEEP = Path(__file__).with_name("sweep.yaml")
METHODS = ("grid", "random", "bayes")


def _engine() -> Any:
    with warnings.catch_warnings():  # sweeps 0.2 still uses pydantic v1 names: quiet its import
        warnings.simplefilter("ignore")
        import sweeps
    return sweeps


def load_sweep_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a sweep config from YAML: the course sweep (shipped with this package) by default."""
    path = Path(path) if path else COURSE_SWEEP
    if not path.is_file():
        raise FileNotFoundError(f"no sweep config at {path}")
    config = yaml.safe_load(path.read_text())
    if not isinstance(config, dict):
        raise ValueError(f"{path} does not hold a sweep config (a YAML mapping)")
    return config


def validate_sweep_config(config: dict[str, Any]) -> dict[str, Any]:
    """Refuse a config W&B would refuse, with the sweep engine's own messages, before any run."""
    if not isinstance(config, dict):
        raise ValueError("a sweep config is a dict (or YAML mapping)")
    problems: list[str] = []
    try:
        problems += _engine().schema_violations_from_proposed_config(config)
    except ValueError as exc:
        problems.append(str(exc))
    method = config.get("method")
    if method not in METHODS and not any(repr(method) in p for p in problems):
        problems.append(f"method {method!r} cannot run without a W&B server: use one of {METHODS}")
    if method == "bayes" and "metric" not in config:
        problems.append("a bayes sweep needs a metric to model")
    if not problems:  # what only the search itself checks (e.g. a float range in a grid)
        try:
            _engine().next_run(config, [])
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(str(exc))
    if problems:
        listed = "\n".join(f"- {p}" for p in dict.fromkeys(problems))
        raise ValueError(f"the sweep config is not valid:\n{listed}")
    return config


def _reload_wandb_settings() -> None:
    """Make wandb read the ``WANDB_*`` variables again before the next ``wandb.init``.

    ``wandb.agent`` calls ``wandb.teardown()`` for this, which also stops the wandb-core
    service: the next run then waits ~0.3 s for a new one. Reloading the settings of the
    running setup does the same job and keeps the service; teardown is the fallback.
    """
    import wandb
    from wandb.sdk import wandb_setup

    reload = getattr(wandb_setup.singleton(), "_load_settings", None)
    try:
        reload(system_settings_path=None, disable_sagemaker=False)
    except Exception:  # another wandb version: do what wandb.agent does
        wandb.teardown()


def _one_run(train: Callable[[], Any], params: dict[str, Any], run_id: str, group: str) -> None:
    """Start one run as ``wandb.agent`` does: environment, a fresh wandb, then ``train()``."""
    import wandb

    with tempfile.TemporaryDirectory(prefix="sweep-params-") as folder:
        param_path = Path(folder) / f"config-{run_id}.yaml"
        param_path.write_text(yaml.safe_dump({k: {"value": v} for k, v in params.items()}))
        variables = {
            "WANDB_RUN_ID": run_id,
            "WANDB_SWEEP_PARAM_PATH": str(param_path),
            "WANDB_RUN_GROUP": group,
            "WANDB_JOB_TYPE": "sweep",
        }
        try:
            with patch.dict(os.environ, variables):  # restored as they were, even on error
                _reload_wandb_settings()
                try:
                    train()
                finally:
                    wandb.finish()
        finally:
            _reload_wandb_settings()  # later runs outside the sweep get their own id again


def local_sweep(
    config: dict[str, Any],
    train: Callable[[], Any],
    count: int,
    workers: int = 1,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Run ``train`` ``count`` times with hyperparameters from W&B's sweep engine; no server needed.

    ``config`` is the dict ``wandb.sweep`` takes; ``count`` as in ``wandb.agent``.
    A grid sweep stops early when its grid is exhausted. ``workers`` > 1 runs that
    many trainings side by side in worker processes. Every run joins one group named
    after the sweep. Returns the runs as stored (read back with ``wandb leet inspect``).
    """
    from sklearn.exceptions import ConvergenceWarning
    from tqdm import tqdm  # a text bar: it shows in terminals, notebooks and CI logs alike

    validate_sweep_config(config)
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a whole number of runs >= 1, got {count!r}")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    engine = _engine()
    group = f"{config.get('name', 'sweep')}-{secrets.token_hex(3)}"
    history: list[Any] = []  # the engine's view: every suggested run and how it ended
    stored: list[dict[str, Any]] = []
    pool = None
    if workers > 1:
        import wandb

        wandb.teardown()  # children start their own wandb; none is inherited
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: dict[Future[None], Any] = {}

    def finish(suggestion: Any, error: BaseException | None) -> None:
        """Read the run back and tell the engine how it ended (bayes learns from it)."""
        found = find_run(suggestion.name)
        run = read_run(found) if found else None
        failed = error is not None or run is None or run["state"] != "finished"
        suggestion.state = "failed" if failed else "finished"
        suggestion.summary_metrics = {
            k: v for k, v in (run or {}).get("summary", {}).items() if isinstance(v, (int, float))
        }
        if run is not None:
            stored.append(run)
        if error is not None:
            print(f"run {suggestion.name} failed: {type(error).__name__}: {error}")
        bar.update()

    def launch() -> bool:
        """Start the next run the engine suggests; False when it has none (a finished grid)."""
        with warnings.catch_warnings():  # the bayes engine's GP fit on few runs warns
            warnings.simplefilter("ignore", ConvergenceWarning)
            suggestion = engine.next_run(config, history)
        if suggestion is None:
            return False
        suggestion.state, suggestion.name = "running", secrets.token_hex(4)
        history.append(suggestion)
        params = {k: v["value"] for k, v in suggestion.config.items()}
        if pool is not None:
            pending[pool.submit(_one_run, train, params, suggestion.name, group)] = suggestion
            return True
        error = None
        try:
            _one_run(train, params, suggestion.name, group)
        except Exception as exc:  # the run is marked failed; the sweep goes on
            error = exc
        finish(suggestion, error)
        return True

    try:
        with tqdm(total=count, desc=group, unit="run", disable=not progress) as bar:
            started = 0
            while started < count or pending:
                while started < count and len(pending) < workers:
                    if not launch():
                        count = bar.total = started
                        break
                    started += 1
                if pending:
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for future in done:
                        finish(pending.pop(future), future.exception())
    finally:  # also on an interrupt: finished runs stay stored, queued ones are dropped
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if not stored:
        print("no run was stored (is wandb disabled?): nothing to read back.")
    return stored


def parameter_importance(
    table: pd.DataFrame, metric: str, params: list[str] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Which hyperparameter matters most for ``metric``, computed as W&B's importance panel does.

    A random forest is trained with the hyperparameters as inputs and the metric as the
    target; its feature importances say how much each input explains. Alongside, the
    linear correlation of each input with the metric says in which direction it acts.
    Categorical values are one-hot encoded, one row per value (e.g. ``weights=distance``).
    ``table`` is :func:`helpers.runs.runs_table` output; ``params`` the config keys to
    use (default: every ``config.*`` column that varies). A table of no runs (wandb
    disabled) gives an empty ranking.
    """
    from sklearn.ensemble import RandomForestRegressor

    if metric not in table:
        raise KeyError(f"no metric {metric!r} in the runs; columns: {', '.join(table.columns)}")
    rows = table.dropna(subset=[metric])
    if rows.empty:  # a disabled wandb stored no run: nothing to rank, and no error
        print("no run was stored (is wandb disabled?): nothing to rank.")
        return pd.DataFrame(columns=["importance", "correlation"]).rename_axis("parameter")
    if params is None:
        params = [
            c.removeprefix("config.")
            for c in rows
            if c.startswith("config.") and rows[c].nunique() > 1
        ]
    if len(rows) < 2 or not params:
        raise ValueError("parameter importance needs at least 2 runs and 1 varying parameter")
    inputs = rows[[f"config.{p}" for p in params]].rename(columns=lambda c: c[7:])
    encoded = pd.get_dummies(inputs, prefix_sep="=", dtype=float)
    forest = RandomForestRegressor(n_estimators=200, random_state=seed)
    forest.fit(encoded, rows[metric])
    result = pd.DataFrame(
        {
            "importance": forest.feature_importances_,
            "correlation": [
                encoded[c].corr(rows[metric]) if encoded[c].nunique() > 1 else 0.0 for c in encoded
            ],
        },
        index=encoded.columns,
    )
    result.index.name = "parameter"
    return result.sort_values("importance", ascending=False)
