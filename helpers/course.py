"""One call after a notebook's parameters: check them, choose the wandb mode, say it in one line.

Everything a student should not have to read lives here: reading the Colab secret,
choosing online/offline/disabled (and never waiting on a dead network), refusing a bad
parameter before any run starts, and keeping wandb's console quiet where it is not taught.
The notebook then writes the lesson's own ``wandb.init(mode=MODE, ...)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from helpers.mode import SetupError, choose_mode, colab_secret
from helpers.startup import import_jsonschema
from helpers.wandb_internals import import_public_api


def _whole(low: int) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SetupError(f"{name} must be a whole number >= {low}, got {value!r}")

    return check


def _choice(*allowed: str) -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        if value not in allowed:
            listed = ", ".join(repr(a) for a in allowed)
            raise SetupError(f"{name} must be one of {listed}, got {value!r}")

    return check


def _name(name: str, value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise SetupError(f"{name} must be a non-empty name, got {value!r}")


def _names(name: str, value: Any) -> None:
    if isinstance(value, str):  # papermill -p STUDENTS "ada, grace" passes one string
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        raise SetupError(f"{name} must be a list of names, e.g. ['ada', 'grace'], got {value!r}")
    for item in value:
        _name(f"each of {name}", item)


def _project(name: str, value: Any) -> None:
    from helpers.checks import check_names

    try:
        check_names(value)
    except ValueError as error:
        raise SetupError(f"{name}: {error}") from None


def _entity(name: str, value: Any) -> None:
    if value is None:
        return
    from helpers.checks import check_names

    try:
        check_names("iris-course", value)
    except ValueError as error:
        raise SetupError(f"{name}: {error}") from None


def _model(name: str, value: Any) -> None:
    from helpers.models import MODEL_NAMES

    _choice(*MODEL_NAMES)(name, value)


def _feature(name: str, value: Any) -> None:
    _whole(0)(name, value)
    if value > 3:
        raise SetupError(f"{name} must be a feature number 0..3 (iris has 4 features), got {value}")


# Every parameter a notebook of the series declares, with what it must be.
PARAMETERS: dict[str, Callable[[str, Any], None]] = {
    "PROJECT": _project,
    "ENTITY": _entity,
    "MODE": _choice("", "online", "offline", "disabled"),
    "MODEL": _model,
    "SEED": _whole(0),
    "COUNT": _whole(1),
    "WORKERS": _whole(1),
    "METHOD": _choice("", "grid", "random", "bayes"),
    "GROUP": _name,
    "STUDENTS": _names,
    "HIST_FEATURE": _feature,
}


def check_parameters(**parameters: Any) -> None:
    """Refuse a parameter value of the wrong kind with one line, before any run starts.

    papermill passes ``-p COUNT ten`` as the string ``"ten"``: without this the notebook
    would fail far below with a TypeError that names neither the parameter nor the fix.
    """
    for name, value in parameters.items():
        if name not in PARAMETERS:
            raise SetupError(f"unknown parameter {name}; known: {', '.join(PARAMETERS)}")
        PARAMETERS[name](name, value)


def quiet_wandb() -> None:
    """Keep wandb's console block (banner, history, summary, sync hint) out of the notebook.

    Only notebook 02 teaches that block; elsewhere twenty lines per run would bury the
    lesson. wandb's own ``silent`` setting does it, for every later run in this process:
    set on the running setup, and as ``WANDB_SILENT`` for the setups wandb builds anew.
    ``wandb.agent`` tears wandb down before each run of an online sweep; the next setup
    reads its settings from the environment, and without the variable every run would
    print its console block and the agent its "Agent Starting Run" lines. ``setup`` sets
    the variable before wandb's first setup, so wandb's own messages (its settings file,
    "Loaded credentials" when an online run logs in) are quiet from the start.
    """
    import wandb

    os.environ["WANDB_SILENT"] = "true"
    wandb.setup(settings=wandb.Settings(silent=True))


def name_the_notebook() -> None:
    """Tell wandb which notebook runs, from what Jupyter's server told the kernel.

    The server starts each kernel with ``JPY_SESSION_NAME``, the notebook's path. Without
    ``WANDB_NOTEBOOK_NAME`` (wandb's documented override), wandb finds the notebook by
    importing ``jupyter_server`` into the kernel and asking the server for its sessions:
    3.5 s of every notebook's Run All in JupyterLab on a 2-core machine. The run's program is
    still the notebook, named by its path from the folder the kernel runs in (the server would
    name it from its own root folder).
    """
    path = os.environ.get("JPY_SESSION_NAME", "")
    if os.environ.get("WANDB_NOTEBOOK_NAME") or not os.path.isfile(path):
        return
    try:
        os.environ["WANDB_NOTEBOOK_NAME"] = os.path.relpath(path)
    except ValueError:  # on another drive (Windows)
        os.environ["WANDB_NOTEBOOK_NAME"] = path


def one_thread() -> None:
    """Fit on one thread: iris is 120 rows, and extra BLAS/OpenMP threads only fight each other.

    On a 2-core machine with anything else running, a LogisticRegression fit took 1.6 s with
    the default threads and 0.11 s with one. The variable reaches ``!python`` child processes.
    """
    from threadpoolctl import threadpool_limits

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    threadpool_limits(1)


def setup(*, MODE: str = "", show_console: bool = False, **parameters: Any) -> str:
    """Validate the notebook's parameters, choose the mode, and return it for ``wandb.init``.

    Call it with the parameters cell's names: ``MODE = setup(PROJECT=PROJECT, MODEL=MODEL,
    MODE=MODE)``. In Colab it reads the ``WANDB_API_KEY`` secret first; with a key it goes
    online only if the server accepts it within seconds. ``show_console`` keeps wandb's
    console block (notebook 02 teaches it).
    """
    check_parameters(MODE=MODE, **parameters)
    one_thread()
    name_the_notebook()
    import_jsonschema()
    colab_secret()
    if not show_console:  # before wandb's first setup, which names the settings file it reads
        os.environ["WANDB_SILENT"] = "true"
    mode = choose_mode(MODE or None)
    if mode == "disabled":  # a disabled run never imports wandb's public API: nothing to save
        print("wandb: disabled, so nothing is stored; the checks will say so.")
        return mode
    import_public_api()
    if not show_console:
        quiet_wandb()
    return mode
