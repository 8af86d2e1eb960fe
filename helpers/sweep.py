"""Run a W&B sweep config without a W&B server, and answer the sweep's questions from stored runs.

Online, ``wandb.sweep`` + ``wandb.agent`` run a sweep: W&B's server picks each run's
hyperparameters. Offline or with no account there is no server (even ``WANDB_MODE=offline``
sweeps need one), so :func:`local_sweep` asks W&B's open-source sweep engine
(``sweeps.next_run``, installed by ``wandb[sweeps]``) instead, and starts each run the
way ``wandb.agent`` does: it sets ``WANDB_RUN_ID`` and ``WANDB_SWEEP_PARAM_PATH``, has wandb
read them, and calls the same ``train()`` function. ``train`` cannot tell the difference.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import secrets
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pandas as pd
import yaml

from helpers.runs import check_writable, find_run, read_or_explain, wandb_dir
from helpers.wandb_internals import SAVE_REQUIREMENTS, SWEEP_PARAM_PATH, reload_settings

# The course's one sweep config is notebooks/sweep.yaml (what `wandb sweep` is given). A checkout
# reads it in place; an installed copy (Colab) reads the one pyproject.toml ships with the package.
_SHIPPED_SWEEP = Path(__file__).with_name("course_files") / "sweep.yaml"
COURSE_SWEEP = (
    _SHIPPED_SWEEP
    if _SHIPPED_SWEEP.is_file()
    else Path(__file__).resolve().parents[1] / "notebooks" / "sweep.yaml"
)
METHODS = ("grid", "random", "bayes")


def _engine() -> Any:
    from helpers.startup import import_jsonschema  # the engine validates configs with it

    import_jsonschema()
    with warnings.catch_warnings():  # sweeps 0.2 uses pydantic v1 names: quiet its import
        warnings.simplefilter("ignore")
        import sweeps
    return sweeps


def load_sweep_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a sweep config from YAML: the course's notebooks/sweep.yaml by default."""
    path = Path(path) if path else COURSE_SWEEP
    if not path.is_file():
        raise FileNotFoundError(f"no sweep config at {path}")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:  # one line: the file, the line and what is wrong
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValueError(f"{path}{where} is not valid YAML: {problem}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file") from None
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
            with _seeded(0, 0):  # a trial suggestion: leave the caller's generators as they were
                _engine().next_run(config, [])
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(str(exc))
    if problems:
        listed = "\n".join(f"- {p}" for p in dict.fromkeys(problems))
        raise ValueError(f"the sweep config is not valid:\n{listed}")
    return config


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


# How this process takes part in a sweep. ``parent``: the sweep's pid (set in workers by
# _worker_start); ``in_run``: train() is running here; ``hold``: inside wandb.init or a run's
# finish, where a stop waits (``pending``) until wandb has stored what it was writing;
# ``stop``: a stop was asked for (Ctrl-C, the stop button, SIGTERM).
_STATE: dict[str, Any] = {"parent": None, "in_run": False, "hold": 0, "stop": False}


def _on_stop_signal(signum: int, frame: Any) -> None:
    """Stop the sweep at a point where every run it started is stored truthfully.

    The first signal marks the sweep as stopping; the sweep's loop sees the mark between
    runs. A run in progress here ends as failed (KeyboardInterrupt), but never inside
    ``wandb.init`` or a run's ``finish``: there the stop waits until wandb returns, so no
    run is left half written (a log with no run record, or one ``finish`` never closed).
    Later signals are ignored: one stop is enough.
    """
    first = not _STATE["stop"]
    _STATE["stop"] = True
    parent = _STATE["parent"]
    if parent is not None and not _STATE["in_run"] and os.getppid() != parent:
        _leave()  # an idle worker whose sweep is gone: leave nothing behind
    if not first or not _STATE["in_run"]:
        return
    if _STATE["hold"]:
        _STATE["pending"] = True
        return
    _raise_stop()


def _raise_stop() -> None:
    """End the run in progress as failed, without a traceback on screen.

    wandb's ``with wandb.init()`` prints the exception that ends a run; for a run the
    user stopped on purpose that traceback is noise, so stderr goes quiet until the
    sweep has recorded the run (:func:`_end_quiet_stop`).
    """
    _STATE.pop("pending", None)
    if "stderr" not in _STATE:
        _STATE["stderr"] = sys.stderr
        sys.stderr = open(os.devnull, "w")
    raise KeyboardInterrupt


