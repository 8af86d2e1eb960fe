"""Run a W&B sweep config without a W&B server: the offline agent, and what it stored.

Online, ``wandb.sweep`` + ``wandb.agent`` run a sweep: W&B's server picks each run's
hyperparameters. Offline or with no account there is no server (even ``WANDB_MODE=offline``
sweeps need one), so :func:`local_sweep` asks W&B's open-source sweep engine
(``sweeps.next_run``, installed by ``wandb[sweeps]``) instead, and starts each run the
way ``wandb.agent`` does (:func:`helpers.sweep_workers._one_run`), calling the same
``train()`` function. ``train`` cannot tell the difference.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import pandas as pd

from helpers.run_files import check_writable, find_run, wandb_dir
from helpers.runs import read_or_explain
from helpers.sweep_config import _engine, _seeded, validate_sweep_config
from helpers.sweep_progress import _Progress
from helpers.sweep_workers import (
    _STATE,
    _cap_workers,
    _catch_stop_signals,
    _end_quiet_stop,
    _one_run,
    _restore_signals,
    _start_pool,
    _start_wandb_core,
    _stop_workers,
)


class SweepRuns(list):
    """The runs a sweep stored (a list), and how the sweep went.

    ``failures``: one line per run that did not finish; ``interrupted``: True when the
    sweep was stopped (Ctrl-C, the stop button, SIGTERM) before its last run.
    """

    failures: list[str]
    interrupted: bool


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped (Ctrl-C, the notebook's stop button): its stored runs are in ``runs``.

    A KeyboardInterrupt, so a notebook's Run All stops here as the student asked, instead of
    going on to cells that judge a half-done sweep; shown as one line, not a traceback.
    """

    def __init__(self, message: str, runs: SweepRuns) -> None:
        super().__init__(message)
        self.runs = runs

    def _render_traceback_(self) -> list[str]:
        return [f"KeyboardInterrupt: {self}"]


def _describe(error: BaseException) -> str:
    """One line for why a run failed: the exception's own message, not its traceback."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _why_failed(error: BaseException | None, run: dict[str, Any] | None, folder: Path) -> str:
    """Why a run did not finish: its exception, or how it was stored (or that it was not)."""
    if error is not None:
        return _describe(error)
    if run is None:
        return f"it was not stored under {folder}"
    return f"it was stored as {run['state']}" + (f" ({run['reason']})" if run.get("reason") else "")


def _check_arguments(count: Any, workers: Any, seed: Any, on_interrupt: Any) -> None:
    """Refuse a count, workers, seed or on_interrupt the sweep cannot use, in one line."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be a whole number of runs >= 1, got {count!r}")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a whole number >= 0 or None, got {seed!r}")
    if on_interrupt not in ("raise", "return"):
        raise ValueError(f"on_interrupt must be 'raise' or 'return', got {on_interrupt!r}")


