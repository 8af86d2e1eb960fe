"""Execute notebooks with papermill, side by side, one line each in order: ``make run`` uses it.

    python scripts/run_notebooks.py OUT notebooks/01_login.ipynb ... [--workers N]

The notebooks are independent (each logs its own runs), so as many run at once as there are
cores (``--workers``, ``make run WORKERS=N``; 1 runs them one after another); their lines are
printed in the order given, each when it and those before it are done. Each notebook runs in
``notebooks/`` (so ``sweep.yaml`` is found), is written executed to ``OUT/<name>.ipynb`` and
stores its runs in ``OUT/<name>/wandb/`` (``WANDB_DIR``): "the latest run" a notebook reads back
(02) is then its own, whatever the others log meanwhile. Each kernel talks to papermill over Unix
sockets of its own, not TCP ports another process could take first
(:func:`helpers.batch.kernel_config`). The first failure in that order stops the series with
papermill's one-line reason and exit status 1: no notebook after it is started or printed
(those already running finish, unprinted), and those before it still run, so each gets its
line.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path

from helpers.batch import kernel_config
from helpers.startup import import_jsonschema

# jupyter_client interrupts a kernel before shutting it down; on a busy machine the kernel can
# still be busy then and logs "KeyboardInterrupt caught in kernel" to our stderr. Its own log
# is not the notebook's output (cell errors reach papermill as messages), so keep it to crashes.
QUIET_KERNEL = ["--IPKernelApp.log_level=CRITICAL"]
# ipykernel 6 starts debugpy, which warns on stderr about Python's frozen modules; this is
# debugpy's own switch for that check (the kernels inherit it; nobody debugs a make run).
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def run(notebook: Path, out: Path) -> float:
    """Execute ``notebook`` into ``out``; returns the seconds it took."""
    import_jsonschema()  # before papermill's nbformat imports it (helpers.startup says why)
    import papermill

    start = time.perf_counter()
    # the kernel inherits this worker's environment; a worker runs one notebook at a time
    os.environ["WANDB_DIR"] = str((out / notebook.stem).absolute())
    with kernel_config() as config:
        config.NotebookClient.extra_arguments = QUIET_KERNEL
        papermill.execute_notebook(
            str(notebook),
            str(out / notebook.name),
            cwd=str(notebook.parent),
            progress_bar=False,
            config=config,
        )
    return time.perf_counter() - start


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    workers = cores()
    if "--workers" in args:
        at = args.index("--workers")
        workers = int(args[at + 1]) if args[at + 1 :] and args[at + 1].isdigit() else 0
        del args[at : at + 2]
    if len(args) < 2 or workers < 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out, notebooks = Path(args[0]), [Path(a) for a in args[1:]]
    out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=min(workers, len(notebooks))) as pool:
        try:
            return report(notebooks, Series(pool, notebooks, out, workers), out)
        except KeyboardInterrupt:
            print("interrupted")
            return 130
        finally:
            pool.shutdown(cancel_futures=True)


class Series:
    """Starts the notebooks in order, ``workers`` at a time. After a failure only those before
    it start, so their lines can be printed before its reason."""

    def __init__(self, pool: Executor, notebooks: list[Path], out: Path, workers: int) -> None:
        self.pool, self.out, self.workers = pool, out, workers
        self.place = {notebook: at for at, notebook in enumerate(notebooks)}
        self.waiting = list(notebooks)
        self.started: dict[Path, Future[float]] = {}
        self.first_failed = len(notebooks)  # the place of the first failure, in order
        self.fill()

    def running(self) -> list[Path]:
        return [notebook for notebook, future in self.started.items() if not future.done()]

    def fill(self) -> None:
        """Start the next notebooks while a worker is free."""
        self.waiting = [n for n in self.waiting if self.place[n] < self.first_failed]
        while self.waiting and len(self.running()) < self.workers:
            notebook = self.waiting.pop(0)
            self.started[notebook] = self.pool.submit(run, notebook, self.out)

    def result(self, notebook: Path) -> float:
        """Wait for ``notebook``, starting the next ones each time one ends."""
        self.fill()
        while not (notebook in self.started and self.started[notebook].done()):
            running = self.running()
            if not running:  # cannot happen: with nothing running, fill() starts the next
                raise RuntimeError(f"{notebook.name} was never started")
            wait([self.started[n] for n in running], return_when=FIRST_COMPLETED)
            for ended in running:
                if self.started[ended].done() and self.started[ended].exception() is not None:
                    self.first_failed = min(self.first_failed, self.place[ended])
            self.fill()
        return self.started[notebook].result()


def report(notebooks: list[Path], series: Series, out: Path) -> int:
    """One line per notebook, in order; at the first failure, its reason, and stop."""
    for notebook in notebooks:
        print(f"{notebook.stem:<20}", end="", flush=True)
        try:
            seconds = series.result(notebook)
        except Exception as error:
            print(f"failed: {str(error).strip().splitlines()[-1]}")
            print(f"  see {out / notebook.name}", file=sys.stderr)
            return 1
        print(f"{seconds:5.1f} s  -> {out / notebook.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
