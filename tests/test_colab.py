"""The series on Colab's own runtime: Colab's package set, the notebook alone, the secret key.

A Python 3.13 venv is built from tests/colab/constraints.txt (the packages Colab's published
image has, at Colab's versions) with a stand-in ``google.colab`` (tests/colab/site), cached
under .cache/colab/ by the hash of those files. Each test session then runs the notebooks'
Colab cell in a kernel of that venv, as a new runtime runs it: its ``%pip`` line installs the
course (git finds "GitHub" in a copy of this checkout), and the tests check that no package
Colab owns changed version. Every notebook is then copied alone into an empty folder and
executed there on that venv's kernel, which imports ``google.colab`` at start as Colab's
does: without a secret (offline, one line saying so), with the ``WANDB_API_KEY`` secret
(online, against the W&B API stand-in), and with a secret the notebook may not read. The
course is installed by then, as on a rerun in the same runtime, so the cell must not install
it again: "GitHub" is then a repository that does not exist, and an install attempt fails.

``make test-colab`` runs it (WANDB_IRIS_COLAB_TEST=1); ``make test`` skips it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

import helpers
from tests.conftest import ROOT, checkout_copy
from tests.lessons import NOTEBOOK_PATHS
from tests.student import no_account

pytestmark = pytest.mark.skipif(
    not os.environ.get("WANDB_IRIS_COLAB_TEST"),
    reason="builds a Colab-runtime venv (minutes the first time): run `make test-colab`",
)

COLAB = ROOT / "tests" / "colab"
CONSTRAINTS = COLAB / "constraints.txt"
CACHE = ROOT / ".cache" / "colab"
SECRET = "WANDB_API_KEY"
REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]

# Colab's kernel and scientific stack: the install must leave each at Colab's version.
RUNTIME_NAMED = (
    "ipykernel",
    "ipython",
    "jupyter-client",
    "traitlets",
    "tornado",
    "numpy",
    "pandas",
    "matplotlib",
    "scikit-learn",
)
# What installing the course may change: wandb itself (Colab has an older one), and the
# OpenTelemetry packages wandb 0.31 requires at >=1.43 (Colab has 1.42.1). Nothing else.
MAY_CHANGE = {
    "wandb",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-semantic-conventions",
}


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(text: str) -> dict[str, str]:
    """``name==version`` lines (pip freeze or a constraints file) as {normalized name: version}."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*(?:==\s*(\S+)|@\s*(\S+))", line)
        if match:
            found[_name(match.group(1))] = match.group(2) or match.group(3)
    return found


