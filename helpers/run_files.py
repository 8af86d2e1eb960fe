"""Where runs live on disk: the wandb folder, each run's folder and its ``.wandb`` log.

Reading a run back (:mod:`helpers.runs`), the offline sweep and ``python -m helpers`` all
start from a path; this module turns a Run object, a run id or a folder into the log
wandb wrote, and says when a folder cannot take runs at all. It reads file names and
the operating system's list of open files only, never a log's contents, so it needs
neither wandb nor pandas.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any


def wandb_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder wandb writes runs into: ``path``, else ``$WANDB_DIR/wandb``, else ``./wandb``."""
    if path is not None:
        return Path(path)
    return Path(os.environ.get("WANDB_DIR") or ".") / "wandb"


def check_writable(folder: Path, fix: str = "set WANDB_DIR to a folder you can write") -> None:
    """Fail in one line when runs cannot be written to ``folder``.

    wandb would otherwise fall back to a shared temporary folder, where the sweep
    (and ``python -m helpers``) would never find the runs.
    """
    missing = [p for p in (folder, *folder.parents) if not p.exists()]  # made here, removed after
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        for made in missing:  # wandb makes them when a run starts; a disabled run never does
            made.rmdir()
    except OSError as error:
        raise ValueError(
            f"cannot write runs to {folder} ({error.strerror or error}): {fix}"
        ) from None


def run_id_of(folder: str | os.PathLike[str]) -> str:
    """The run id in a run folder's name (``offline-run-20260101_120000-<id>``)."""
    return Path(folder).name.rsplit("-", 1)[-1]


def run_file(path: str | os.PathLike[str] | Any) -> Path:
    """The ``.wandb`` log of a run given as a Run object, a run directory or the file itself."""
    settings = getattr(path, "settings", None)
    if settings is not None:  # a wandb Run
        path = settings.sync_dir
    path = Path(path)
    if path.is_file() or (path.suffix == ".wandb" and path.parent.is_dir()):
        return path  # a log, or where a run folder's log would be (read_run says it is missing)
    found = sorted(path.glob("run-*.wandb"))
    if len(found) != 1:
        raise FileNotFoundError(f"no single run-*.wandb log in {path} (found {len(found)})")
    return found[0]


def _log_of(folder: Path) -> Path:
    """A run folder's log, or where wandb would have written it: ``<folder>/run-<id>.wandb``."""
    found = sorted(folder.glob("run-*.wandb"))
    return found[-1] if found else folder / f"run-{run_id_of(folder)}.wandb"


def find_run(run_id: str, path: str | os.PathLike[str] | None = None) -> Path | None:
    """The log of the run with id ``run_id`` under a wandb folder, or None if it was not stored.

    A run folder whose log was never written (the process stopped inside ``wandb.init``)
    gives the path the log would have: reading it says so.
    """
    found = sorted(wandb_dir(path).glob(f"*run-*-{run_id}"))
    return _log_of(found[-1]) if found else None


def run_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every run log under a wandb folder, oldest first (a folder with no log: where it goes)."""
    root = wandb_dir(path)
    folders = [f for f in root.glob("*run-*") if f.is_dir() and not f.is_symlink()]
    logs = [_log_of(f) for f in folders]
    return sorted(logs, key=lambda f: ((f if f.exists() else f.parent).stat().st_mtime, f.name))


def open_logs() -> set[str] | None:
    """The run logs some process holds open right now (wandb-core writing them), or None.

    A log that ends without the run's exit is either still being written or was left
    behind by a process that died; only the writer holding it open tells the two apart.
    Linux shows open files under /proc; elsewhere we cannot tell (None).
    """
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    found: set[str] = set()
    for fd_dir in proc.glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                target = os.readlink(fd)
                if target.endswith(".wandb"):
                    found.add(target)
        except OSError:  # the process ended, or is not ours to look at
            continue
    return found