def _end_quiet_stop() -> None:
    """Give stderr back after a run was stopped."""
    saved = _STATE.pop("stderr", None)
    if saved is not None:
        quiet, sys.stderr = sys.stderr, saved
        quiet.close()


def _held(call: Callable[..., Any]) -> Callable[..., Any]:
    """``call`` (wandb.init, a run's finish) with stop signals held until it returns."""

    @functools.wraps(call)
    def held(*args: Any, **kwargs: Any) -> Any:
        _STATE["hold"] += 1
        try:
            return call(*args, **kwargs)
        finally:
            _STATE["hold"] -= 1
            if not _STATE["hold"] and _STATE.get("pending"):
                _raise_stop()  # wandb stored what it was writing: now end the run

    return held


@contextlib.contextmanager
def _stops_held() -> Iterator[None]:
    """While a sweep's run trains, wandb.init and finish are never cut short by a stop."""
    import wandb

    with (
        patch.object(wandb, "init", _held(wandb.init)),
        patch.object(wandb.Run, "finish", _held(wandb.Run.finish)),
        patch.object(wandb.Run, "__exit__", _held(wandb.Run.__exit__)),
    ):
        yield


def _leave() -> None:
    """Exit a worker whose sweep is gone, stopping its wandb-core first."""
    import wandb

    try:
        wandb.teardown(exit_code=1)
    finally:
        os._exit(1)


def _teardown_wandb() -> None:
    import wandb

    wandb.teardown()


def _worker_start(parent: int) -> None:
    """Run in each worker process: die with the sweep, and let only the sweep handle Ctrl-C.

    - Ctrl-C in a terminal reaches every process of the group; the workers ignore it and
      the sweep tells them to stop (SIGTERM), so each run ends once, stored as failed.
      Their wandb-core never sees it: wandb starts it in a session of its own.
    - On Linux the kernel sends SIGTERM to a worker when its parent dies, however it died
      (even SIGKILL): the worker ends its run, stops its wandb-core and exits.
    - A worker's wandb-core is stopped when the worker exits (workers skip atexit hooks).
    """
    from multiprocessing import util

    _STATE["parent"] = parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_stop_signal)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))
    if os.getppid() != parent:  # the parent died before prctl took effect
        _leave()
    util.Finalize(None, _teardown_wandb, exitpriority=10)


def _one_run(
    train: Callable[[], Any],
    params: dict[str, Any],
    run_id: str,
    group: str,
    project: str | None = None,
    requirements: bool = True,
) -> None:
    """Start one run as ``wandb.agent`` does: environment, a fresh wandb, then ``train()``.

    The run is quiet (``WANDB_SILENT``): the sweep shows one progress bar, not a console
    block per run. ``requirements=False`` skips wandb's list of installed packages
    (requirements.txt): every run of a sweep shares one environment, the first run stores
    it, and listing ~150 packages again cost 0.2-0.3 s per run: a third of 07's sweep.
    """
    import wandb

    with tempfile.TemporaryDirectory(prefix="sweep-params-") as folder:
        param_path = Path(folder) / f"config-{run_id}.yaml"
        param_path.write_text(yaml.safe_dump({k: {"value": v} for k, v in params.items()}))
        variables = {
            "WANDB_RUN_ID": run_id,
            SWEEP_PARAM_PATH: str(param_path),
            "WANDB_RUN_GROUP": group,
            "WANDB_JOB_TYPE": "sweep",
            "WANDB_SILENT": "true",
            **({"WANDB_PROJECT": project} if project else {}),  # as wandb.agent sets it
            **({} if requirements else {SAVE_REQUIREMENTS: "false"}),
        }
        try:
            with patch.dict(os.environ, variables), _stops_held():  # restored as they were
                if _STATE["stop"]:  # the sweep is stopping: this run never starts
                    raise KeyboardInterrupt
                reload_settings()
                _STATE["in_run"] = True
                try:
                    train()
                    wandb.finish()  # held: a stop now waits until the run is stored
                except BaseException:  # a run train() left open ended badly: not "finished"
                    _STATE["in_run"] = False
                    wandb.finish(exit_code=1)
                    raise
        finally:
            _STATE["in_run"] = False
            _STATE.pop("pending", None)
            reload_settings()  # later runs outside the sweep get their own id again
            _end_quiet_stop()
            parent = _STATE["parent"]
            if parent is not None and os.getppid() != parent:
                _leave()  # a worker whose sweep is gone: nobody is waiting for this result


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _cap_workers(workers: int, count: int) -> int:
    """More workers than cores or runs only costs start-up time: cap them, and say so."""
    cores = _cores()
    capped = min(workers, cores, count)
    if capped < workers:
        why = f"this machine has {cores} cores" if cores < min(workers, count) else ""
        why = why or f"the sweep has {count} run{'s' if count > 1 else ''}"
        print(f"using {capped} worker{'s' if capped > 1 else ''}, not {workers}: {why}")
    return capped


