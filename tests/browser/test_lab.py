"""Every notebook, Run All in JupyterLab in a real browser, judged by what the page shows.

Two seats, side by side (one pytest-xdist worker each in ``make test-browser``):
``offline``, a student without an account, who answers 01's login question with "Don't
visualize my results"; ``online``, a student with one, who answers it with "Use an existing
W&B account" and types a key into the password field (the W&B server is the stand-in,
tests/standin), and whose 02-07 then go online.

For each notebook: open it in its own workspace, wait for the kernel, choose Run > Run All
Cells, answer the login question, wait until the kernel is idle, then look at the page at
a 1280 x 900 window: no error output, every check cell says "Check passed.", every image
loaded, no "Show more outputs" fold, no raw terminal escape codes, no output wider than
the notebook panel, nothing new in the notebooks' folder but ``wandb/`` (and 02's
``iris_script.py``). Online also: the notebook says it is online, and every run it stored
reached the stand-in. A full screenshot goes to outputs/screens/ (``online-NAME.png``
for the online seat), and the time from Run All to idle to outputs/browser-timings.json
(reported by benchmarks/series.py --browser, never asserted). The kernel is shut down
after each.

    make test-browser
    .venv/bin/python -m pytest tests/browser -k "online and 07"   # one seat, one notebook

Run alone, an online notebook after 01 finds no key yet: the test then logs in as a
student does in a terminal (``wandb login KEY``) before it opens the notebook.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import time
import urllib.error
from datetime import UTC, datetime
from math import ceil
from pathlib import Path
from typing import Any

import pytest

from tests.lessons import NAMES as NOTEBOOKS
from tests.outputs import errors

from .conftest import API_KEY, ROOT, SEATS, WINDOW, Lab, Labs

OUT = ROOT / "outputs"
SCREENS = OUT / "screens"
TIMINGS = OUT / "browser-timings.json"

KERNEL_START_TIMEOUT = 120  # seconds from opening a notebook to an idle kernel
RUN_ALL_TIMEOUT = 420  # seconds from Run All to idle (07's sweep is the longest)
SHUTDOWN_TIMEOUT = 30
POLL = 0.25
LOGIN_CHOICES = {"offline": "Don't visualize my results", "online": "Use an existing W&B account"}
# What the notebooks' folder may hold after Run All besides what it started with: the runs,
# the script 02 writes on purpose, and JupyterLab's own hidden checkpoints.
MAY_APPEAR = {"wandb", ".ipynb_checkpoints"}
WRITTEN_BY = {"02_logging": {"iris_script.py"}}
PROGRESS = re.compile(r"\S+: \d+/\d+ runs\b")  # helpers.sweep's bar, as text
ESCAPES = re.compile(r"\x1b\[|␛\[|(?<![\w\]])\[\d{1,3}(?:;\d{1,3})*m")

# What the page holds once Run All is over: one entry per code cell.
PAGE_STATE = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const notebook = panel.querySelector('.jp-Notebook');
  const cells = [...notebook.querySelectorAll('.jp-CodeCell')].map((cell, index) => {
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')].map((out) => {
      // How far the content itself (text, pictures) reaches past the panel's right edge:
      // that part is cut off. Padding or a background sticking out hides nothing.
      const edge = out.getBoundingClientRect().left + out.clientWidth;
      let far = 0, what = '';
      const range = document.createRange();
      const walker = document.createTreeWalker(out, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.textContent.trim()) continue;
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) {
          if (r.right > far) { far = r.right; what = node.textContent; }
        }
      }
      for (const el of out.querySelectorAll('img, svg, canvas, video, iframe')) {
        const r = el.getBoundingClientRect();
        if (r.right > far) { far = r.right; what = `<${el.tagName.toLowerCase()}>`; }
      }
      return {
        mime: out.getAttribute('data-mime-type') || '',
        text: out.innerText,
        scrollWidth: out.scrollWidth,
        clientWidth: out.clientWidth,
        cutOff: Math.round(far - edge),
        widest: what.slice(0, 70),
      };
    });
    const images = [...cell.querySelectorAll('.jp-OutputArea img')].map((img) => ({
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      shownWidth: img.getBoundingClientRect().width,
      widthAttr: img.getAttribute('width'),
    }));
    return {
      index: index + 1,
      prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
      source: (cell.querySelector('.cm-content') || {}).innerText || '',
      outputs,
      images,
      trimmed: cell.querySelectorAll('.jp-TrimmedOutputs').length,
      stdin: cell.querySelectorAll('.jp-Stdin-input').length,
    };
  });
  return {
    cells,
    showMore: (notebook.innerText.match(/Show more outputs/g) || []).length,
  };
}
"""

