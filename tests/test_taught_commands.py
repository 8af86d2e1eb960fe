"""Every command the series tells a student to type works on the installed wandb, as written.

The commands are collected, not retyped: the inline code and code blocks of every notebook's
markdown and of the README, the ``!`` lines and the command strings of the notebooks' code
cells, the backticked commands in the helpers' and scripts' messages, and the line that
``setup()`` prints offline. Each collected form must have an entry in :data:`TAUGHT` naming the
test below that runs it, so a command added to a notebook without a test fails
:func:`test_every_taught_command_has_a_test`.

Sentences that mirror what wandb itself prints (the login menu and its order, the key page,
the console block, the effect of ``wandb online``) are compared with what wandb prints, run on a
pseudo-terminal where wandb asks questions.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pexpect  # a terminal for wandb's questions; IPython's own dependency off Windows
import pytest

from helpers.runs import read_runs
from tests.standin import TODAY_KEY, serve
from tests.standin.client import child_env, read_api

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WANDB = str(BIN / "wandb")
PROGRAMS = {
    "wandb",
    "python",
    "make",
    "papermill",
    "pip",
    "conda",
    "pre-commit",
    "{sys.executable}",
}
SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
IN_STRING = re.compile(r"\bwandb [a-z]")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# The tests below, by what they run.
LOGIN = "test_wandb_login_names_the_key_page_and_stores_a_key_of_today_s_format"
LEET = "test_wandb_leet_opens_on_the_stored_runs_in_a_terminal"
SYNC = "test_each_upload_form_uploads_every_offline_run_once"
SWEEP = "test_wandb_sweep_and_each_agent_form_against_the_stand_in"
SCRIPT = "test_the_script_and_the_runs_table_as_the_readme_gives_them"
SWEEP_SCRIPT = "test_the_sweep_script_as_the_readme_gives_it"
IRIS = "test_notebook_02_iris_script_runs_as_taught"
MAKE = "test_make_targets_exist_and_dry_run"
INSTALL = "test_install_commands_name_what_the_repository_declares"

# Each form a student is told to type -> the test of this module that runs it.
TAUGHT = {
    "wandb login": LOGIN,
    "wandb login --relogin": LOGIN,
    "wandb online": "test_wandb_online_has_no_effect_when_the_notebook_passes_mode",
    "wandb offline": "test_wandb_online_has_no_effect_when_the_notebook_passes_mode",
    "wandb leet": LEET,
    "wandb leet ./wandb": LEET,
    "wandb leet {run.settings.sync_dir}": LEET,
    "wandb leet inspect": "test_wandb_leet_inspect_reads_the_latest_run",
    "wandb sync": SYNC,
    "wandb sync --yes": SYNC,
    "wandb sync ./wandb": SYNC,
    "wandb sync notebooks/wandb": SYNC,
    "wandb sync <run folder>": SYNC,
    "wandb sync {run.settings.sync_dir}": SYNC,
    "wandb sync …": SYNC,  # the README's name for the command setup() prints
    "wandb sweep": SWEEP,
    "wandb sweep --project iris-course notebooks/sweep.yaml": SWEEP,
    "wandb agent": SWEEP,
    "wandb agent ENTITY/PROJECT/SWEEP_ID": SWEEP,
    "wandb agent {sweep_path}": SWEEP,
    "wandb agent -p PROJECT -e ENTITY SWEEP_ID": SWEEP,
    'python -c "from helpers.mode import server_host, key_page; '
    'print(server_host(), key_page())"': "test_readme_prints_the_server_and_key_page_wandb_uses",
    'python -c "import wandb; print(wandb.__version__)"': "test_readme_version_check",
    "python -m helpers outputs/03_config/wandb": SCRIPT,
    "python -m helpers outputs/*/wandb": SCRIPT,
    "python scripts/wandb_script.py --model KNeighborsClassifier": SCRIPT,
    "python scripts/wandb_sweep.py": SWEEP_SCRIPT,
    "python scripts/wandb_sweep.py [--config PATH] [--count N] [--workers N] [--seed N]": (
        SWEEP_SCRIPT
    ),
    "python -m helpers.batch NOTEBOOK PARAM VALUE...": (
        "test_batch_rerun_refuses_an_undeclared_parameter"
    ),
    "python benchmarks/series.py --browser": "test_benchmark_reports_run",
    "python benchmarks/series.py --ci": "test_benchmark_reports_run",
    "pip config list": "test_pip_config_list_runs",
    "python iris_script.py --model KNeighborsClassifier": IRIS,
    "{sys.executable} iris_script.py --model {MODEL} --project {PROJECT} --mode {MODE}": IRIS,
    "papermill -p": "test_papermill_forms",
    "papermill notebooks/03_config.ipynb outputs/03-lda.ipynb -p MODEL "
    "LinearDiscriminantAnalysis": "test_papermill_forms",
    # make targets: `make -n` (they build venvs, browsers and whole suites)
    **{
        f"make {target}": MAKE
        for target in (
            "run lab test test-seats test-faults test-browser test-colab test-oldest bench links"
            " exercises book test-book"
        ).split()
    },
    "make run WORKERS=1": MAKE,
    "make run INSTALLER=pip": MAKE,
    'make rerun NB=03_config PARAM=MODEL VALUES="LogisticRegression LinearDiscriminantAnalysis '
    'KNeighborsClassifier"': MAKE,
    # installing: what they name exists in the repository
    "pip install wandb": INSTALL,
    "pip install -e .": INSTALL,
    "pre-commit install": INSTALL,
    'python -m venv .venv && . .venv/bin/activate && pip install -e ".[local,lab]" '
    "&& jupyter lab notebooks/": INSTALL,
    "conda env create -f environment.yml && conda activate wandb-iris && jupyter lab notebooks/": (
        INSTALL
    ),
}


# -- collecting what the series teaches ---------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+#.*$", "", re.sub(r"\s+", " ", text).strip())


def _is_command(text: str) -> bool:
    words = text.split()
    return len(words) > 1 and words[0] in PROGRAMS


def from_markdown(text: str) -> list[str]:
    """The commands in inline code spans and code blocks of a markdown text."""
    found = []
    for block in FENCE.findall(text):
        found += block.splitlines()
        text = text.replace(block, "")
    found += SPAN.findall(re.sub(r"\n(?=\S)", " ", text))  # a span may wrap onto the next line
    return [c for c in map(_norm, found) if _is_command(c)]


def _render(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_render(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return "{" + ast.unparse(node.value) + "}"
    return "{" + ast.unparse(node) + "}"


def _strings(tree: ast.AST) -> list[ast.AST]:
    """Every string literal of a tree, f-strings whole (not their constant pieces)."""
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    return [
        n
        for n in ast.walk(tree)
        if id(n) not in inner
        and (
            isinstance(n, ast.JoinedStr)
            or (isinstance(n, ast.Constant) and isinstance(n.value, str))
        )
    ]


def from_code(source: str) -> list[str]:
    """The commands a code cell runs (``!`` lines) or prints (``wandb ...`` in a string)."""
    found, lines = [], []
    for line in source.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        if line.lstrip().startswith("!"):
            found.append(line.lstrip()[1:])
        lines.append(indent + "pass" if line.lstrip()[:1] in ("!", "%") else line)
    tree = ast.parse("\n".join(lines))
    printed = set()
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
        for i, arg in enumerate(call.args):  # print("browse: wandb leet", folder)
            text = _render(arg)
            if isinstance(arg, (ast.Constant, ast.JoinedStr)) and (m := IN_STRING.search(text)):
                printed.add(id(arg))
                found.append(" ".join([text[m.start() :], *map(_render, call.args[i + 1 :])]))
    for node in _strings(tree):
        text = _render(node)
        if id(node) not in printed and (m := IN_STRING.search(text)):
            found += SPAN.findall(text) or [text[m.start() :]]
    return [c for c in map(_norm, found) if _is_command(c)]


def from_python(path: Path) -> list[str]:
    """The backticked commands in the messages (not the docstrings) of a module."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    spans = [s for n in _strings(tree) if id(n) not in docstrings for s in SPAN.findall(_render(n))]
    return [c for c in map(_norm, spans) if _is_command(c)]