@contextlib.contextmanager
def _seeded(seed: int | None, index: int) -> Iterator[None]:
    """Make the engine's ``index``-th suggestion reproducible, then restore the caller's state.

    The sweep engine draws from Python's ``random`` (random and grid search) and from
    numpy's global generator (bayes), so both are seeded from (seed, index).
    """
    if seed is None:
        yield
        return
    import random

    import numpy as np

    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(f"{seed}/{index}")
    np.random.seed([seed % 2**32, index])
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


class _Progress:
    """One progress bar that updates in place: a display in Jupyter/Colab, tqdm in a terminal.

    A text bar on stderr in a notebook becomes a new block whenever something else is
    printed; a display handle is one output that is updated where it stands.
    """

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self.total, self.desc, self.n = total, desc, 0
        self.failed = 0
        self.handle: Any = None
        self.bar: Any = None
        if not enabled:
            return
        kernel = None
        with contextlib.suppress(ImportError):
            from IPython import get_ipython

            kernel = getattr(get_ipython(), "kernel", None)
        if kernel is not None:
            from IPython.display import display

            self.handle = display(self._view(), display_id=True)
        else:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr)

    def _view(self) -> Any:
        from IPython.display import HTML

        failed = f", {self.failed} failed" if self.failed else ""
        text = f"{self.desc}: {self.n}/{self.total} runs{failed}"
        view = HTML(f'<progress value="{self.n}" max="{self.total}"></progress> {text}')
        return _TextAndHtml(text, view.data)

    def update(self, failed: bool = False) -> None:
        self.n += 1
        self.failed += failed
        if self.bar is not None:
            self.bar.update()
        elif self.handle is not None:
            self.handle.update(self._view())

    def set_total(self, total: int) -> None:
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.handle is not None:
            self.handle.update(self._view())


class _TextAndHtml:
    def __init__(self, text: str, html: str) -> None:
        self.text, self.html = text, html

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html


