"""Choose online, offline or disabled, and never leave a student at a prompt nobody can answer.

``wandb.init`` in online mode with no API key asks for one. In a terminal or in
JupyterLab a person can answer; under papermill, nbmake or CI nobody can, and the
notebook fails or waits. This module decides the mode up front, says why in one line,
and leaves the actual ``wandb.init(mode=...)`` call to the notebook.
"""

from __future__ import annotations

import os
import sys

MODES = ("online", "offline", "disabled")
# Older spellings that wandb still accepts for WANDB_MODE.
_ALIASES = {"dryrun": "offline", "run": "online"}

HOW_TO_GO_ONLINE = (
    "to go online, run `wandb login` in a terminal (or set WANDB_API_KEY) and rerun; "
    "`wandb sync` uploads the offline runs later"
)


def has_credentials() -> bool:
    """True when wandb itself would find an API key (env var, ~/.netrc or its settings).

    It asks wandb's own lookup, without prompting and without touching the session,
    so the answer matches what ``wandb.init`` would do. A key that is present but
    malformed is reported here, before any run starts.
    """
    from wandb.errors import AuthenticationError
    from wandb.sdk import wandb_setup
    from wandb.sdk.lib.wbauth import authenticate

    base_url = wandb_setup.singleton().settings.base_url
    try:
        auth = authenticate.authenticate_session(
            host=base_url, source="helpers.mode", prompt=False, update_session=False
        )
    except AuthenticationError as exc:
        raise ValueError(
            f"the W&B API key wandb found is not valid: {exc} "
            "Copy the 40-character key again from https://wandb.ai/authorize."
        ) from None
    return auth is not None


def can_prompt() -> bool:
    """True when someone can answer a question typed into this process.

    In a Jupyter kernel that is the front end's ``allow_stdin`` flag (JupyterLab says
    yes; papermill and nbmake say no); elsewhere both stdin and stderr must be terminals.
    """
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
    except ImportError:
        kernel = None
    if kernel is not None:
        return bool(getattr(kernel, "_allow_stdin", False))
    return sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty()


def choose_mode(requested: str | None = None, quiet: bool = False) -> str:
    """Return the wandb mode to pass to ``wandb.init(mode=...)``.

    Order: ``requested`` (e.g. a notebook parameter), then ``WANDB_MODE``, then
    online when wandb can find credentials, else offline with one line saying so.
    """
    source = "requested mode" if requested else "WANDB_MODE"
    value = (requested or os.environ.get("WANDB_MODE") or "").strip().lower()
    if value:
        mode = _ALIASES.get(value, value)
        if mode not in MODES:
            raise ValueError(f"{source} is {value!r}; use one of: {', '.join(MODES)}")
        if mode == "online" and not can_prompt() and not has_credentials():
            raise ValueError(
                f"{source} is online but no API key was found and nobody can be asked for one: "
                "set WANDB_API_KEY, run `wandb login`, or use WANDB_MODE=offline"
            )
        return mode
    if has_credentials():
        return "online"
    if not quiet:
        where = "" if can_prompt() else " and no terminal to ask for one"
        print(f"wandb: no API key found{where}, so runs are saved offline; {HOW_TO_GO_ONLINE}.")
    return "offline"
