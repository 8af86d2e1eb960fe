"""Time the series: each notebook, the whole series, offline against disabled, run read-back,
the offline sweep and (optionally) the whole test suite.

    python benchmarks/series.py [--workers N] [--repeat N] [--make-test]
    python benchmarks/series.py --browser   # only the JupyterLab figures of `make test-browser`
    python benchmarks/series.py --ci        # only each seat's time in the last `.ci/run`
    python benchmarks/series.py --fresh     # a fresh clone, cold caches: pip against uv, serial
                                            # against side by side, then the `.ci/run` times

Figures are printed, never asserted: the machines are shared and noisy, so compare
the ratios measured in one run rather than seconds across runs.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' lesson table, student with no account and harness
from tests.lessons import NOTEBOOK_PATHS as NOTEBOOKS  # noqa: E402
from tests.student import no_account  # noqa: E402


def run_notebook(path: Path, mode: str) -> tuple[float, dict[str, float]]:
    """Execute one notebook with the tests' harness in a fresh folder: wall time (kernel start
    included), and seconds per cell (nbclient's timing of each cell's execution)."""
    from tests.harness import execute

    with tempfile.TemporaryDirectory() as tmp:
        env = no_account(Path(tmp), WANDB_MODE=mode, WANDB_DIR=tmp, WANDB_SILENT="true")
        done = execute(path, Path(tmp), env)
        if done.failed:
            raise RuntimeError(done.why())
        cells = {c.source: _cell_seconds(c) for c in done.notebook.cells if c.cell_type == "code"}
    return done.seconds, cells


def _cell_seconds(cell: Any) -> float:
    """From the kernel taking the cell to its reply, as nbclient records them."""
    times = cell.metadata.get("execution", {})
    start, end = times.get("iopub.execute_input"), times.get("shell.execute_reply")
    if not (start and end):
        return 0.0
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def series(mode: str, workers: int) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_notebook, NOTEBOOKS, [mode] * len(NOTEBOOKS)))
    times = {path.stem: wall for path, (wall, _) in zip(NOTEBOOKS, results, strict=True)}
    times["compare"] = sum(  # notebook 03's every-model loop and its table
        seconds
        for path, (_, cells) in zip(NOTEBOOKS, results, strict=True)
        if path.stem == "03_config"
        for source, seconds in cells.items()
        if "compare_runs" in source
    )
    return time.perf_counter() - start, times


def read_back(count: int = 10) -> tuple[float, float]:
    """Read ``count`` stored runs with helpers.runs, and with ``count`` calls of the wandb CLI."""
    from helpers.run_files import run_files
    from helpers.runs import read_runs

    with tempfile.TemporaryDirectory() as tmp:
        env = no_account(Path(tmp), WANDB_MODE="offline", WANDB_DIR=tmp, WANDB_SILENT="true")
        code = f"import wandb\nfor i in range({count}):\n    wandb.init(project='b').finish()"
        subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
        files = run_files(Path(tmp) / "wandb")
        start = time.perf_counter()
        read_runs(files)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        for f in files:
            subprocess.run(
                [sys.executable, "-m", "wandb", "leet", "inspect", "--summary", "--json", str(f)],
                check=True,
                capture_output=True,
            )
        cli = time.perf_counter() - start
    return ours, cli


def sweep_costs(count: int = 10) -> dict[str, float]:
    """Where a 10-run offline sweep spends its time: engine, wandb start-up, training, analysis."""
    with tempfile.TemporaryDirectory() as tmp:
        code = f"""
import json, time, warnings
warnings.simplefilter("ignore")
import wandb
from helpers.data import load_split
from helpers.metrics import evaluate
from helpers.models import make_model
from helpers.run_table import runs_table
from helpers.sweep import _engine, load_sweep_config, local_sweep, parameter_importance
data, config, costs = load_split(), load_sweep_config(), {{}}
def train():
    with wandb.init(project="bench") as run:
        params = {{k: v for k, v in run.config.items() if k != "model"}}
        run.log(evaluate(make_model(run.config["model"], **params), data.X_train, data.y_train))