def _describe(error: BaseException) -> str:
    """One line for why a run failed: the exception's own message, not its traceback."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


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
    from sklearn.exceptions import ConvergenceWarning

    validate_sweep_config(config)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be a whole number of runs >= 1, got {count!r}")
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool) or seed < 0):
        raise ValueError(f"seed must be a whole number >= 0 or None, got {seed!r}")
    if on_interrupt not in ("raise", "return"):
        raise ValueError(f"on_interrupt must be 'raise' or 'return', got {on_interrupt!r}")
    folder = wandb_dir()
    check_writable(folder)
    workers = _cap_workers(workers, count)
    engine = _engine()
    group = f"{config.get('name', 'sweep')}-{secrets.token_hex(3)}"
    history: list[Any] = []  # the engine's view: every suggested run and how it ended
    result = SweepRuns()
    result.failures, result.interrupted = [], False
    pool: ProcessPoolExecutor | None = None
    pending: dict[Future[None], Any] = {}
    bar = _Progress(count, group, progress)
    stopped: set[str] = set()  # the runs a stop ended before they finished

    def finish(suggestion: Any, error: BaseException | None) -> None:
        """Read the run back and tell the engine how it ended (bayes learns from it)."""
        found = find_run(suggestion.name, folder)
        run = read_or_explain(found) if found else None
        if isinstance(error, KeyboardInterrupt) and run is not None and run["state"] == "finished":
            error = None  # the stop came as the run finished: it did finish, and is stored so
        failed = error is not None or run is None or run["state"] != "finished"
        suggestion.state = "failed" if failed else "finished"
        suggestion.summary_metrics = {
            k: v for k, v in (run or {}).get("summary", {}).items() if isinstance(v, (int, float))
        }
        if run is not None:
            result.append(run)
        if isinstance(error, KeyboardInterrupt):
            stopped.add(suggestion.name)
        elif failed:
            if error is not None:
                why = _describe(error)
            elif run is None:
                why = f"it was not stored under {folder}"
            else:
                why = f"it was stored as {run['state']}" + (
                    f" ({run['reason']})" if run.get("reason") else ""
                )
            params = ", ".join(f"{k}={v['value']!r}" for k, v in suggestion.config.items())
            line = f"run {suggestion.name} ({params}) failed: {why}"
            result.failures.append(line)
            bar.write(line)
        bar.update(failed)

    def launch() -> bool:
        """Start the next run the engine suggests; False when it has none (a finished grid)."""
        with warnings.catch_warnings(), _seeded(seed, len(history)):
            warnings.simplefilter("ignore", ConvergenceWarning)  # bayes' GP fit on few runs
            suggestion = engine.next_run(config, history)
        if suggestion is None:
            return False
        suggestion.state, suggestion.name = "running", secrets.token_hex(4)
        history.append(suggestion)
        params = {k: v["value"] for k, v in suggestion.config.items()}
        run_args = (train, params, suggestion.name, group, project)
        first = len(history) == 1  # the sweep's first run stores requirements.txt for all
        if pool is not None:
            pending[pool.submit(_one_run, *run_args, requirements=first)] = suggestion
            return True
        error = None
        try:
            _one_run(*run_args, requirements=first)
        except KeyboardInterrupt as stop:  # stored as failed; the sweep stops below
            finish(suggestion, stop)
            raise
        except Exception as exc:  # the run is marked failed; the sweep goes on
            error = exc
        finish(suggestion, error)
        return True

    _STATE["stop"] = False
    if workers == 1:
        _start_wandb_core()
    handlers = _catch_stop_signals()
    try:
        try:
            if workers > 1:
                pool = _start_pool(workers)
            started = 0
            while (started < count or pending) and not _STATE["stop"]:
                while started < count and len(pending) < workers and not _STATE["stop"]:
                    if not launch():
                        count = started
                        bar.set_total(count)
                        break
                    started += 1
                if pending:  # the timeout lets the loop see a stop while every worker trains
                    done, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
                    for future in done:
                        finish(pending.pop(future), future.exception())
        except KeyboardInterrupt:  # the run in progress here was stopped, and stored
            _STATE["stop"] = True
        if _STATE["stop"]:
            result.interrupted = True
            if pool is not None:
                _stop_workers(pool, pending, finish)
                pool.shutdown(wait=True, cancel_futures=True)  # workers and wandb-cores end
            result[:] = _as_stored_now(result, [s.name for s in history], folder)
            bar.close()
            message = _interrupted_line(result, stopped, count)
            if on_interrupt == "return":
                print(message)
    finally:
        _restore_signals(handlers)
        _end_quiet_stop()
        _STATE["stop"] = False  # the next sweep in this process starts afresh
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    if result.interrupted and on_interrupt == "raise":
        raise SweepInterrupted(message, result)
    if not result and not result.interrupted:
        print(f"no run was stored under {folder} (is wandb disabled?): nothing to read back.")
    return result


def _start_wandb_core() -> None:
    """Start this process's wandb-core before the sweep, where Ctrl-C cannot kill it.

    wandb starts wandb-core in a session of its own, but a Ctrl-C that reaches the process
    group while it is being started (after fork, before it leaves the group) kills it, and
    the run being started is never written ("wandb-core exited with code -2"). Started
    with SIGINT ignored, it cannot be hit; a sweep of one worker then keeps it for every
    run. (Workers ignore SIGINT already.) A Ctrl-C in these few tenths of a second, before
    any run, is not seen.
    """
    import wandb

    if threading.current_thread() is not threading.main_thread():
        return
    saved = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        wandb.setup()  # starts wandb-core, unless wandb is disabled
    finally:
        signal.signal(signal.SIGINT, saved)


def _start_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for runs side by side, each with a wandb of its own."""
    import wandb

    wandb.teardown()  # children start their own wandb; none is inherited
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )


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


