"""Choose online, offline or disabled, and never leave a student waiting on a prompt or a network.

``wandb.init`` in online mode with no API key asks for one; with a key but no network it
retries for minutes and then fails with advice that sends students the wrong way. This
module decides the mode up front and says why in one line: online only when a key exists
*and* the W&B server answers it within a few seconds, offline otherwise (with the
``wandb sync`` command for later). It leaves the actual ``wandb.init(mode=...)`` to the
notebook or script.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

MODES = ("online", "offline", "disabled")
# Older spellings that wandb still accepts for WANDB_MODE.
_ALIASES = {"dryrun": "offline", "run": "online"}
# How long the server may take to answer before we go offline. wandb itself would retry
# for about two minutes; a student on a train should not wait for that.
PROBE_SECONDS = 6.0
COLAB_SECRET = "WANDB_API_KEY"
_colab_key: str | None = None  # the key read from the Colab secret, to name its source


class SetupError(ValueError):
    """A setting that stops the course before any run starts: a bad mode, key, folder or parameter.

    In a notebook IPython shows only this one line (no traceback wall): the message names
    the fix, and a stack of frames would hide it. Scripts print it and exit with status 2.
    """

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


class KeyRefused(SetupError):  # noqa: N818 (what students read: "KeyRefused: ...")
    """The W&B server answered, and refused the API key: nothing can run online with it."""


def server_host() -> str:
    """The W&B server wandb logs into: ``WANDB_BASE_URL``, wandb's settings, or its default."""
    from helpers.wandb_internals import global_settings

    return str(global_settings().base_url).rstrip("/")


def key_page() -> str:
    """The page where wandb itself tells you to create an API key, for the server it uses.

    wandb's login prompt prints ``<app url>/authorize``; we build the same address from the
    same settings, so the course's text and wandb's prompt never name different sites.
    """
    from helpers.wandb_internals import global_settings

    return str(global_settings().app_url).rstrip("/") + "/authorize"


def colab_secret() -> str | None:
    """In Colab, put the ``WANDB_API_KEY`` secret into the environment; say why when it can't.

    Each Colab notebook runs in its own runtime, so every notebook reads the secret itself.
    Returns where the key came from ("the Colab secret"), or None. Outside Colab, or when
    ``WANDB_API_KEY`` is already set, it does nothing.
    """
    if "google.colab" not in sys.modules or os.environ.get("WANDB_API_KEY"):
        return None
    try:
        from google.colab import userdata

        value = userdata.get(COLAB_SECRET)
    except Exception as error:  # Colab's own classes: SecretNotFoundError, NotebookAccessError...
        kind = type(error).__name__
        if kind == "NotebookAccessError":
            print(
                f"wandb: your {COLAB_SECRET} secret exists but this notebook may not read it: "
                "open 🔑 Secrets in the left bar, switch on 'Notebook access' for it, and rerun."
            )
        elif kind != "SecretNotFoundError":
            print(f"wandb: could not read the Colab secret {COLAB_SECRET} ({kind}).")
        return None
    if not value:
        return None
    global _colab_key
    _colab_key = os.environ["WANDB_API_KEY"] = value.strip()
    return "the Colab secret"


def _find_key() -> tuple[str, str] | None:
    """The API key wandb would use and where it found it, without prompting; None if none.

    wandb's own lookup does the finding (environment, ``~/.netrc``, its settings), so the
    answer matches what ``wandb.init`` would do. A malformed key is refused here.
    """
    from wandb.errors import AuthenticationError

    from helpers.wandb_internals import stored_credentials

    try:
        auth = stored_credentials(server_host())
    except AuthenticationError as exc:
        raise SetupError(
            f"the W&B API key wandb found is not valid: {exc} Copy it again from "
            f"{key_page()} and run `wandb login --relogin` (or set WANDB_API_KEY)."
        ) from None
    if auth is None:
        return None
    key = getattr(auth, "api_key", None)
    if key and key == _colab_key:
        source = "the Colab secret"
    elif os.environ.get("WANDB_API_KEY"):
        source = "WANDB_API_KEY"
    elif key and _netrc_has(key):
        source = "~/.netrc (wandb login)"
    else:
        source = "wandb's settings"
    return key or "", source


def _netrc_has(key: str) -> bool:
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    try:
        return key in path.read_text()
    except OSError:
        return False


def has_credentials() -> bool:
    """True when wandb itself would find an API key (env var, ~/.netrc or its settings)."""
    return _find_key() is not None


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


