"""Create a venv when it is missing and install into it, with uv when it can: every venv the
Makefile and tests/test_colab.py build goes through here.

    python3 scripts/install.py VENV [--python PYTHON] [--installer uv|pip] -- PIP_ARGS...

PIP_ARGS are pip's install arguments (``-e ".[local,test]"``, ``-c FILE``, ``-r FILE``); uv's
``uv pip install`` takes the same. uv is installed once per checkout into ``.cache/uv/`` by this
interpreter's own pip (``pip install --target``), so Python and make stay all a newcomer needs;
like ``python -m venv`` followed by ``pip install --upgrade pip``, each venv gets pip.
When uv cannot be installed (no index has it, no pip), or ``--installer pip`` (``INSTALLER=pip``
in make) is given, the venv is built with ``python -m venv`` and pip, as before uv.

uv does not read pip's configuration, so the index settings pip would use here (``pip config
list``: pip.conf files and ``PIP_*`` variables) are passed to uv as its own options, with
``--index-strategy unsafe-best-match``, pip's way of choosing among several indexes: both
installers then see the same packages, the same pins and the same constraints. Uses only the
standard library: it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".cache" / "uv"
UV = TOOLS / "bin" / "uv"
UV_REQUIREMENT = "uv>=0.4"  # uv pip install --index-strategy, uv venv --python-preference
QUIET = {"PIP_ROOT_USER_ACTION": "ignore", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def pip_config() -> dict[str, str]:
    """pip's settings as ``pip config list`` shows them: {key: value}, environment last."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, **QUIET},
    )
    settings: dict[str, str] = {}
    order = {"global": 0, "install": 1, ":env:": 2}  # pip's precedence, lowest first
    found = []
    for line in out.stdout.splitlines() if out.returncode == 0 else []:
        key, _, value = line.partition("=")
        section, _, name = key.rpartition(".")
        if section in order:
            found.append((order[section], name, value.strip().strip("'\"")))
    for _, name, value in sorted(found, key=lambda item: item[0]):
        settings[name] = value
    return settings


def uv_options(settings: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """uv's options and environment for pip's index settings."""
    args, env = [], {}
    if settings.get("index-url"):
        args += ["--index-url", settings["index-url"]]
    for option in ("extra-index-url", "find-links", "constraint"):
        for value in settings.get(option, "").split():
            args += [f"--{option}", value]
    if settings.get("extra-index-url"):
        args += ["--index-strategy", "unsafe-best-match"]
    if settings.get("cert") and "SSL_CERT_FILE" not in os.environ:
        env["SSL_CERT_FILE"] = settings["cert"]
    if settings.get("default-timeout") and "UV_HTTP_TIMEOUT" not in os.environ:
        env["UV_HTTP_TIMEOUT"] = settings["default-timeout"].split(".")[0]
    return args, env


def bootstrap_uv() -> str | None:
    """uv in .cache/uv, installed by this interpreter's pip; None (and why, on stderr) if not."""
    TOOLS.parent.mkdir(parents=True, exist_ok=True)
    with (TOOLS.parent / "uv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # make -j, or pytest-xdist workers, bootstrap once
        if UV.exists():
            return str(UV)
        # uv is one binary wheel with no dependencies: nothing to resolve, build or compile
        command = [sys.executable, "-m", "pip", "install", "-q", "--upgrade", "--no-deps"]
        command += ["--only-binary", ":all:", "--no-compile", "--target"]
        out = subprocess.run(
            [*command, str(TOOLS), UV_REQUIREMENT],
            capture_output=True,
            text=True,
            env={**os.environ, **QUIET},
        )
        if out.returncode == 0 and UV.exists():
            return str(UV)
    last = (out.stderr.strip().splitlines() or ["no output"])[-1]
    print(f"uv could not be installed ({last}); installing with pip", file=sys.stderr)
    return None


def run(command: list[str], env: dict[str, str] | None = None) -> None:
    """Run ``command``; on failure exit with its status, the command named."""
    result = subprocess.run(command, env={**os.environ, **QUIET, **(env or {})})
    if result.returncode:
        print(f"failed ({result.returncode}): {shlex.join(command)}", file=sys.stderr)
        sys.exit(result.returncode)


def with_uv(uv: str, venv: Path, python: str, pip_args: list[str]) -> None:
    """A venv with pip in it (students and tests use it), and the packages, in one resolve."""
    if not (venv / "bin" / "python").exists():
        run([uv, "venv", "-q", "--python", python, "--python-preference", "only-system", str(venv)])
    args, env = uv_options(pip_config())
    target = str(venv / "bin" / "python")
    run([uv, "pip", "install", "-q", "--python", target, *args, "pip", *pip_args], env)


def with_pip(venv: Path, python: str, pip_args: list[str]) -> None:
    target = str(venv / "bin" / "python")
    if not Path(target).exists():
        run([python, "-m", "venv", str(venv)])
        run([target, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    run([target, "-m", "pip", "install", "-q", *pip_args])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("venv", type=Path)
    parser.add_argument("--python", default=sys.executable, help="the venv's interpreter")
    parser.add_argument(
        "--installer", choices=["uv", "pip"], default=os.environ.get("INSTALLER") or "uv"
    )
    args = sys.argv[1:] if argv is None else argv
    split = args.index("--") if "--" in args else len(args)
    options, pip_args = parser.parse_args(args[:split]), args[split + 1 :]
    start = time.perf_counter()
    uv = bootstrap_uv() if options.installer == "uv" else None
    if uv:
        with_uv(uv, options.venv, options.python, pip_args)
    else:
        with_pip(options.venv, options.python, pip_args)
    seconds = time.perf_counter() - start
    print(f"{options.venv}: installed with {'uv' if uv else 'pip'} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