class _Sweep:
    """One offline sweep under way: the suggested runs, the runs in progress, the stored runs."""

    def __init__(
        self,
        config: dict[str, Any],
        train: Callable[[], Any],
        count: int,
        workers: int,
        progress: bool,
        seed: int | None,
        project: str | None,
    ) -> None:
        self.config, self.train, self.seed, self.project = config, train, seed, project
        self.folder = wandb_dir()
        check_writable(self.folder)
        self.count = count
        self.workers = _cap_workers(workers, count)
        self.engine = _engine()
        self.group = f"{config.get('name', 'sweep')}-{secrets.token_hex(3)}"
        self.history: list[Any] = []  # the engine's view: every suggested run and how it ended
        self.result = SweepRuns()
        self.result.failures, self.result.interrupted = [], False
        self.pool: ProcessPoolExecutor | None = None
        self.pending: dict[Future[None], Any] = {}
        self.bar = _Progress(count, self.group, progress)
        self.stopped: set[str] = set()  # the runs a stop ended before they finished

    def finish(self, suggestion: Any, error: BaseException | None) -> None:
        """Read the run back and tell the engine how it ended (bayes learns from it)."""
        found = find_run(suggestion.name, self.folder)
        run = read_or_explain(found) if found else None
        if isinstance(error, KeyboardInterrupt) and run is not None and run["state"] == "finished":
            error = None  # the stop came as the run finished: it did finish, and is stored so
        failed = error is not None or run is None or run["state"] != "finished"
        suggestion.state = "failed" if failed else "finished"
        suggestion.summary_metrics = {
            k: v for k, v in (run or {}).get("summary", {}).items() if isinstance(v, (int, float))
        }
        if run is not None:
            self.result.append(run)
        if isinstance(error, KeyboardInterrupt):
            self.stopped.add(suggestion.name)
        elif failed:
            why = _why_failed(error, run, self.folder)
            params = ", ".join(f"{k}={v['value']!r}" for k, v in suggestion.config.items())
            line = f"run {suggestion.name} ({params}) failed: {why}"
            self.result.failures.append(line)
            self.bar.write(line)
        self.bar.update(failed)

    def launch(self) -> bool:
        """Start the next run the engine suggests; False when it has none (a finished grid)."""
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings(), _seeded(self.seed, len(self.history)):
            warnings.simplefilter("ignore", ConvergenceWarning)  # bayes' GP fit on few runs
            suggestion = self.engine.next_run(self.config, self.history)
        if suggestion is None:
            return False
        suggestion.state, suggestion.name = "running", secrets.token_hex(4)
        self.history.append(suggestion)
        params = {k: v["value"] for k, v in suggestion.config.items()}
        run_args = (self.train, params, suggestion.name, self.group, self.project)
        first = len(self.history) == 1  # the sweep's first run stores requirements.txt for all
        if self.pool is not None:
            self.pending[self.pool.submit(_one_run, *run_args, requirements=first)] = suggestion
            return True
        error = None
        try:
            _one_run(*run_args, requirements=first)
        except KeyboardInterrupt as stop:  # stored as failed; the sweep stops below
            self.finish(suggestion, stop)
            raise
        except Exception as exc:  # the run is marked failed; the sweep goes on
            error = exc
        self.finish(suggestion, error)
        return True

    def run(self) -> None:
        """Start runs until ``count`` of them ended, the grid is done, or a stop was asked for."""
        try:
            if self.workers > 1:
                self.pool = _start_pool(self.workers)
            started = 0
            while (started < self.count or self.pending) and not _STATE["stop"]:
                while (
                    started < self.count and len(self.pending) < self.workers and not _STATE["stop"]
                ):
                    if not self.launch():
                        self.count = started
                        self.bar.set_total(self.count)
                        break
                    started += 1
                if self.pending:  # the timeout lets the loop see a stop while every worker trains
                    done, _ = wait(list(self.pending), timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        self.finish(self.pending.pop(future), future.exception())
        except KeyboardInterrupt:  # the run in progress here was stopped, and stored
            _STATE["stop"] = True

    def end_stopped(self, on_interrupt: str) -> str:
        """After a stop: end the workers, read every run back as stored now, say it in one line."""
        self.result.interrupted = True
        if self.pool is not None:
            _stop_workers(self.pool, self.pending, self.finish)
            self.pool.shutdown(wait=True, cancel_futures=True)  # workers and wandb-cores end
        self.result[:] = _as_stored_now(self.result, [s.name for s in self.history], self.folder)
        self.bar.close()
        message = _interrupted_line(self.result, self.stopped, self.count)
        if on_interrupt == "return":
            print(message)
        return message


def local_sweep(
    config: dict[str, Any],
    train: Callable[[], Any],
    count: int,
    workers: int = 1,
    progress: bool = True,
    seed: int | None = None,
    project: str | None = None,
    on_interrupt: str = "raise",
) -> SweepRuns:
    """Run ``train`` ``count`` times with hyperparameters from W&B's sweep engine; no server needed.

    ``config`` is the dict ``wandb.sweep`` takes; ``count`` as in ``wandb.agent``.
    A grid sweep stops early when its grid is exhausted. ``workers`` > 1 runs that
    many trainings side by side in worker processes (capped at the machine's cores and
    at ``count``). ``seed`` makes the engine's suggestions reproducible. ``project`` is
    where the runs go, as ``wandb.sweep(config, project=...)`` decides it online. Every run
    joins one group named after the sweep, and runs quietly under one progress bar; only
    the first stores the list of installed packages (requirements.txt), which they share.

    Returns the runs as stored (read back with ``wandb leet inspect``), failed ones
    included, as a :class:`SweepRuns` list. A run that raises is stored as failed and
    named in one line; the sweep goes on. Ctrl-C (SIGINT to the whole process group in a
    terminal, the stop button in a notebook) or SIGTERM stops the sweep: only the sweep
    acts on it, and it stops each run in progress as failed, once that run's
    ``wandb.init`` or ``finish`` has returned (a run that finishes meanwhile stays
    finished); worker processes and their wandb-core never outlive the sweep. The runs
    are then read back once more, every run of the sweep on disk as it is stored. Then
    ``on_interrupt="raise"`` raises :class:`SweepInterrupted` (one line, and Run All stops),
    ``"return"`` prints that line and returns what was stored (a script's final table).
    """
    validate_sweep_config(config)
    _check_arguments(count, workers, seed, on_interrupt)
    sweep = _Sweep(config, train, count, workers, progress, seed, project)
    message = ""
    _STATE["stop"] = False
    if sweep.workers == 1:
        _start_wandb_core()
    handlers = _catch_stop_signals()
    try:
        sweep.run()
        if _STATE["stop"]:
            message = sweep.end_stopped(on_interrupt)
    finally:
        _restore_signals(handlers)
        _end_quiet_stop()
        _STATE["stop"] = False  # the next sweep in this process starts afresh
        if sweep.pool is not None:
            sweep.pool.shutdown(wait=True, cancel_futures=True)
    sweep.bar.close()
    result = sweep.result
    if result.interrupted and on_interrupt == "raise":
        raise SweepInterrupted(message, result)
    if not result and not result.interrupted:
        print(f"no run was stored under {sweep.folder} (is wandb disabled?): nothing to read back.")
    return result


def _as_stored_now(
    runs: list[dict[str, Any]], ids: list[str], folder: Path
) -> list[dict[str, Any]]:
    """Every run of a stopped sweep as it is stored now that its processes are gone.

    A run read while its worker was being stopped is read again; one stored but never
    read back (its worker was killed) is added: the table lists every run on disk.
    """
    known = {run.get("run_id"): run for run in runs}
    now = []
    for run_id in ids:
        run = known.get(run_id)
        if run is None or run.get("state") not in ("finished", "failed"):
            found = find_run(run_id, folder)
            run = read_or_explain(found) if found else None
        if run is not None:
            now.append(run)
    return now


def _interrupted_line(runs: list[dict[str, Any]], stopped: set[str], count: int) -> str:
    """One line for a stopped sweep: how many runs finished, and how the stopped ones are stored."""
    finished = sum(run["state"] == "finished" for run in runs)
    states = pd.Series([r["state"] for r in runs if r.get("run_id") in stopped], dtype=object)
    how = "".join(
        f", {n} stopped and stored as {state}" for state, n in states.value_counts().items()
    )
    return f"sweep interrupted: {finished} of {count} runs finished{how}"