def collect() -> dict[str, list[str]]:
    """Every command form the series teaches -> where it is taught."""
    places: dict[str, list[str]] = {}

    def add(commands: list[str], where: str) -> None:
        for command in commands:
            places.setdefault(command, []).append(where)

    for path in sorted((ROOT / "notebooks").glob("**/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            where = f"{path.relative_to(ROOT)} cell {cell.id}"
            if cell.cell_type == "markdown":
                add(from_markdown(cell.source), where)
            elif cell.cell_type == "code" and not cell.source.startswith("%%writefile"):
                add(from_code(cell.source), where)
    add(from_markdown((ROOT / "README.md").read_text()), "README.md")
    for path in sorted([*(ROOT / "helpers").glob("*.py"), *(ROOT / "scripts").glob("*.py")]):
        add(from_python(path), str(path.relative_to(ROOT)))
    return places


def test_every_taught_command_has_a_test():
    taught = collect()
    assert "wandb sync ./wandb" in taught and "make run" in taught  # the collector sees them
    untested = {form: where for form, where in taught.items() if form not in TAUGHT}
    assert not untested, f"taught without a test (add each to TAUGHT): {untested}"
    stale = sorted(set(TAUGHT) - set(taught))
    assert not stale, f"TAUGHT lists forms the series no longer teaches: {stale}"
    missing = {name for name in TAUGHT.values() if not callable(globals().get(name))}
    assert not missing, f"TAUGHT names tests that do not exist: {missing}"


def test_the_collector_finds_a_new_command_in_each_kind_of_place():
    assert from_markdown("then run `wandb artifact ls x`.") == ["wandb artifact ls x"]
    assert from_markdown("```bash\nmake new  # why\n```") == ["make new"]
    assert from_code('print("next: wandb beta", path)') == ["wandb beta {path}"]
    assert from_code('x = f"join with: wandb agent {s}"') == ["wandb agent {s}"]
    assert from_code("!wandb verify\n%env A=1") == ["wandb verify"]


# -- every wandb form is one the installed wandb accepts ---------------------------------------
def _wandb_forms() -> list[str]:
    return sorted(form for form in TAUGHT if form.startswith("wandb "))


@pytest.mark.parametrize("form", _wandb_forms())
def test_every_wandb_form_is_accepted_by_the_installed_wandb(form):
    words = form.split()[1:]
    command = []
    for word in words:  # the subcommands: lowercase words before any option or argument
        if not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        command.append(word)
    helped = subprocess.run(
        [WANDB, *command, "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert helped.returncode == 0, f"`wandb {' '.join(command)}` is no command: {helped.stderr}"
    usage = helped.stdout
    assert f"wandb {' '.join(command)}" in usage.splitlines()[0]
    for option in (w for w in words if w.startswith("-")):
        assert re.search(rf"(^|[\s,/]){re.escape(option)}\b", usage, re.M), (
            f"{form}: wandb {' '.join(command)} has no option {option}:\n{usage}"
        )


def test_the_removed_sync_all_is_refused_and_taught_nowhere():
    done = subprocess.run(
        [WANDB, "sync", "--sync-all"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0 and "--sync-all` has been removed" in done.stderr
    assert not [form for form in collect() if "--sync-all" in form]


# -- helpers for the runs a student has ---------------------------------------------------------
def _student_env(home: Path, **extra: str) -> dict[str, str]:
    """A student with no key: an empty HOME, no WANDB_* variables, the venv first on PATH."""
    env = child_env({"HOME": str(home)}, home, **extra)
    for name in ("WANDB_DIR", "WANDB_CONFIG_DIR", "NETRC", "WANDB_BASE_URL", "WANDB_API_KEY"):
        env.pop(name, None)
    env["HOME"] = str(home)
    env.update(extra)
    return env


# Each run begins in a second of its own, as a student's runs from one cell and the next do.
# LEET orders a folder's runs by the second in their folder names: two runs begun in the same
# second tie, and LEET may then open the one `latest-run` does not name.
MAKE_RUNS = """
import sys, time, wandb
for i in range(int(sys.argv[2])):
    run = wandb.init(project=sys.argv[1], mode="offline", config={"i": i})
    run.log({"accuracy": 0.5 + i / 10})
    run.finish()
    time.sleep(1.05 - time.time() % 1)  # the next run begins in the next second
"""


def _offline_runs(folder: Path, home: Path, project: str = "taught", count: int = 2) -> list[str]:
    """``count`` finished offline runs in ``folder/wandb``, made as a notebook makes them."""
    folder.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(
        [sys.executable, "-c", MAKE_RUNS, project, str(count)],
        cwd=folder,
        env=_student_env(home, WANDB_SILENT="true"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    return sorted(r["run_id"] for r in read_runs(folder / "wandb"))


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[Path, list[str]]:
    """A course checkout's ``notebooks/wandb`` holding two offline runs (and ``latest-run``)."""
    repo = tmp_path_factory.mktemp("checkout")
    ids = _offline_runs(repo / "notebooks", repo / "home")
    assert (repo / "notebooks" / "wandb" / "latest-run").is_symlink()
    begun = [path.name.split("-")[2] for path in (repo / "notebooks" / "wandb").glob("offline-*")]
    assert len(set(begun)) == len(ids), f"runs begun in the same second: {begun}"
    return repo, ids


# -- uploading: each form taught, against the stand-in ------------------------------------------
def _setup_line(notebooks: Path, home: Path) -> str:
    """What ``setup()`` prints in a notebook's folder with no key and no terminal."""
    said = subprocess.run(
        [sys.executable, "-c", "from helpers.course import setup; setup(PROJECT='taught')"],
        cwd=notebooks,
        env=_student_env(home),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert said.returncode == 0, said.stderr[-3000:]
    return said.stdout


UPLOADS = {  # form -> (folder to type it in, relative to the checkout; argv or None)
    "wandb sync <run folder>": ".",
    "wandb sync ./wandb": "notebooks",
    "wandb sync notebooks/wandb": ".",
    "wandb sync --yes": "notebooks",
    "wandb sync": "notebooks",  # asks first: answered on a terminal
    "setup()'s line": ".",
}


@pytest.mark.parametrize("form", list(UPLOADS))
def test_each_upload_form_uploads_every_offline_run_once(form, stored, tmp_path):
    repo = tmp_path / "checkout"
    shutil.copytree(stored[0], repo, symlinks=True)
    ids = stored[1]
    run_folders = sorted(str(p) for p in (repo / "notebooks" / "wandb").glob("offline-run-*"))
    if form == "wandb sync <run folder>":
        commands = [[WANDB, "sync", folder] for folder in run_folders]
    elif form == "setup()'s line":
        line = _setup_line(repo / "notebooks", repo / "home")
        typed = re.findall(r"`(wandb sync [^`]+)`", line)
        assert len(typed) == 1, f"setup() gives no single upload command:\n{line}"
        commands = [shlex.split(typed[0])]
        assert commands[0][2] == str(repo / "notebooks" / "wandb"), line
    else:
        commands = [shlex.split(form)]
    with serve() as server:
        home = tmp_path / "student"
        env = child_env(server.env(home), home)
        env.pop("WANDB_DIR")  # bare `wandb sync` looks in ./wandb, as for a student
        outputs = []
        for command in commands:
            argv = [WANDB, *command[1:]]
            if form == "wandb sync":
                outputs.append(_answer_on_a_terminal(argv, repo / UPLOADS[form], env, "y"))
            else:
                done = subprocess.run(
                    argv,
                    cwd=repo / UPLOADS[form],
                    env=env,
                    capture_output=True,
                    text=True,
                    stdin=subprocess.DEVNULL,
                    timeout=300,
                    check=False,
                )
                assert done.returncode == 0, done.stdout + done.stderr
                outputs.append(done.stdout + done.stderr)
        said = "\n".join(outputs)
        listed = [int(n) for n in re.findall(r"Syncing (\d+) run\(s\)", said)]
        assert sum(listed) == len(ids), said  # latest-run is the same run: not sent again
        api_env = {**env, "WANDB_DIR": str(home)}  # read_api's own scratch folder
        found = read_api(api_env, server.entity, ["taught"])["projects"]["taught"]
        assert sorted(r["id"] for r in found) == ids, said  # each run listed, each once
        assert all(r["history"] == 1 for r in found)
        assert server.errors == []


def _answer_on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str], answer: str) -> str:
    child = pexpect.spawn(argv[0], argv[1:], cwd=str(cwd), env=env, encoding="utf-8", timeout=120)
    try:
        child.expect(r"Sync the listed runs\?")
        asked = child.before + child.after
        child.sendline(answer)
        child.expect(pexpect.EOF)
        said = asked + child.before
    finally:
        child.close()
    assert child.exitstatus == 0, said
    return ANSI.sub("", said)


# -- wandb leet in a real terminal --------------------------------------------------------------
def _screen_of(command: str, cwd: Path, env: dict[str, str], *expect: str) -> tuple[str, str]:
    """Run ``command`` in tmux; the screen once all of ``expect`` shows, and after ``q``."""
    tmux = shutil.which("tmux")
    if tmux is None:
        pytest.fail("tmux is needed to run wandb leet in a terminal: apt-get install tmux")
    socket = f"taught-{os.getpid()}-{time.monotonic_ns()}"
    shell = f"{command}; echo LEET-EXIT=$?; sleep 60"
    base = [tmux, "-L", socket]
    started = subprocess.run(
        [*base, "new-session", "-d", "-s", "leet", "-x", "220", "-y", "50", "-c", str(cwd), shell],
        env={**env, "TERM": "xterm-256color"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 0, started.stderr

    def screen() -> str:
        shown = subprocess.run(
            [*base, "capture-pane", "-p", "-t", "leet"], capture_output=True, text=True, check=False
        )
        return shown.stdout

    def wait_for(*texts: str) -> str:
        deadline = time.monotonic() + 90
        while not all(t in (shown := screen()) for t in texts) and time.monotonic() < deadline:
            time.sleep(0.5)
        return shown

    try:
        opened = wait_for(*expect)
        subprocess.run([*base, "send-keys", "-t", "leet", "q"], check=False)
        closed = wait_for("LEET-EXIT=")
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, check=False)
    return opened, closed


@pytest.mark.parametrize("form", ["wandb leet ./wandb", "wandb leet", "wandb leet <run folder>"])
def test_wandb_leet_opens_on_the_stored_runs_in_a_terminal(form, stored):
    repo, ids = stored
    notebooks = repo / "notebooks"
    latest = (notebooks / "wandb" / "latest-run").resolve()
    latest_id = latest.name.rsplit("-", 1)[-1]
    command = form.replace("<run folder>", shlex.quote(str(latest))).replace(
        "wandb ", f"{WANDB} ", 1
    )
    env = _student_env(repo / "home")
    # the latest run, selected and finished; LEET draws its state and the list after its ID
    shows = ["Run Overview", f"ID: {latest_id}", "State: Finished"]
    if form == "wandb leet ./wandb":  # every run of the folder is listed
        shows.append(f"Runs [{len(ids)} items]")
    opened, closed = _screen_of(command, notebooks, env, *shows)
    missing = [text for text in shows if text not in opened]
    assert not missing, f"{form} did not show {missing}:\n{opened}"
    assert "LEET-EXIT=0" in closed, f"q did not quit {form}:\n{closed}"


def test_wandb_leet_inspect_reads_the_latest_run(stored):
    repo, _ = stored
    done = subprocess.run(
        [WANDB, "leet", "inspect", "--summary", "--json"],
        cwd=repo / "notebooks",
        env=_student_env(repo / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    latest = (repo / "notebooks" / "wandb" / "latest-run").resolve().name
    assert json.loads(done.stdout)["run_id"] == latest.rsplit("-", 1)[-1]


# -- logging in: what 01 says against what wandb asks -------------------------------------------
def _cell(notebook: str, cell_id: str) -> str:
    cells = nbformat.read(ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4).cells
    (cell,) = [c for c in cells if c.id == cell_id]
    return cell.source


def _quote_pattern(quote: str) -> str:
    """A regex for a quote of wandb's output: ``…`` is any text, ``<name>`` one word."""
    pattern = re.escape(quote).replace("…", ".*")
    return re.sub(r"<[^>]+>", r"\\S+", pattern)


def _key_page(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from helpers.mode import key_page; print(key_page())"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _spawn(argv: list[str], env: dict[str, str], cwd: Path):
    return pexpect.spawn(argv[0], argv[1:], cwd=str(cwd), env=env, encoding="utf-8", timeout=120)


def test_01_login_question_is_wandbs_own_menu_in_its_order(tmp_path):
    env = _student_env(tmp_path)
    child = _spawn([sys.executable, "-c", "import wandb; wandb.login()"], env, tmp_path)
    try:
        child.expect("Enter your choice")
        menu = re.findall(r"\((\d)\) ([^\r\n]+)", ANSI.sub("", child.before))
        child.sendline("1")
        child.expect(r"Create an account here: (\S+)")
        signup = ANSI.sub("", child.match.group(1))
    finally:
        child.close(force=True)
    choices = [label.strip() for _, label in menu]
    assert [n for n, _ in menu] == ["1", "2", "3"] and len(choices) == 3, menu

    question = _cell("01_login", "8")
    (assigned,) = [
        n.value
        for n in ast.walk(ast.parse(question))
        if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "LOGIN_CHOICES"
    ]
    assert list(ast.literal_eval(assigned)) == choices  # the cell asks wandb's menu, in order
    prose = re.findall(r"\*\*(\d)\*\* \*([^*]+)\*", re.sub(r"\s+", " ", _cell("01_login", "7")))
    assert prose == [(str(i), c) for i, c in enumerate(choices, start=1)], prose
    # choice 1 sends the student where wandb sends them: the key page, signing up
    assert signup.startswith(_key_page(env) + "?signup=true"), signup
    assert "here: {key_page()}?signup=true" in question


@pytest.mark.parametrize(
    ("form", "key"),
    [("wandb login", TODAY_KEY), ("wandb login --relogin", TODAY_KEY), ("wandb login", "c" * 40)],
    ids=["today-key", "relogin-today-key", "legacy-key"],
)
def test_wandb_login_names_the_key_page_and_stores_a_key_of_today_s_format(form, key, tmp_path):
    with serve() as server:
        home = tmp_path / "student"
        env = child_env(server.env(home), home)
        env.pop("WANDB_API_KEY")
        child = _spawn([WANDB, *form.split()[1:]], env, home)
        try:
            child.expect(r"Create a new API key at: (\S+)")
            said = ANSI.sub("", child.before + child.after)
            page = ANSI.sub("", child.match.group(1))
            child.expect("Paste your API key")
            child.sendline(key)
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0, child.before
        assert page.startswith(_key_page(env)), page  # 01's key page is the page wandb names
        assert key in (home / ".netrc").read_text()  # stored once, in ~/.netrc
    for quote in ("Create a new API key at: …",):  # as 01 quotes it, twice
        assert f"`{quote}`" in _cell("01_login", "5") and f"`{quote}`" in _cell("01_login", "7")
        assert re.search(_quote_pattern(quote), said), said


def test_wandb_online_has_no_effect_when_the_notebook_passes_mode(tmp_path):
    env = {**_student_env(tmp_path / "home"), "WANDB_CONSOLE": "off"}
    code = "import wandb; run = wandb.init(project='p', mode='offline'); print(run.settings.mode)"

    def start_a_run() -> str:
        started = subprocess.run(
            [sys.executable, "-c", code + "; run.finish()"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
        assert started.returncode == 0, started.stderr
        return ANSI.sub("", started.stdout + started.stderr)

    advice = start_a_run()
    assert "Run `wandb online`" in advice  # wandb's advice, as 02 quotes it
    settings = tmp_path / "wandb" / "settings"
    for command, mode in (("offline", "offline"), ("online", None)):  # online undoes offline
        switched = subprocess.run(
            [WANDB, command], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )
        assert switched.returncode == 0, switched.stderr
        stored = re.findall(r"^mode\s*=\s*(\w+)", settings.read_text(), re.M)
        assert stored == ([mode] if mode else []), settings.read_text()
    again = start_a_run()
    assert "offline" in again.split() and "Run `wandb online`" in again  # nothing changed
    assert len(list((tmp_path / "wandb").glob("offline-run-*"))) == 2
    assert "`wandb online` has no effect here" in _cell("02_logging", "9")
    assert "mode=MODE" in _cell("02_logging", "8")


def test_02_console_block_quotes_what_wandb_prints_offline(tmp_path):
    code = (
        "import wandb; run = wandb.init(project='p', mode='offline')\n"
        "for fold in range(3): run.log({'fold': fold, 'fold_accuracy': 0.9})\n"
        "run.finish()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_student_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = ANSI.sub("", done.stdout + done.stderr)
    text = re.sub(r"\s+", " ", _cell("02_logging", "9"))
    before, _, after = text.partition("(Its advice")  # the course's own remark, not a quote
    text = before + after.partition("then chooses online.)")[2]
    # the quoted lines and commands (several words); `Syncing run <name>` is printed online only
    quotes = [q for q in SPAN.findall(text) if " " in q and not q.startswith("Syncing run")]
    quotes += [f"{bold}:" for bold in re.findall(r"\*\*(Run \w+)\*\*", text)]
    assert len(quotes) >= 5, quotes
    for quote in quotes:
        assert re.search(_quote_pattern(quote), said), f"wandb does not print {quote!r}:\n{said}"


# -- sweeps: wandb sweep and each agent form, against the stand-in ------------------------------
def test_wandb_sweep_and_each_agent_form_against_the_stand_in(tmp_path):
    from tests.standin.client import run

    with serve() as server:
        project = "iris-course"
        env = child_env(server.env(tmp_path / "sweep"), tmp_path / "sweep", fast_agents=True)
        made = run([WANDB, "sweep", "--project", project, "notebooks/sweep.yaml"], env)
        assert made.returncode == 0, made.stderr[-3000:]
        path = re.search(r"wandb agent (\S+)", ANSI.sub("", made.output)).group(1)
        entity, _, sweep_id = path.split("/")
        assert (entity, _) == (server.entity, project)
        forms = {
            "wandb agent ENTITY/PROJECT/SWEEP_ID": ["--count", "1", path],
            "wandb agent -p PROJECT -e ENTITY SWEEP_ID": [
                *("--count", "1", "-p", project, "-e", entity),
                sweep_id,
            ],
        }
        trained = []
        for name, args in forms.items():
            home = tmp_path / re.sub(r"\W+", "-", name)
            agent = run(
                [WANDB, "agent", *args], child_env(server.env(home), home, fast_agents=True)
            )
            assert agent.returncode == 0, f"{name}: {agent.stderr[-3000:]}"
            runs = read_runs(agent.wandb_dir)
            assert len(runs) == 1 and runs[0]["state"] == "finished", name
            trained += [r["run_id"] for r in runs]
        found = read_api(env, entity, [project], [path])["sweeps"][path]["runs"]
        assert sorted(found) == sorted(trained)

        home = tmp_path / "bare"
        bare = run([WANDB, "agent", "--count", "1", sweep_id], child_env(server.env(home), home))
        said = ANSI.sub("", bare.output)
        assert "None/None" in said or "name required for project query" in said, said[-3000:]
        assert not read_runs(bare.wandb_dir) if bare.wandb_dir.exists() else True


# -- the README's python, make, papermill and install commands ----------------------------------
def _readme() -> str:
    return re.sub(r"\s+", " ", (ROOT / "README.md").read_text())


def _python(form: str, cwd: Path, env: dict[str, str], timeout: float = 600):
    """Run a taught ``python ...`` form as written, with this venv's Python; each word with a
    ``*`` is expanded as a shell does (kept as written when nothing matches)."""
    words = shlex.split(form)
    found = {word: sorted(glob.glob(word, root_dir=cwd)) for word in words if "*" in word}
    argv = [path for word in words for path in found.get(word) or [word]]
    assert argv[0] == "python", form
    return subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def _form(start: str) -> str:
    (form,) = [f for f in TAUGHT if f.startswith(start)]
    return form


def test_readme_prints_the_server_and_key_page_wandb_uses(tmp_path):
    done = _python(_form('python -c "from helpers.mode'), tmp_path, _student_env(tmp_path))
    assert done.returncode == 0, done.stderr
    named = re.search(r"with this course's wandb [\d.]+: `(\S+)` and <(\S+)>", _readme())
    assert named, "the README no longer names the server and key page"
    assert done.stdout.split() == [named.group(1), named.group(2)]


def test_readme_version_check(tmp_path):
    from importlib.metadata import requires, version

    from packaging.requirements import Requirement

    done = _python(_form('python -c "import wandb'), tmp_path, _student_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == version("wandb")
    (pin,) = [Requirement(r) for r in requires("wandb-iris-course") if r.startswith("wandb")]
    assert pin.specifier.contains(done.stdout.strip())


def test_the_script_and_the_runs_table_as_the_readme_gives_them(tmp_path):
    # the runs where make run keeps 03's, next to another notebook's folder
    env = _student_env(tmp_path / "home", WANDB_DIR=str(tmp_path / "outputs" / "03_config"))
    made = _python(_form("python scripts/wandb_script.py"), ROOT, env)
    assert made.returncode == 0, made.stderr[-3000:]
    assert "no API key found" in made.stdout  # offline, said in one line
    (stored,) = read_runs(tmp_path / "outputs" / "03_config" / "wandb")
    assert stored["config"]["model"] == "KNeighborsClassifier"
    other = tmp_path / "outputs" / "02_logging" / "wandb"
    (folder,) = (tmp_path / "outputs" / "03_config" / "wandb").glob("offline-run-*")
    shutil.copytree(folder, other / folder.name)
    table = _python("python -m helpers outputs/03_config/wandb", tmp_path, env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith("1 runs stored under outputs/03_config/wandb:")
    assert stored["run_id"] in table.stdout and "KNeighborsClassifier" in table.stdout
    every = _python("python -m helpers outputs/*/wandb", tmp_path, env)
    assert every.returncode == 0, every.stderr
    assert every.stdout.startswith("2 runs stored under 2 folders (outputs/02_logging/wandb, ...):")
    empty = _python("python -m helpers outputs/03_config/wandb", tmp_path / "home", env)
    assert empty.returncode == 2, empty.stdout + empty.stderr  # no runs there


def test_the_sweep_script_as_the_readme_gives_it(tmp_path):
    form = _form("python scripts/wandb_sweep.py [")
    written = form.replace("[--config PATH]", "--config notebooks/sweep.yaml")
    written = written.replace("[--count N]", "--count 2").replace("[--workers N]", "--workers 2")
    written = written.replace("[--seed N]", "--seed 1")
    assert "[" not in written, written
    env = _student_env(tmp_path, WANDB_DIR=str(tmp_path))
    done = _python(written, ROOT, env)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = read_runs(tmp_path / "wandb")
    assert len(runs) == 2 and {r["state"] for r in runs} == {"finished"}


def test_batch_rerun_refuses_an_undeclared_parameter(tmp_path):
    form = _form("python -m helpers.batch")
    written = form.replace("NOTEBOOK", "03_config").replace("PARAM", "NOPE")
    written = written.replace("VALUE...", "1")
    done = _python(written + f" --out {tmp_path}", ROOT, _student_env(tmp_path))
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "NOPE" in said and "MODEL" in said, said  # refused, with the parameters it declares


@pytest.mark.parametrize(
    "form", ["python benchmarks/series.py --browser", "python benchmarks/series.py --ci"]
)
def test_benchmark_reports_run(tmp_path, form):
    done = _python(form, ROOT, _student_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_pip_config_list_runs(tmp_path):
    """The README says uv is given pip's own settings, as `pip config list` prints them."""
    done = _python("python -m pip config list", ROOT, _student_env(tmp_path))
    assert done.returncode == 0, done.stderr


def test_notebook_02_iris_script_runs_as_taught(tmp_path):
    written = _cell("02_logging", "15")
    first, _, script = written.partition("\n")
    assert first.startswith("%%writefile iris_script.py")
    (tmp_path / "iris_script.py").write_text(script)
    env = _student_env(tmp_path / "home")
    # the notebook's own `!` line, with its parameters filled in
    line = _form("{sys.executable} iris_script.py")
    line = line.replace("{sys.executable}", "python").replace("{MODEL}", "KNeighborsClassifier")
    line = line.replace("{PROJECT}", "iris-course").replace("{MODE}", "offline")
    done = _python(line, tmp_path, {**env, "WANDB_SILENT": "true"})
    assert done.returncode == 0, done.stderr[-3000:]
    # 02's terminal form, typed by a student with no key: wandb asks, "3" carries on offline
    argv = [sys.executable, *shlex.split(_form("python iris_script.py"))[1:]]
    child = _spawn(argv, env, tmp_path)
    try:
        child.expect("Enter your choice")
        child.sendline("3")
        child.expect(pexpect.EOF, timeout=300)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, child.before
    runs = read_runs(tmp_path / "wandb")
    assert len(runs) == 2 and {r["config"]["model"] for r in runs} == {"KNeighborsClassifier"}


def test_papermill_forms(tmp_path):
    helped = subprocess.run(
        [str(BIN / "papermill"), "--help"], capture_output=True, text=True, check=False
    )
    assert re.search(r"-p, --parameters", helped.stdout), helped.stdout
    form = _form("papermill notebooks/03_config.ipynb")
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    (tmp_path / "outputs").mkdir()
    env = _student_env(tmp_path / "home")
    argv = shlex.split(form)
    done = subprocess.run(
        [sys.executable, "-m", "papermill", "--no-progress-bar", *argv[1:]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / argv[2]).exists()
    models = {r["config"]["model"] for r in read_runs(tmp_path / "wandb") if r.get("config")}
    assert "LinearDiscriminantAnalysis" in models


def test_make_targets_exist_and_dry_run():
    for form in (f for f in TAUGHT if f.startswith("make ")):
        argv = shlex.split(form)
        done = subprocess.run(
            ["make", "-n", *argv[1:]], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{form}: {done.stderr}"
        assert done.stdout.strip(), form
        for script in re.findall(r"\b((?:scripts|benchmarks)/\w+\.py)", done.stdout):
            assert (ROOT / script).exists(), f"{form} runs a missing {script}"


def test_install_commands_name_what_the_repository_declares():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    environment = (ROOT / "environment.yml").read_text()
    forms = [f for f, test in TAUGHT.items() if test.endswith("what_the_repository_declares")]
    assert forms
    for form in forms:
        for listed in re.findall(r"\.\[([\w,]+)\]", form):
            assert set(listed.split(",")) <= set(extras), form
        if "jupyter lab" in form and "conda" not in form:
            assert any(
                "jupyterlab" in d
                for e in re.findall(r"\.\[([\w,]+)\]", form)[0].split(",")
                for d in extras[e]
            ), form
        for file in re.findall(r"-f (\S+)", form):
            assert (ROOT / file).exists(), form
        for name in re.findall(r"conda activate (\S+)", form):
            assert re.search(rf"^name: {re.escape(name)}$", environment, re.M), form
        if form.startswith("pip install wandb"):
            assert any(d.startswith("wandb") for d in project["dependencies"])
        if form == "pip install -e .":
            assert project["name"] == "wandb-iris-course"
        if form == "pre-commit install":
            assert (ROOT / ".pre-commit-config.yaml").exists()
            assert any(d.startswith("pre-commit") for d in extras["test"])
