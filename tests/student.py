"""A student with no W&B account: the one way every test and seat builds that environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def no_account(
    home: Path, environ: Mapping[str, str] | None = None, **extra: str | None
) -> dict[str, str]:
    """``environ`` (``os.environ`` by default) as a student with no W&B account has it.

    No ``WANDB_`` variable is kept (no key, server, mode, or this process's wandb-core,
    which a child would otherwise log through), and the two places wandb finds a saved key,
    the netrc file and its settings folder, are in ``home``, where none was saved; they are
    where wandb looks when ``home`` is HOME. ``extra`` goes on top (a mode, a run folder,
    HOME, or a server and key for a student with an account); a value of None removes it.
    """
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if not k.startswith("WANDB_") and k != "NETRC"}
    env["NETRC"] = str(home / ".netrc")
    env["WANDB_CONFIG_DIR"] = str(home / ".config" / "wandb")
    env.update(extra)  # type: ignore[arg-type]
    return {k: v for k, v in env.items() if v is not None}
