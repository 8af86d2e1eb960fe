"""Execute notebooks with papermill, one line each: ``make run`` uses it.

    python scripts/run_notebooks.py OUT notebooks/01_login.ipynb notebooks/02_logging.ipynb ...

Each notebook runs in ``notebooks/`` (so ``sweep.yaml`` is found) and is written executed to
``OUT/<name>.ipynb``. Kernels are started with CurveZMQ keys provisioned by jupyter_client
(``KernelManager.transport_encryption``), so the kernel talks to papermill over an encrypted
channel and has no reason to warn that it runs "over TCP without encryption". The first
failure stops the series with papermill's one-line reason and exit status 1.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from traitlets.config import Config

from helpers.batch import KERNEL_CONFIG

# jupyter_client interrupts a kernel before shutting it down; on a busy machine the kernel can
# still be busy then and logs "KeyboardInterrupt caught in kernel" to our stderr. Its own log
# is not the notebook's output (cell errors reach papermill as messages), so keep it to crashes.
CONFIG = Config(KERNEL_CONFIG)
CONFIG.NotebookClient.extra_arguments = ["--IPKernelApp.log_level=CRITICAL"]
# ipykernel 6 starts debugpy, which warns on stderr about Python's frozen modules; this is
# debugpy's own switch for that check (the kernels inherit it; nobody debugs a make run).
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def run(notebook: Path, out: Path) -> float:
    """Execute ``notebook`` into ``out``; returns the seconds it took."""
    import papermill

    start = time.perf_counter()
    papermill.execute_notebook(
        str(notebook),
        str(out / notebook.name),
        cwd=str(notebook.parent),
        progress_bar=False,
        config=CONFIG,
    )
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out, notebooks = Path(args[0]), [Path(a) for a in args[1:]]
    out.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        print(f"{notebook.stem:<20}", end="", flush=True)
        try:
            seconds = run(notebook, out)
        except Exception as error:
            print(f"failed: {str(error).strip().splitlines()[-1]}")
            print(f"  see {out / notebook.name}", file=sys.stderr)
            return 1
        print(f"{seconds:5.1f} s  -> {out / notebook.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