start = time.perf_counter()
runs = local_sweep(config, train, count={count}, progress=False)
costs["sweep (runs, read back)"] = time.perf_counter() - start
start = time.perf_counter()
parameter_importance(runs_table(runs, sort_by="accuracy"), "accuracy")
costs["table + importance"] = time.perf_counter() - start
start = time.perf_counter()
for _ in range({count}):
    _engine().next_run(config, [])
costs["  of which: engine suggestions"] = time.perf_counter() - start
start = time.perf_counter()
for _ in range({count}):
    evaluate(make_model("KNeighborsClassifier"), data.X_train, data.y_train)
costs["  of which: 10-fold CV"] = time.perf_counter() - start
print(json.dumps(costs))
"""
        env = no_account(Path(tmp), WANDB_MODE="offline", WANDB_DIR=tmp, WANDB_SILENT="true")
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        ).stdout
    import json

    return json.loads(out.strip().splitlines()[-1])


def make_test() -> float:
    start = time.perf_counter()
    subprocess.run(["make", "test"], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


BROWSER_TIMINGS = ROOT / "outputs" / "browser-timings.json"


def print_browser_timings(path: Path = BROWSER_TIMINGS) -> None:
    """What a student waits for in JupyterLab, as the last `make test-browser` measured it.

    One row per notebook and seat: ``offline`` (no account) beside ``online`` (an account,
    the W&B stand-in as its server). A file from before the online seat holds offline only.
    """
    import json

    if not path.exists():
        print(f"no {path.relative_to(ROOT)}: `make test-browser` writes it")
        return
    record = json.loads(path.read_text())
    seats = record.get("seats") or {
        "offline": {"date": record.get("date", "?"), "notebooks": record.get("notebooks", {})}
    }
    order = sorted(seats, key=lambda seat: (seat != "offline", seat))
    dates = ", ".join(f"{seat} {seats[seat].get('date', '?')}" for seat in order)
    print(f"JupyterLab, Run All (from {path.relative_to(ROOT)}: {dates})")
    print("kernel busy: the sum of the cells' own times (JupyterLab's recordTiming); the rest")
    print("of Run All to idle is the front end and the messages between kernel and page.")
    nan = float("nan")
    print(
        f"{'notebook':<18}{'seat':<9}{'kernel start s':>15}{'Run All to idle s':>19}"
        f"{'kernel busy s':>15}  slowest cell (s, its last line)"
    )
    names = sorted({name for seat in seats.values() for name in seat.get("notebooks", {})})
    for name in names:
        for seat in order:
            times = seats[seat].get("notebooks", {}).get(name)
            if times is None:
                continue
            slowest = times.get("slowest_cells") or [{}]
            cell = slowest[0]
            where = f"#{cell['cell']} {cell['s']:.2f} {cell['last_line']}" if cell else ""
            print(
                f"{name:<18}{seat:<9}{times.get('open_to_idle_kernel_s', nan):>15.2f}"
                f"{times.get('run_all_to_idle_s', nan):>19.2f}"
                f"{times.get('kernel_busy_s', nan):>15.2f}  {where}"
            )


CI_TIMES = ROOT / "outputs" / "ci-times.json"


def print_ci_times(path: Path = CI_TIMES) -> None:
    """Each seat's wall time in the last `.ci/run` (which writes them after every seat)."""
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if not path.exists():
        print(f"no {shown}: `.ci/run` writes it")
        return
    record = json.loads(path.read_text())
    print(f".ci/run seats (from {shown}, started {record.get('started', '?')})")
    seats = sorted(record.get("seats", {}).items(), key=lambda item: item[1].get("start", 0))
    for seat, times in seats:
        failed = f"  exit {times['status']}" if times.get("status") else ""
        minutes, seconds = divmod(times["seconds"], 60)
        start = times.get("start")
        began = f"  from {start // 60}:{start % 60:02d}" if start is not None else ""
        print(f"  {seat:<22}{times['seconds']:>6} s  ({minutes}:{seconds:02d}){began}{failed}")
    # the lanes run seats side by side: the seats' sum is what one after another would take at
    # the speed each had while sharing the machine, and the wall time what CI waited
    for label, key in (("seats, summed", "total_seconds"), ("wall time", "wall_seconds")):
        total = record.get(key)
        if total is not None:
            print(f"  {label:<22}{total:>6} s  ({total // 60}:{total % 60:02d})")
    print_ci_cpu(record.get("cpu"))


