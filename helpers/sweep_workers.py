"""Processes and signals of an offline sweep: each run started as ``wandb.agent`` starts it.

Ctrl-C (SIGINT to the whole process group in a terminal, the stop button in a notebook) or
SIGTERM stops a sweep; only the sweep acts on it. Worker processes run side by side, die with
the sweep, and a stop never cuts ``wandb.init`` or a run's ``finish`` short.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any
from unittest.mock import patch

import yaml

from helpers.wandb_internals import SAVE_REQUIREMENTS, SWEEP_PARAM_PATH, reload_settings

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