PROMPTS = """
() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
  .map((p) => p.textContent.trim())
"""


@pytest.fixture(scope="session")
def timings() -> dict[str, Any]:
    """Run All to idle per seat and notebook, saved after each notebook: a failure keeps the rest.

    A seat's figures are replaced when this session runs that seat; the other seat's
    figures in outputs/browser-timings.json stay as they were.
    """
    record: dict[str, Any] = {}
    try:
        record = json.loads(TIMINGS.read_text())
    except (OSError, ValueError):
        pass
    if not isinstance(record.get("seats"), dict):  # none yet, or the one-seat layout
        record = {"seats": {}}
    record["what"] = (
        "seconds in JupyterLab (Chromium, 1280x900) per seat: open to idle kernel, Run All to idle"
    )
    record["started"] = set()  # the seats this session measures (not saved)
    OUT.mkdir(exist_ok=True)
    SCREENS.mkdir(exist_ok=True)
    return record


def seat_timings(record: dict[str, Any], seat: str) -> dict[str, Any]:
    """This seat's figures in ``record``: new ones the first time this session asks."""
    if seat not in record["started"]:
        record["started"].add(seat)
        record["seats"][seat] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "notebooks": {},
        }
    return record["seats"][seat]["notebooks"]


def save_timings(record: dict[str, Any]) -> None:
    """Write this session's seats into the file, keeping the seats another worker wrote there.

    ``make test-browser`` runs each seat in its own pytest-xdist worker, side by side: each
    rewrites the file under a lock, with the other seats as the file has them now.
    """
    with open(TIMINGS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            on_disk = json.loads(TIMINGS.read_text())["seats"]
        except (OSError, ValueError, KeyError, TypeError):
            on_disk = {}
        saved = {key: value for key, value in record.items() if key != "started"}
        saved["seats"] = {
            **(on_disk if isinstance(on_disk, dict) else {}),
            **{seat: record["seats"][seat] for seat in record["started"]},
        }
        TIMINGS.write_text(json.dumps(saved, indent=2) + "\n")


def session_of(lab: Lab, path: str) -> dict[str, Any] | None:
    return next((s for s in lab.api("GET", "/api/sessions") if s["path"] == path), None)


def wait_for_kernel(lab: Lab, path: str, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + KERNEL_START_TIMEOUT
    while time.monotonic() < deadline:
        session = session_of(lab, path)
        if session and session["kernel"]["execution_state"] == "idle":
            return session
        time.sleep(POLL)
    pytest.fail(
        f"{name}: the kernel was not idle {KERNEL_START_TIMEOUT} s after opening the notebook "
        f"(session: {session_of(lab, path)})\n{lab.log_tail()}"
    )


def click_menu(page: Any, menu: str, item: str) -> None:
    page.locator(f".lm-MenuBar-itemLabel:text-is('{menu}')").click()
    page.locator(f".lm-Menu-itemLabel:text-is('{item}')").click()


def answer_login(page: Any, name: str, seat: str) -> str:
    """Answer the input box on the page; returns the question as shown.

    The login question gets the number of the seat's choice; a password field (after
    "Use an existing W&B account") gets the API key, typed as a student pastes it.
    """
    box = page.locator(".jp-Stdin-input").first
    choice = LOGIN_CHOICES[seat]
    # The choices are printed above the input box, in the same cell's outputs. They travel
    # on the kernel's output channel, the input request on its stdin channel: the box can
    # show up first, so give the choices a moment to arrive.
    deadline = time.monotonic() + 10
    while True:
        question = box.evaluate("(el) => el.closest('.jp-OutputArea').innerText")
        answer = None
        if box.get_attribute("type") == "password":
            if seat != "online":
                pytest.fail(f"{name}: a password field, though {choice!r} was chosen:\n{question}")
            answer = API_KEY
        for line in question.replace("\u2019", "'").splitlines():
            if answer is None and choice in line:
                numbers = re.findall(r"\d+", line.split(choice)[0])
                answer = numbers[-1] if numbers else None
        if answer is not None:
            element = box.element_handle()
            box.fill(answer)
            page.keyboard.press("Enter")  # into the focused box, which then goes away
            # (and the next question's box, if any, takes its place: wait for this one)
            page.wait_for_function("(el) => !el.isConnected", arg=element, timeout=15_000)
            return question
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: the login question lists no numbered {choice!r}:\n{question}")
        time.sleep(POLL)


def run_all_until_idle(page: Any, lab: Lab, path: str, name: str) -> tuple[float, list[str]]:
    """Run > Run All Cells, answer the login question, wait for idle; seconds and questions."""
    questions: list[str] = []
    click_menu(page, "Run", "Run All Cells")
    start = time.perf_counter()
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    quiet_polls = 0
    while quiet_polls < 3:  # idle, nothing queued, three polls in a row
        if time.monotonic() > deadline:
            prompts = page.evaluate(PROMPTS)
            pytest.fail(
                f"{name}: still running {RUN_ALL_TIMEOUT} s after Run All; cell prompts: {prompts}"
            )
        if page.locator(".jp-Stdin-input").count():
            questions.append(answer_login(page, name, lab.seat))
            quiet_polls = 0
            continue
        prompts = page.evaluate(PROMPTS)
        session = session_of(lab, path)
        state = session["kernel"]["execution_state"] if session else "gone"
        if state in ("dead", "gone"):
            pytest.fail(f"{name}: the kernel died during Run All\n{lab.log_tail()}")
        started = bool(prompts) and prompts[0] not in ("[ ]:", "")
        busy = any("*" in p for p in prompts)
        quiet_polls = quiet_polls + 1 if (started and not busy and state == "idle") else 0
        time.sleep(POLL)
    return time.perf_counter() - start - 2 * POLL, questions


def saved_notebook(page: Any, lab: Lab, path: str) -> dict[str, Any] | None:
    """Save the notebook from the page and read it back as the front end held it."""
    before = lab.api("GET", f"/api/contents/{path}?content=0")["last_modified"]
    click_menu(page, "File", "Save Notebook")
    deadline = time.monotonic() + 30
    model = None
    while model is None:
        # Ask for the file's date only (content=0) until the save has landed, then read it:
        # reading the content while the server writes it fails with HTTP 500 in its log.
        try:
            if lab.api("GET", f"/api/contents/{path}?content=0")["last_modified"] != before:
                time.sleep(POLL)
                model = lab.api("GET", f"/api/contents/{path}?content=1")["content"]
        except urllib.error.HTTPError:
            pass
        if model is None:
            if time.monotonic() > deadline:
                # the page's own checks (stderr tracebacks, cells left unrun) still apply
                print(f"{path}: not saved within 30 s; error outputs judged from the page only")
                return None
            time.sleep(POLL)
    return model


def code_cells(model: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [c for c in (model or {}).get("cells", []) if c["cell_type"] == "code"]


def cell_seconds(model: dict[str, Any] | None) -> list[tuple[float, int, str]]:
    """Kernel time of each code cell (JupyterLab's recordTiming): seconds, number, first line."""
    found = []
    for number, cell in enumerate(code_cells(model), 1):
        times = cell.get("metadata", {}).get("execution", {})
        start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
        if start and end:
            seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            lines = [line for line in source.splitlines() if line.strip()]
            found.append((seconds, number, lines[-1].strip()[:60] if lines else ""))
    return found


def where_the_time_went(model: dict[str, Any] | None) -> dict[str, Any]:
    """The kernel's busy seconds in a Run All, and the three slowest cells."""
    seconds = cell_seconds(model)
    return {
        "kernel_busy_s": round(sum(s for s, _, _ in seconds), 2),
        "slowest_cells": [
            {"cell": number, "s": round(s, 2), "last_line": line}
            for s, number, line in sorted(seconds, reverse=True)[:3]
        ],
    }


def problems_on_page(state: dict[str, Any], name: str) -> list[str]:
    """Everything the student would see go wrong, one line each."""
    problems: list[str] = []
    cells = state["cells"]
    never_ran = [
        c["index"]
        for c in cells
        if c["prompt"].strip() in ("[ ]:", "")
        and any(
            line.strip() and not line.strip().startswith("#") for line in c["source"].splitlines()
        )
    ]
    if never_ran:
        problems.append(f"cells {never_ran} never ran (Run All stopped early)")
    for cell in cells:
        where = (
            f"cell {cell['index']} ({cell['source'].strip().splitlines()[0][:60]!r})"
            if (cell["source"].strip())
            else f"cell {cell['index']}"
        )
        text = "\n".join(o["text"] for o in cell["outputs"])
        for out in cell["outputs"]:
            if out["mime"] == "application/vnd.jupyter.stderr" and (
                "Traceback" in out["text"]
                or re.search(r"^\w*(Error|Exception|Refused)\b.*:", out["text"], re.M)
            ):
                problems.append(f"{where}: error output: {out['text'].strip()[-300:]}")
        # a check cell stops on failure (raise_if_failed) or shows the checks' verdict
        is_check = ".raise_if_failed(" in cell["source"] or re.search(r"^Check \w+", text, re.M)
        if is_check and "Check passed." not in text:
            problems.append(f"{where}: a check cell without 'Check passed.'")
        for image in cell["images"]:
            if not image["complete"] or image["naturalWidth"] == 0:
                problems.append(f"{where}: an image did not render")
            else:
                meant = float(image["widthAttr"] or image["naturalWidth"])
                if image["shownWidth"] < meant - 2:
                    problems.append(
                        f"{where}: a {image['naturalWidth']} px wide image is shrunk to "
                        f"{image['shownWidth']:.0f} px by the notebook panel"
                    )
        for out in cell["outputs"]:
            # the output scrolls sideways, and what is out of sight is content, not padding
            if out["scrollWidth"] > out["clientWidth"] + 2 and out["cutOff"] > 2:
                problems.append(
                    f"{where}: an output {out['scrollWidth']} px wide in a "
                    f"{out['clientWidth']} px panel, {out['cutOff']} px of it cut off "
                    f"(scrolls sideways), at {' '.join(out['widest'].split())!r}"
                )
        if cell["trimmed"]:
            problems.append(f"{where}: {len(cell['outputs'])} outputs folded behind 'Show more'")
        for match in sorted({m.group(0) for m in ESCAPES.finditer(text)}):
            problems.append(f"{where}: raw escape sequence {match!r} visible")
    if state["showMore"] and not any("Show more" in p for p in problems):
        problems.append("a 'Show more outputs' fold is visible")
    return problems


def screenshot(page: Any, path: Path) -> None:
    """The whole notebook in one picture: the window made as tall as the notebook."""
    height = page.evaluate(
        """() => {
          const outer = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
          const cells = document.querySelectorAll('.jp-NotebookPanel .jp-Cell');
          if (!outer || !cells.length) return 0;
          outer.scrollTop = 0;
          const last = cells[cells.length - 1].getBoundingClientRect().bottom;
          return last + 40;
        }"""
    )
    page.set_viewport_size({"width": WINDOW["width"], "height": min(max(900, ceil(height)), 16000)})
    page.wait_for_timeout(500)
    page.evaluate(
        "() => { const o = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');"
        " if (o) o.scrollTop = 0; }"
    )
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(WINDOW)


def shut_down(lab: Lab, path: str, name: str) -> None:
    session = session_of(lab, path)
    if session is None:
        pytest.fail(f"{name}: no kernel session left to shut down")
    kernel = session["kernel"]["id"]
    lab.api("DELETE", f"/api/sessions/{session['id']}", timeout=SHUTDOWN_TIMEOUT)
    deadline = time.monotonic() + SHUTDOWN_TIMEOUT
    while any(k["id"] == kernel for k in lab.api("GET", "/api/kernels")):
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: the kernel was still running {SHUTDOWN_TIMEOUT} s after shutdown")
        time.sleep(POLL)


# Tornado's report that a websocket message could not be written because the socket had
# closed: the test closes each page, and a kernel status message can still be on its way.
CLOSED_SOCKET = re.compile(
    r"Task exception was never retrieved\nfuture: <Task [^\n]*exception=WebSocketClosedError\(\)>\n"
    r"(?:[^\n]*\n)*?tornado\.websocket\.WebSocketClosedError\n"
)


# jupyter_server's race on a loaded machine: the page lists the kernels while one is starting,
# before its last_activity is set, and gets a 500 (the page asks again; a student sees nothing).
KERNEL_STARTING = re.compile(
    r"\[E [^\]]*\] Uncaught exception GET /api/kernels[^\n]*\n(?:(?:[ \t][^\n]*)?\n)*?"
    r"[ \t]*traitlets\.traitlets\.TraitError: The 'last_activity' trait of a ServerKernelManager "
    r"instance expected a datetime, not the NoneType None\.\n"
    # then only the server's own report of that answer: its note, the request's headers, the 500
    r"(?:(?:[ \t][^\n]*|\[W [^\]]*\] wrote error[^\n]*|\[E [^\]]*\] \{)?\n)*?"
    r"\[E [^\]]*\] 500 GET /api/kernels[^\n]*\n"
)


def server_errors(log: str) -> list[str]:
    """The server log's errors, but for a message written to a page the test has closed and
    the kernel list asked for while a kernel starts."""
    return [
        line.strip()
        for line in KERNEL_STARTING.sub("", CLOSED_SOCKET.sub("", log)).splitlines()
        if "Traceback" in line
        or re.match(r"\[E ", line)
        or "without encryption" in line
        or "Kernel died" in line
    ]


def log_in_from_a_terminal(lab: Lab) -> None:
    """``wandb login KEY``, as a student with an account does once (when 01 did not run)."""
    if (Path(lab.env["HOME"]) / ".netrc").exists():
        return
    done = subprocess.run(
        [str(Path(lab.env["PATH"].split(":")[0]) / "wandb"), "login", API_KEY],
        env=lab.env,
        cwd=lab.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"wandb login failed:\n{done.stdout}{done.stderr}"


def run_folders(lab: Lab) -> set[str]:
    folder = lab.root / "wandb"
    return {p.name for p in folder.glob("*run-*") if p.is_dir()} if folder.is_dir() else set()


def online_problems(lab: Lab, name: str, shown: str, new_runs: set[str]) -> list[str]:
    """What an online notebook must show and store: online, and every run on the server."""
    problems = []
    says = "mode: online" if name.startswith("01_") else "wandb: online at "
    if says not in shown:
        problems.append(f"the notebook does not say it is online ({says!r} not shown)")
    if "saved offline" in shown and not name.startswith("01_"):
        problems.append("the notebook says its runs are saved offline")
    if not new_runs:
        problems.append("no run stored under wandb/")
    on_server = {run.name: run.state for run in lab.server.runs()}
    for folder in sorted(new_runs):
        run_id = folder.rsplit("-", 1)[-1]
        if folder.startswith("offline-"):
            problems.append(f"run {folder} was stored offline")
        elif on_server.get(run_id) != "finished":
            state = on_server.get(run_id, "never received")
            problems.append(f"run {run_id} on the W&B stand-in: {state}")
    return problems


def console_problems(state: dict[str, Any], name: str) -> list[str]:
    """wandb's console shows only where it is taught (02); 07's sweep shows one progress bar."""
    problems = []
    for cell in state["cells"]:
        for out in cell["outputs"]:
            stderr = out["mime"] == "application/vnd.jupyter.stderr"
            if stderr and "wandb:" in out["text"] and not name.startswith("02_"):
                line = out["text"].strip().splitlines()[0][:100]
                problems.append(f"cell {cell['index']}: wandb's console output: {line!r}")
    if name.startswith("07_"):
        bars = [
            o["text"] for c in state["cells"] for o in c["outputs"] if PROGRESS.search(o["text"])
        ]
        if len(bars) != 1:
            problems.append(f"{len(bars)} sweep progress bars shown, not one: {bars}")
    return problems


def hint_problems(seat: str, name: str, shown: str) -> list[str]:
    """01's upload hint is advice for offline runs: shown offline only."""
    if not name.startswith("01_"):
        return []
    hint = "upload: wandb sync"
    if seat == "offline" and hint not in shown:
        return [f"the offline run's upload hint ({hint!r}) is not shown"]
    if seat == "online" and hint in shown:
        return [f"the upload hint ({hint!r}) is shown after an online run"]
    return []


def run_all_in_jupyterlab(
    seat: str, name: str, labs: Labs, browser_context: Any, timings: dict
) -> None:
    """Open ``name`` in this seat's JupyterLab, Run All, and judge what the page shows."""
    lab = labs.get(seat)
    if seat == "online" and not name.startswith("01_"):
        log_in_from_a_terminal(lab)
    path = f"{name}.ipynb"
    log_before = len(lab.log_text())
    shot = SCREENS / (f"{name}.png" if seat == "offline" else f"{seat}-{name}.png")
    figures = seat_timings(timings, seat)
    files_before = set(os.listdir(lab.root))
    runs_before = run_folders(lab)
    problems: list[str] = []
    failed = True
    page = browser_context.new_page()
    try:
        opened = time.perf_counter()
        page.goto(f"{lab.url}/lab/workspaces/{name}/tree/{path}?token={lab.token}")
        page.locator(".jp-NotebookPanel .jp-CodeCell").first.wait_for()
        wait_for_kernel(lab, path, name)
        kernel_start = time.perf_counter() - opened

        seconds, questions = run_all_until_idle(page, lab, path, name)
        figures[name] = {
            "open_to_idle_kernel_s": round(kernel_start, 2),
            "run_all_to_idle_s": round(seconds, 2),
        }
        save_timings(timings)

        state = page.evaluate(PAGE_STATE)
        assert state is not None, f"{name}: no notebook panel on the page"
        problems += problems_on_page(state, name)
        model = saved_notebook(page, lab, path)
        problems += [f"error output: {e}" for e in errors(model)]
        figures[name].update(where_the_time_went(model))
        save_timings(timings)
        if name.startswith("01_") and not questions:
            problems.append(
                f"no login question asked (expected one offering {LOGIN_CHOICES[seat]!r})"
            )
        shown = "\n".join(o["text"] for cell in state["cells"] for o in cell["outputs"])
        if name.startswith("01_") and not re.search(rf"program: {re.escape(path)}\b", shown):
            problems.append(f"the Overview facts do not name the notebook ({path}) as the program")
        for question in questions:
            for match in sorted({m.group(0) for m in ESCAPES.finditer(question)}):
                problems.append(f"login question shows raw escape sequence {match!r}")
        problems += hint_problems(seat, name, shown)
        problems += console_problems(state, name)
        if seat == "online":
            problems += online_problems(lab, name, shown, run_folders(lab) - runs_before)
        failed = False
    finally:
        # a picture and a clean kernel shutdown also when the run failed half-way
        try:
            screenshot(page, shot)
        except Exception as error:
            problems.append(f"no screenshot: {error}")
        page.close()
        try:
            shut_down(lab, path, name)
        except BaseException:
            if not failed:
                raise
    allowed = files_before | MAY_APPEAR | WRITTEN_BY.get(name, set())
    litter = sorted(set(os.listdir(lab.root)) - allowed)
    if litter:
        problems.append(f"new in the notebooks' folder: {', '.join(litter)}")
    problems += [f"JupyterLab log: {line}" for line in server_errors(lab.log_text()[log_before:])]
    assert not problems, (
        f"{name} in JupyterLab, {seat} (screenshot {shot.relative_to(ROOT)}):\n  - "
        + "\n  - ".join(dict.fromkeys(problems))
    )


# One class per seat: `make test-browser` (pytest-xdist, --dist loadscope) gives each class
# its own worker, so the two seats run side by side, each with its own JupyterLab and
# Chromium, and each seat's notebooks one after another, in order. The ids keep the seat's
# name: `pytest tests/browser -k "online and 07"`.
assert set(SEATS) == {"offline", "online"}, "one test class per seat of tests/browser"


class TestWithoutAnAccount:
    @pytest.mark.parametrize("name", NOTEBOOKS, ids=lambda name: f"offline-{name}")
    def test_run_all_in_jupyterlab(
        self, name: str, labs: Labs, browser_context: Any, timings: dict
    ) -> None:
        run_all_in_jupyterlab("offline", name, labs, browser_context, timings)


class TestWithAnAccount:
    @pytest.mark.parametrize("name", NOTEBOOKS, ids=lambda name: f"online-{name}")
    def test_run_all_in_jupyterlab(
        self, name: str, labs: Labs, browser_context: Any, timings: dict
    ) -> None:
        run_all_in_jupyterlab("online", name, labs, browser_context, timings)


CLOSED_PAGE_LOG = """\
Task exception was never retrieved
future: <Task finished name='Task-1684' coro=<WebSocketProtocol13.write_message.<locals>.wrapper() \
done, defined at tornado/websocket.py:1138> exception=WebSocketClosedError()>
Traceback (most recent call last):
  File "tornado/websocket.py", line 1140, in wrapper
    await fut
tornado.iostream.StreamClosedError: Stream is closed

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "tornado/websocket.py", line 1142, in wrapper
    raise WebSocketClosedError()
tornado.websocket.WebSocketClosedError
"""


def test_only_a_message_to_a_closed_page_is_not_a_server_error() -> None:
    assert server_errors(CLOSED_PAGE_LOG) == []
    other = CLOSED_PAGE_LOG.replace("exception=WebSocketClosedError()", "exception=KeyError()")
    assert server_errors(other) == ["Traceback (most recent call last):"] * 2
    after = CLOSED_PAGE_LOG + "Traceback (most recent call last):\nValueError: boom\n"
    assert server_errors(after) == ["Traceback (most recent call last):"]


KERNEL_STARTING_LOG = """\
[E 2026-12-03 11:34:11.305 ServerApp] Uncaught exception GET /api/kernels?1796297651006 (127.0.0.1)
    HTTPServerRequest(protocol='http', host='127.0.0.1:54229', method='GET', uri='/api/kernels')
    Traceback (most recent call last):
      File "traitlets/traitlets.py", line 652, in get
        value = obj._trait_values[self.name]
    KeyError: 'last_activity'

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      File "jupyter_server/services/kernels/kernelmanager.py", line 544, in kernel_model
        "last_activity": isoformat(kernel.last_activity),
    traitlets.traitlets.TraitError: The 'last_activity' trait of a ServerKernelManager instance \
expected a datetime, not the NoneType None.
[W 2026-12-03 11:34:11.349 ServerApp] wrote error: 'Unhandled error'
[E 2026-12-03 11:34:11.377 ServerApp] {
      "Host": "127.0.0.1:54229"
    }
[E 2026-12-03 11:34:11.377 ServerApp] 500 GET /api/kernels?1796297651006 (127.0.0.1) 132.63ms
[I 2026-12-03 11:34:11.510 ServerApp] Kernel started: 62841a04
"""


def test_only_the_kernel_list_asked_while_a_kernel_starts_is_not_a_server_error() -> None:
    assert server_errors(KERNEL_STARTING_LOG) == []
    other = KERNEL_STARTING_LOG.replace("not the NoneType None", "not the str 'x'")
    assert len(server_errors(other)) == 5  # two tracebacks and three [E lines
    after = KERNEL_STARTING_LOG + "Traceback (most recent call last):\nValueError: boom\n"
    assert server_errors(after) == ["Traceback (most recent call last):"]
    between = KERNEL_STARTING_LOG.replace(
        "[W 2026", "[E 2026-12-03 11:34:11.340 ServerApp] boom\n[W 2026"
    )
    assert "[E 2026-12-03 11:34:11.340 ServerApp] boom" in server_errors(between)
