"""The one place the course reaches past wandb's public API: every private name, setting and form.

A wandb upgrade that removes or changes one of these breaks the course here, and
``tests/test_wandb_internals.py`` names the item that broke (one test per item). Each was
verified on wandb :data:`VERIFIED_ON`; moving to a new release means rerunning that test file
and, for each failure, finding the new name (or the public way) and updating the item here.

Before an item was kept, the public way was tried; each item says why it does not do the job.
Public ways the course uses instead, so not listed here: ``wandb.Settings(...).app_url`` for
the key page, ``wandb.teardown()``, ``wandb.setup(settings=...)`` for quiet runs, and the
documented ``WANDB_*`` variables (``WANDB_RUN_ID``, ``WANDB_RUN_GROUP``, ``WANDB_JOB_TYPE``,
``WANDB_PROJECT``, ``WANDB_SILENT``, ``WANDB_NOTEBOOK_NAME``...).

Nothing here imports wandb when this module is imported: each item imports what it needs.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

# The wandb release every item below was verified on (tests/test_wandb_internals.py).
VERIFIED_ON = "0.31.0"

# ``wandb.agent`` tells each run where its hyperparameters are with this variable (wandb's
# ``env.SWEEP_PARAM_PATH``), and ``wandb.init`` reads it into ``run.config``. The offline sweep
# sets it as the agent does, so a ``train()`` cannot tell the two apart. Not documented.
SWEEP_PARAM_PATH = "WANDB_SWEEP_PARAM_PATH"

# The variable for wandb's experimental ``x_save_requirements`` setting: False skips listing
# the installed packages (requirements.txt), 0.2-0.3 s per run. There is no public setting.
SAVE_REQUIREMENTS = "WANDB_X_SAVE_REQUIREMENTS"

# Where wandb tells child processes which wandb-core service to log through (wandb's
# ``env.SERVICE``). The tests unset it, so a child starts its own service, as outside tests.
SERVICE = "WANDB_SERVICE"

# The name of wandb's service program, as it appears among a sweep's processes.
CORE_PROGRAM = "wandb-core"

# Tests only: the class attribute of each agent module's ``Agent`` that sets how long it
# sleeps between heartbeats / polls (5 s); the online tests shorten them in child processes.
AGENT_WAITS = {
    "wandb.agents.pyagent": "HEARTBEAT_SLEEP_SECONDS",
    "wandb.wandb_agent": "POLL_INTERVAL",
}


def global_settings() -> Any:
    """wandb's settings for this process (``WANDB_*`` variables, its settings files, defaults).

    Private: ``wandb.sdk.wandb_setup.singleton().settings``. The public
    ``wandb.setup().settings`` holds the same, but starts the wandb-core service, which
    choosing the mode (and a disabled run) must not do.
    """
    from wandb.sdk import wandb_setup

    return wandb_setup.singleton().settings


def stored_credentials(host: str) -> Any | None:
    """The credentials ``wandb.init`` would use for ``host``, or None; it never prompts or stores.

    wandb's own lookup (``WANDB_API_KEY``, its settings, ``~/.netrc``), so the answer is what
    ``wandb.init`` would find. Has ``api_key`` for an API key. Raises wandb's
    ``AuthenticationError`` when what it found is not a well-formed key.

    Private: ``wandb.sdk.lib.wbauth.authenticate_session``. The public
    ``wandb.login(prompt=False, verify=True)`` returns only True/False, so the course could
    neither say where the key came from nor ask the server itself; it raises the same
    AuthenticationError for a refused key and for a server it cannot reach (the first must stop,
    the second means offline), and only after 10 s for a closed port (wandb 0.31.0); it also
    writes wandb's settings file, and answers False once a run has started.
    """
    from wandb.sdk.lib.wbauth import authenticate

    return authenticate.authenticate_session(
        host=host, source="helpers.mode", prompt=False, update_session=False
    )


def reload_settings() -> None:
    """Make wandb read the ``WANDB_*`` variables again before the next ``wandb.init``.

    Private: ``singleton()._load_settings``. The public way, ``wandb.teardown()`` (what
    ``wandb.agent`` does between runs), also stops the wandb-core service, and the next run then
    waits ~0.3 s for a new one; it stays the fallback should the private method go.
    """
    import wandb
    from wandb.sdk import wandb_setup

    reload = getattr(wandb_setup.singleton(), "_load_settings", None)
    try:
        reload(system_settings_path=None, disable_sagemaker=False)
    except Exception:  # another wandb version: do what wandb.agent does
        wandb.teardown()


def run_is_finished(run: Any) -> bool:
    """True once ``run.finish()`` ended the run (or for anything that is not a wandb Run).

    Private: ``Run._is_finished``; wandb 0.31 has no public flag for it (``wandb.run`` only
    tracks the latest run).
    """
    return bool(getattr(run, "_is_finished", True))


def import_public_api() -> None:
    """Import ``wandb.apis.public`` now, because the first ``wandb.init`` would import it anyway.

    wandb does it four imports deep (its launch package, to apply staged launch inputs), where
    building its pydantic models took twice as long (0.7-1.0 s against 0.35-0.55 s on a 2-core
    machine). An internal import order: if wandb stops importing it, this is wasted time.
    """
    import wandb.apis.public  # noqa: F401


def core_path() -> str | None:
    """The ``wandb-core`` program of the installed wandb (``wandb.util.get_core_path``), or None."""
    spec = importlib.util.find_spec("wandb")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = [Path(folder) / "bin" / CORE_PROGRAM for folder in folders]
    return next((str(path) for path in found if path.is_file()), None)


def leet_inspect_command(run_file: Path, *flags: str) -> list[str]:
    """The command line of ``wandb leet inspect FLAGS RUN_FILE``, as wandb's CLI builds it.

    Private: the ``wandb-core`` program, where ``wandb.util.get_core_path`` finds it (``bin/``
    in the wandb package; found here without importing wandb, about 1 s of CPU, so the runs
    table of ``python -m helpers`` starts at once), and its ``leet inspect --no-observability
    --run-file FILE WANDB_DIR`` form. The public ``wandb leet inspect`` does the same after
    starting a Python: ~20 ms a run instead of seconds. It stays the fallback where
    wandb-core is missing.
    """
    core = core_path()
    if core is None:  # no wandb-core on this platform: fall back to the (slower) CLI
        cli = shutil.which("wandb") or "wandb"
        return [cli, "leet", "inspect", *flags, str(run_file)]
    return [
        core,
        "leet",
        "inspect",
        *flags,
        "--no-observability",
        "--run-file",
        str(run_file),
        str(run_file.parent.parent),
    ]


def run_record_handover() -> tuple[type, str]:
    """Tests only: the class and method ``wandb.init`` hands wandb-core the run record through.

    A fault test replaces the method with one that raises KeyboardInterrupt, to stop a run
    exactly there (Ctrl-C as the run record is handed over, so the log has no run record).
    Private: ``wandb.sdk.interface.interface.InterfaceBase.deliver_run``; no public way
    reaches that moment.
    """
    from wandb.sdk.interface.interface import InterfaceBase

    return InterfaceBase, "deliver_run"


def key_prompt_url(host: str) -> str:
    """Tests only: the page wandb's own login prompt sends a student to for an API key.

    Private: ``wandb.sdk.lib.wbauth.prompt._authorize_url``. The course builds the same page
    from the public ``Settings.app_url``; this is what it is compared with.
    """
    from wandb.sdk.lib.wbauth import prompt

    return prompt._authorize_url(prompt.HostUrl(host), signup=False, referrer="")