def probe(host: str, key: str, timeout: float | None = None) -> int | str:
    """Ask the server who owns ``key``: the HTTP status it answered, or why there was none.

    One small GraphQL ``Viewer`` query, bounded by ``timeout`` in all (name lookup
    included, which urllib cannot bound by itself, hence the thread).
    """
    timeout = PROBE_SECONDS if timeout is None else timeout
    silence = f"no answer within {timeout:g} s"
    body = json.dumps({"query": "query Viewer { viewer { id entity } }"}).encode()
    token = base64.b64encode(f"api:{key}".encode()).decode()
    request = urllib.request.Request(
        f"{host}/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
    )
    answer: list[int | str] = []

    def ask() -> None:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer.append(response.status)
        except urllib.error.HTTPError as error:
            answer.append(error.code)
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            timed_out = isinstance(reason, TimeoutError)
            answer.append(silence if timed_out else str(reason) or type(reason).__name__)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(timeout)
    return answer[0] if answer else silence


def sync_command(folder: Path) -> str:
    """The command that uploads every offline run of ``folder``, typed as is from any folder.

    wandb 0.31 removed the sync command's ``--sync-all`` option; a bare ``wandb sync`` looks only in
    ``./wandb`` of the folder it is typed in and asks for a yes first. Given the run
    folder's parent, ``wandb/``, it syncs each offline run in it once (``latest-run`` is the
    same file, which wandb skips), without asking.
    """
    return f"wandb sync {shlex.quote(str(Path(folder).absolute()))}"


def choose_mode(requested: str | None = None, quiet: bool = False) -> str:
    """Return the wandb mode to pass to ``wandb.init(mode=...)``, with one line saying why.

    Order: ``requested`` (e.g. a notebook parameter), then ``WANDB_MODE``, then online
    when wandb finds a key and the server accepts it, else offline. A refused key stops
    here (:class:`KeyRefused`); a server that does not answer means offline.
    """
    source = "requested mode" if requested else "WANDB_MODE"
    value = (requested or os.environ.get("WANDB_MODE") or "").strip().lower()
    mode = _ALIASES.get(value, value)
    if mode and mode not in MODES:
        raise SetupError(f"{source} is {value!r}; use one of: {', '.join(MODES)}")
    if mode == "disabled":
        return mode
    from helpers.run_files import check_writable, wandb_dir

    folder = wandb_dir()
    try:  # wandb would otherwise fall back to a shared temporary folder, where nobody looks
        check_writable(folder)
    except ValueError as error:
        raise SetupError(str(error)) from None
    if mode == "offline":
        return mode
    sync = f"upload them later with `{sync_command(folder)}`"
    found = _find_key()
    if found is None:
        return _without_key(mode, source, sync, quiet)
    key, key_source = found
    host = server_host()
    answer = probe(host, key)
    if answer in (401, 403):
        raise KeyRefused(
            f"the W&B server at {host} refused the API key from {key_source} (HTTP {answer}): "
            f"replace it with `wandb login --relogin` (new key at {key_page()}), "
            "or set WANDB_MODE=offline to work offline"
        )
    if isinstance(answer, str):
        message = f"could not reach the W&B server at {host} ({answer})"
        if mode == "online":
            raise SetupError(f"{source} is online but wandb {message}: use WANDB_MODE=offline")
        print(f"wandb: {message}, so runs are saved offline; {sync}.")
        return "offline"
    if not quiet:
        print(f"wandb: online at {host}, with the API key from {key_source}.")
    return "online"


def _without_key(mode: str, source: str, sync: str, quiet: bool) -> str:
    """The mode when wandb finds no API key: online only if someone can be asked for one."""
    if mode == "online" and not can_prompt():
        raise SetupError(
            f"{source} is online but no API key was found and nobody can be asked for one: "
            "set WANDB_API_KEY, run `wandb login`, or use WANDB_MODE=offline"
        )
    if mode == "online":
        return mode  # wandb.init asks for the key itself
    if not quiet:
        where = "" if can_prompt() else " and no terminal to ask for one"
        how = (
            f"add a {COLAB_SECRET} secret (🔑 in the left bar)"
            if "google.colab" in sys.modules
            else "run `wandb login` in a terminal (or set WANDB_API_KEY)"
        )
        print(
            f"wandb: no API key found{where}, so runs are saved offline; to go online, "
            f"{how} and rerun; {sync}."
        )
    return "offline"