def python313() -> tuple[str, str]:
    """A Python 3.13 (Colab's), from PATH or pyenv; else this interpreter. (path, version)."""
    candidates = [shutil.which("python3.13")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += sorted(str(p) for p in pyenv.glob("3.13*/bin/python3.13"))[::-1]
    for candidate in [c for c in candidates if c] + [sys.executable]:
        out = subprocess.run(
            [candidate, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0:
            return candidate, out.stdout.strip()
    raise AssertionError("no Python found")  # unreachable: sys.executable runs


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """One test process at a time (pytest-xdist workers share the cached venv)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pip(python: Path, *args: str) -> str:
    result = subprocess.run(
        [str(python), "-m", "pip", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"pip {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def colab_install_args() -> list[str]:
    """The arguments of the ``%pip install`` line in the notebooks' Colab cell."""
    lines = set()
    for path in NOTEBOOK_PATHS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "# colab-install" in cell.source:
                lines.update(re.findall(r"^\s*%pip install (.+)$", cell.source, re.M))
    assert len(lines) == 1, f"the Colab cells differ or have no %pip line: {lines}"
    return shlex.split(lines.pop())


@dataclass
class Runtime:
    """The Colab-runtime venv after the course's install."""

    python: Path
    version: str
    colab: dict[str, str]  # constraints.txt
    before: dict[str, str]  # pip freeze of the venv as built, before the course
    after: dict[str, str] = field(default_factory=dict)
    command: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        changed = {
            n: f"{v} -> {self.after[n]}"
            for n, v in self.before.items()
            if n in self.after and self.after[n] != v
        }
        added = {n: v for n, v in self.after.items() if n not in self.before}
        lines = [
            f"Colab runtime: Python {self.version} ({self.python})",
            f"install: {self.command}",
            "changed: " + (", ".join(f"{n} {v}" for n, v in sorted(changed.items())) or "none"),
            "added: " + ", ".join(f"{n} {v}" for n, v in sorted(added.items())),
            "seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in self.seconds.items()),
        ]
        return "\n".join(lines)


def build_runtime(folder: Path, python: str) -> float:
    """Create the venv from Colab's pins and put the stand-in ``google.colab`` into it."""
    start = time.monotonic()
    shutil.rmtree(folder, ignore_errors=True)
    # The Makefile's installer (uv, or pip with INSTALLER=pip): Colab's pins either way.
    install = [sys.executable, str(ROOT / "scripts" / "install.py"), str(folder / "venv")]
    subprocess.run([*install, "--python", python, "--", "-r", str(CONSTRAINTS)], check=True)
    venv_python = folder / "venv" / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    shutil.copytree(
        COLAB / "site" / "google",
        site / "google",
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (folder / "before.txt").write_text(pip(venv_python, "freeze", "--all"))
    return time.monotonic() - start


def git_repository(source: Path) -> str:
    """``source`` as a one-commit git repository (what the Colab cell's git URL fetches)."""
    git = ["git", "-c", "user.name=course", "-c", "user.email=course@localhost", "-C", str(source)]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the checkout as it is"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    return source.as_uri()


def install_as_a_new_runtime_does(python: Path, folder: Path, repository: str) -> float:
    """Run notebook 01's Colab cell alone in a kernel of the venv: its ``%pip`` installs the course.

    The course is uninstalled first (a cached venv has it from an earlier session), so the
    cell finds it missing, as in a new runtime, and imports helpers right after installing.
    """
    pip(python, "uninstall", "-y", "wandb-iris-course")
    first = nbformat.read(NOTEBOOK_PATHS[0], as_version=4)
    cell = next(c for c in first.cells if "# colab-install" in c.get("source", ""))
    setup = folder / "setup" / "colab_cell.ipynb"
    setup.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata=first.metadata), setup)
    start = time.monotonic()
    result, executed = execute_alone(python, setup, folder, {}, repository)
    said = outputs(executed)
    assert result.returncode == 0, f"the Colab cell failed in a new runtime:\n{said[-3000:]}"
    assert "error" not in said.lower() and f"helpers {helpers.__version__}" in said, said
    return time.monotonic() - start


@pytest.fixture(scope="session")
def runtime(tmp_path_factory, testrun_uid) -> Runtime:
    """The cached Colab venv, with the course installed once per test session by its cell."""
    python, version = python313()
    if not version.startswith("3.13"):
        warnings.warn(
            f"no Python 3.13 here: the Colab runtime ran on Python {version}", stacklevel=1
        )
    digest = hashlib.sha256(version.encode())
    for path in [CONSTRAINTS, *sorted((COLAB / "site").rglob("*.py"))]:
        digest.update(path.read_bytes())
    folder = CACHE / digest.hexdigest()[:16]
    venv_python = folder / "venv" / "bin" / "python"
    seconds = {}
    with locked(CACHE / "lock"):
        if not (folder / "before.txt").exists():
            seconds["venv build"] = build_runtime(folder, python)
        marker = folder / f"installed-{testrun_uid}.json"
        if not marker.exists():
            for old in folder.glob("installed-*.json"):
                old.unlink()
            (CACHE / "last-notebooks.txt").write_text("")
            source = git_repository(checkout_copy(tmp_path_factory.mktemp("checkout")))
            work = tmp_path_factory.mktemp("new-runtime")
            seconds["course install"] = install_as_a_new_runtime_does(venv_python, work, source)
            marker.write_text(
                json.dumps(
                    {
                        "after": pip(venv_python, "freeze", "--all"),
                        "seconds": seconds,
                    }
                )
            )
    state = json.loads(marker.read_text())
    found = Runtime(
        python=venv_python,
        version=version,
        colab=_pins(CONSTRAINTS.read_text()),
        before=_pins((folder / "before.txt").read_text()),
        after=_pins(state["after"]),
        command="%pip install " + shlex.join(colab_install_args()),
        seconds=state["seconds"],
    )
    (CACHE / "last-install.txt").write_text(found.report() + "\n")
    return found


def test_the_runtime_is_colabs_package_set(runtime):
    """The venv as built holds exactly Colab's pins: the constraints file is a closed set."""
    assert runtime.before == runtime.colab


def test_the_colab_install_changes_no_runtime_package(runtime):
    """The course's install adds the course, wandb at the tested version and sweeps; Colab's
    kernel stack, scientific stack and their dependencies stay at Colab's versions."""
    changed = {
        name: (version, runtime.after.get(name))
        for name, version in runtime.colab.items()
        if runtime.after.get(name) != version and name not in MAY_CHANGE
    }
    assert changed == {}, runtime.report()
    for name in RUNTIME_NAMED:
        assert runtime.after[name] == runtime.colab[name], name
    assert runtime.after["wandb"].startswith("0.31."), runtime.report()
    assert "wandb-iris-course" in runtime.after and "sweeps" in runtime.after
    for left_out in ("papermill", "jupyterlab"):
        assert left_out not in runtime.after, f"the Colab install pulled {left_out}"


def test_the_installed_packages_fit_together(runtime):
    """``pip check``: every installed package's requirements hold after the install."""
    result = subprocess.run(
        [str(runtime.python), "-m", "pip", "check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def outputs(notebook: nbformat.NotebookNode) -> str:
    """Everything the cells printed or raised, as one text."""
    text = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                text.append(output.text)
            elif output.output_type == "error":
                text.append(f"{output.ename}: {output.evalue}")
            else:
                text.append(str(output.get("data", {}).get("text/plain", "")))
    return "".join(text)


def network_settings() -> dict[str, str]:
    """This machine's way to the package index (pip's settings, certificates, proxies), which
    the Colab cell's ``%pip`` needs here as Colab's own needs Colab's."""
    names = {"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO"}
    return {
        name: value
        for name, value in os.environ.items()
        if name.startswith("PIP_") or name in names or name.lower().endswith("_proxy")
    }


def execute_alone(
    python: Path, notebook: Path, folder: Path, env: dict[str, str], repository: str
) -> tuple[subprocess.CompletedProcess[str], nbformat.NotebookNode]:
    """Copy the notebook into an empty folder and execute it there, as Colab runs it.

    The kernel imports ``google.colab`` at start, in Colab's own environment (no W&B
    variable, a HOME of its own); git finds the course's "GitHub" repository at
    ``repository``. Returns the process and the executed notebook.
    """
    alone = folder / "content"
    alone.mkdir()
    shutil.copy(notebook, alone)
    home = folder / "home"
    ipython = home / ".ipython" / "profile_default" / "startup"
    ipython.mkdir(parents=True)
    (ipython / "00-colab.py").write_text("import google.colab  # in sys.modules, as in Colab\n")
    base = {
        **network_settings(),
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "IPYTHONDIR": str(home / ".ipython"),
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{repository}.insteadOf",
        "GIT_CONFIG_VALUE_0": REPOSITORY,
    }
    result = subprocess.run(
        [str(python), str(COLAB / "execute.py"), str(alone / notebook.name)],
        cwd=alone,
        env=no_account(home, base, **env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
    )
    return result, nbformat.read(alone / notebook.name, as_version=4)


# Where "GitHub" is for a notebook run after the install: nowhere, so a second install fails.
NO_REPOSITORY = "file:///nonexistent/the-course-is-installed-already"


def run_alone(runtime: Runtime, notebook: Path, tmp_path: Path, env: dict[str, str]):
    """Execute the notebook alone on the runtime the course is installed in, as on a rerun."""
    start = time.monotonic()
    result, executed = execute_alone(runtime.python, notebook, tmp_path, env, NO_REPOSITORY)
    seconds = time.monotonic() - start
    with (CACHE / "last-notebooks.txt").open("a") as log:
        log.write(f"{notebook.stem} {env.get('CASE', '')} {seconds:.0f}s rc={result.returncode}\n")
    text = outputs(executed)
    assert result.returncode == 0, f"{notebook.name} failed on Colab's runtime:\n{text[-3000:]}"
    install = [c for c in executed.cells if "# colab-install" in c.source]
    said = outputs(nbformat.v4.new_notebook(cells=install))
    assert NO_REPOSITORY.removeprefix("file://") not in said, (
        "the Colab cell installed the course again in a runtime that has it: its %pip must run "
        f"only when helpers cannot be imported:\n{said[-2000:]}"
    )
    assert "error" not in said.lower(), f"the Colab install cell failed:\n{said}"
    return text, tmp_path / "content"


@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_alone_without_secret_goes_offline_in_one_line(runtime, notebook, tmp_path):
    text, alone = run_alone(runtime, notebook, tmp_path, {"CASE": "no-secret"})
    assert f"python {runtime.version}" in text, "the kernel is not the Colab venv's Python"
    said = [line for line in text.splitlines() if "saved offline" in line]
    assert len(said) == 1, text
    assert f"add a {SECRET} secret" in said[0]
    assert list(alone.glob("wandb/offline-run-*")), "no offline run was stored"
    assert not list(alone.glob("wandb/run-*"))


@pytest.mark.parametrize("notebook", NOTEBOOK_PATHS, ids=lambda p: p.stem)
def test_notebook_alone_with_the_secret_is_online(runtime, notebook, tmp_path):
    standin = pytest.importorskip("tests.standin", reason="the W&B API stand-in is not here")
    from tests.standin.client import fast_agents_site

    with standin.serve() as server:
        env = {
            "CASE": "secret",
            "COLAB_STANDIN_SECRETS": json.dumps({SECRET: server.api_key}),
            "WANDB_BASE_URL": server.base_url,
            # 07's agent polls the stand-in every 0.2 s, not every 5 s, as in the online tests
            "PYTHONPATH": fast_agents_site(tmp_path / "site"),
        }
        text, alone = run_alone(runtime, notebook, tmp_path, env)
        stored = server.runs()
    said = "\n".join(line for line in text.splitlines() if line.startswith("wandb: "))
    assert "from the Colab secret" in said, f"not online with the Colab secret:\n{said}"
    assert "saved offline" not in said, said
    assert list(alone.glob("wandb/run-*")) and not list(alone.glob("wandb/offline-run-*"))
    assert stored, "the stand-in stored no run"
    assert server.api_key not in text


def test_a_secret_without_notebook_access_says_how_to_allow_it(runtime, tmp_path):
    env = {"CASE": "no-access", "COLAB_STANDIN_SECRETS": json.dumps({SECRET: None})}
    text, _ = run_alone(runtime, NOTEBOOK_PATHS[1], tmp_path, env)
    assert "Notebook access" in text, "\n".join(text.splitlines()[:12])
    assert [line for line in text.splitlines() if "saved offline" in line], text