def print_ci_cpu(cpu: dict | None) -> None:
    """What the machine's cores did during the run: a CPU-bound CI waits about busy / cores, and
    steal (CPU a shared host took back) is time the seats waited for no fault of their own."""
    if not cpu:
        return
    spent = {key: cpu[f"{key}_seconds"] for key in ("busy", "steal", "idle")}
    whole = sum(spent.values()) or 1
    shares = ", ".join(
        f"{key} {value} s ({100 * value / whole:.0f} %)" for key, value in spent.items()
    )
    print(f"  machine, {cpu['cores']} cores      {shares}")
    print(f"  busy CPU / cores      {spent['busy'] // cpu['cores']:>6} s")


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of ``command`` (NaN, and its output, if it fails), printed as it ends."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - start
    if result.returncode:
        print(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        seconds = float("nan")
    print(f"  {env.get('INSTALLER')}: {' '.join(command[-3:])}: {seconds:.1f} s", flush=True)
    return seconds


def python_313() -> str | None:
    """A Python 3.13 that runs (pyenv's shim on PATH may not): test_colab's interpreter."""
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.13*/bin/python3.13")))
    for candidate in [*candidates[::-1], shutil.which("python3.13")]:
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    return None


IMPORTS = "import wandb, sklearn.ensemble, pandas, matplotlib.pyplot, helpers.course"


def fresh_clone(installer: str, tmp: Path) -> dict[str, float]:
    """A clone of this checkout's last commit with empty uv and pip caches: each step's time."""
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env = {
        **os.environ,
        "INSTALLER": installer,
        "UV_CACHE_DIR": str(tmp / "uv-cache"),
        "PIP_CACHE_DIR": str(tmp / "pip-cache"),
    }
    for name in ("VIRTUAL_ENV", "WANDB_API_KEY", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    steps = {"install": timed(["make", ".venv/.installed"], clone, env)}
    # what one kernel or script imports, before any .pyc exists and with none written (as
    # with PYTHONDONTWRITEBYTECODE=1), then again after make run has let Python keep them
    imports = [".venv/bin/python", "-c", IMPORTS]
    no_pyc = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    steps["imports, compiled each time"] = timed(imports, clone, no_pyc)
    steps["notebooks"] = timed(["make", "run", "OUT=outputs/first"], clone, env)
    steps["imports, bytecode kept"] = timed(imports, clone, no_pyc)
    steps["browser"] = timed(["make", ".venv/.browser"], clone, env)
    steps["oldest"] = timed(["make", ".venv-oldest/.installed"], clone, env)
    python313 = python_313()
    if python313:
        colab = [sys.executable, "scripts/install.py", str(tmp / "colab"), "--python", python313]
        steps["colab"] = timed([*colab, "--", "-r", "tests/colab/constraints.txt"], clone, env)
    if installer == "uv":  # the same venv, warm now: one after another, then side by side
        steps["serial"] = timed(["make", "run", "WORKERS=1", "OUT=outputs/serial"], clone, env)
        steps["parallel"] = timed(["make", "run", "OUT=outputs/parallel"], clone, env)
    return steps


def print_fresh() -> None:
    """`make run` from a fresh clone with cold caches, pip against uv; serial against parallel."""
    found = {}
    for installer in ("pip", "uv"):
        with tempfile.TemporaryDirectory() as tmp:
            found[installer] = fresh_clone(installer, Path(tmp))
    pip, uv = found["pip"], found["uv"]
    nan = float("nan")
    print(f"fresh clone of {ROOT.name} (last commit), empty uv and pip caches: seconds")
    print(f"{'':<52}{'pip':>8}{'uv':>8}")
    rows = [
        ("install .venv (make .venv/.installed)", "install"),
        ("notebooks, first run (make run, side by side)", "notebooks"),
        ("add the browser extra (make test-browser's)", "browser"),
        ("install .venv-oldest (make test-oldest's venv)", "oldest"),
        ("install Colab's package set, Python 3.13 (test-colab)", "colab"),
    ]
    rows += [
        ("one process's imports, compiled from source each time", "imports, compiled each time"),
        ("one process's imports, with the bytecode make keeps", "imports, bytecode kept"),
    ]
    for label, key in rows:
        print(f"{label:<52}{pip.get(key, nan):>8.1f}{uv.get(key, nan):>8.1f}")
    fresh = {name: steps["install"] + steps["notebooks"] for name, steps in found.items()}
    label = "make run from a fresh clone, to the runs table"
    print(f"{label:<52}{fresh['pip']:>8.1f}{fresh['uv']:>8.1f}")
    print(
        f"notebooks again (uv venv, warm): one after another {uv['serial']:.1f} s, "
        f"side by side ({len(os.sched_getaffinity(0))} cores) {uv['parallel']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="notebooks run side by side")
    parser.add_argument("--repeat", type=int, default=1, help="repeat each series, keep medians")
    parser.add_argument("--make-test", action="store_true", help="also time the whole `make test`")
    parser.add_argument(
        "--browser",
        action="store_true",
        help="only print the JupyterLab times of make test-browser",
    )
    parser.add_argument("--ci", action="store_true", help="only print the last .ci/run's times")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="a fresh clone with cold caches: make run with pip and uv, serial and side by side",
    )
    args = parser.parse_args()
    if args.browser:
        print_browser_timings()
        return
    if args.ci or args.fresh:
        if args.fresh:
            print_fresh()
        print_ci_times()
        return

    results: dict[str, list[tuple[float, dict[str, float]]]] = {"offline": [], "disabled": []}
    for _ in range(args.repeat):  # interleave the modes so drift hits both alike
        for mode in results:
            results[mode].append(series(mode, args.workers))
    print(f"{'notebook':<22}{'offline s':>10}{'disabled s':>12}")
    for nb in NOTEBOOKS:
        off = statistics.median(r[1][nb.stem] for r in results["offline"])
        dis = statistics.median(r[1][nb.stem] for r in results["disabled"])
        print(f"{nb.stem:<22}{off:>10.2f}{dis:>12.2f}")
    total_off = statistics.median(r[0] for r in results["offline"])
    total_dis = statistics.median(r[0] for r in results["disabled"])
    print(f"{'series (wall)':<22}{total_off:>10.2f}{total_dis:>12.2f}   workers={args.workers}")
    print(f"offline / disabled = {total_off / total_dis:.2f}")
    compare = statistics.median(r[1]["compare"] for r in results["offline"])
    print(f"03_config: every-model loop, its table and check (cells) = {compare:.2f} s offline")
    ours, cli = read_back()
    print(
        f"read back 10 runs: helpers.runs {ours:.2f} s, 10 x `wandb leet inspect` {cli:.2f} s "
        f"(ratio {cli / ours:.1f}x)"
    )
    costs = sweep_costs()
    total = costs["sweep (runs, read back)"] + costs["table + importance"]
    per_run = costs["sweep (runs, read back)"] / 10
    print(
        f"offline sweep of 10 runs, read back, table and importance: {total:.2f} s "
        f"({per_run:.2f} s a run)"
    )
    for name, seconds in costs.items():
        print(f"  {name:<34}{seconds:>6.2f} s")
    if args.make_test:
        print(f"make test: {make_test():.1f} s")
    print_browser_timings()
    print_ci_times()


if __name__ == "__main__":
    main()
