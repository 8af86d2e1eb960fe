"""One call after a notebook's parameters: check them, choose the wandb mode, say it in one line.

Everything a student should not have to read lives here: reading the Colab secret,
choosing online/offline/disabled (and never waiting on a dead network), refusing a bad
parameter before any run starts, and keeping wandb's console quiet where it is not taught.
The notebook then writes the lesson's own ``wandb.init(mode=MODE, ...)``.
"""

from __future__ import annotations

from typing import Any

from helpers.mode import choose_mode


def setup(*, MODE: str = "", show_console: bool = False, **parameters: Any) -> str:
    """Validate the notebook's parameters, choose the mode, and return it for ``wandb.init``.

    Call it with the parameters cell's names: ``MODE = setup(PROJECT=PROJECT, MODEL=MODEL,
    MODE=MODE)``. ``show_console`` keeps wandb's console block (notebook 02 teaches it).
    """
    from helpers.checks import check_names
    from helpers.models import check_model_name

    if "PROJECT" in parameters:
        check_names(parameters["PROJECT"])
    if "MODEL" in parameters:
        check_model_name(parameters["MODEL"])
    return choose_mode(MODE or None)