def _catch_stop_signals() -> dict[int, Any]:
    """During the sweep, SIGINT and SIGTERM stop it (:func:`_on_stop_signal`; main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    saved = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        saved[signum] = signal.getsignal(signum)
        signal.signal(signum, _on_stop_signal)
    return saved


def _restore_signals(saved: dict[int, Any]) -> None:
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def _stop_workers(
    pool: ProcessPoolExecutor,
    pending: dict[Future[None], Any],
    finish: Callable[[Any, BaseException | None], None],
    grace: float = 60.0,
) -> None:
    """Ask each worker to end its run (SIGTERM: stored as failed); kill what does not end.

    A worker ends its run only once wandb.init or finish returned (:func:`_held`).
    """
    processes = list(getattr(pool, "_processes", {}).values())  # the pool's worker processes
    for process in processes:
        with contextlib.suppress(OSError):
            os.kill(process.pid, signal.SIGTERM)
    done, not_done = wait(list(pending), timeout=grace)
    for future in done:  # finished, failed or stopped: finish() reads which from the disk
        finish(pending.pop(future), future.exception())
    for future in not_done:
        finish(pending.pop(future), KeyboardInterrupt())
    if not_done:
        for process in processes:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGKILL)


def parameter_importance(
    table: pd.DataFrame, metric: str, params: list[str] | None = None, seed: int = 0
) -> pd.DataFrame:
    """Which hyperparameter matters most for ``metric``: a random forest on one-hot columns.

    A scikit-learn random forest is trained with the hyperparameters as inputs and the
    metric as the target; its feature importances say how much each input explains.
    Alongside, the linear correlation of each input with the metric says in which direction
    it acts. Categorical values are one-hot encoded, one row per value (e.g.
    ``weights=distance``). W&B's importance panel answers the same question with its own
    model, so with few runs it may rank close parameters differently.
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
    # 100 trees (scikit-learn's default): 200 ranked the course's sweeps alike, in twice the time
    forest = RandomForestRegressor(n_estimators=100, random_state=seed)
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


# -- online: wandb.sweep + wandb.agent, as quiet as the offline sweep ------------------------


def with_progress(train: Callable[[], Any], count: int, desc: str = "sweep") -> Callable[[], None]:
    """``train`` for ``wandb.agent(..., function=...)``, counted under one progress bar.

    The agent prints nothing once wandb is silent (see ``helpers.course.quiet_wandb``), so
    without a bar a student would watch a cell for a minute with no sign of life. The bar
    is shown now and updated in place after each run, failed ones counted as failed; the
    agent still records a failure as it would (it sees the same exception).
    """
    bar = _Progress(count, desc, enabled=True)

    def counted() -> None:
        failed = True
        try:
            train()
            failed = False
        finally:
            bar.update(failed)
            if bar.n >= bar.total:
                bar.close()

    return counted


def online_sweep_runs(sweep_path: str) -> list[dict[str, Any]]:
    """The runs of an online sweep, listed by ``wandb.Api()`` and read back from this disk.

    Each run object of wandb's public API makes an empty folder
    ``$WANDB_DIR/<entity>/<project>/<run id>/`` when it is created (``Run.__init__`` in
    ``wandb/apis/public/runs.py``), and ``wandb.agent`` sets ``WANDB_DIR`` to the notebook's
    folder: listing the runs with ``WANDB_DIR`` in a temporary folder keeps those folders
    out of the student's file browser. The runs themselves are read from ``./wandb``.
    """
    import wandb

    folder = wandb_dir()  # where the agent's runs are, decided before WANDB_DIR changes
    with tempfile.TemporaryDirectory(prefix="wandb-api-") as scratch:
        with patch.dict(os.environ, {"WANDB_DIR": scratch}):
            ids = [run.id for run in wandb.Api().sweep(sweep_path).runs]
    from helpers.runs import read_runs

    return read_runs([find_run(run_id, folder) for run_id in ids])
