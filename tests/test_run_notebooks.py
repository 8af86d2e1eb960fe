"""scripts/run_notebooks.py (``make run``): one line per notebook, in order, and nothing else."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import zmq

from tests.conftest import ROOT, run_python

SCRIPT = str(ROOT / "scripts" / "run_notebooks.py")


def _notebook(folder: Path, name: str, code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(code)]
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_one_line_per_notebook_and_no_kernel_warning(tmp_path: Path) -> None:
    first = _notebook(tmp_path, "01_a", "print('a')")
    second = _notebook(tmp_path, "02_b", "import sys; print('b', file=sys.stderr)")
    result = run_python("", tmp_path, args=[SCRIPT, str(tmp_path / "out"), str(first), str(second)])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["01_a", "02_b"]
    assert all(" s  -> " in line for line in lines)
    # The kernel's warning about unencrypted TCP would land here: kernels get CurveZMQ keys.
    assert result.stderr == ""
    assert (tmp_path / "out" / "02_b.ipynb").exists()


# Another process holds the TCP port jupyter_client picked for a kernel, as one can take it in the
# second before the kernel binds it: over TCP the kernel dies at its start ("Address already in
# use"). make run's kernels talk over Unix sockets of their own (helpers.batch.kernel_config).
TAKEN_PORT = """\
import runpy, socket, sys
from jupyter_client.connect import LocalPortCache
held = socket.create_server(("127.0.0.1", 0))  # another process's port
LocalPortCache.find_available_port = lambda self, ip: held.getsockname()[1]
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow
@pytest.mark.skipif(not zmq.has("ipc"), reason="no Unix sockets here: kernels use TCP")
def test_a_port_taken_by_another_process_cannot_stop_a_kernel(tmp_path: Path) -> None:
    code = "import ipykernel; print(ipykernel.get_connection_info(unpack=True)['transport'])"
    notebook = _notebook(tmp_path, "01_a", code)
    result = run_python(TAKEN_PORT, tmp_path, args=[SCRIPT, str(tmp_path / "out"), str(notebook)])
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = nbformat.read(tmp_path / "out" / "01_a.ipynb", as_version=4).cells[0].outputs
    assert outputs[0]["text"] == "ipc\n"


@pytest.mark.slow
def test_a_failing_notebook_stops_the_series_with_its_reason(tmp_path: Path) -> None:
    bad = _notebook(tmp_path, "01_bad", "raise ValueError('no such model: Foo')")
    never = _notebook(tmp_path, "02_never", "print('not reached')")
    result = run_python("", tmp_path, args=[SCRIPT, str(tmp_path / "out"), str(bad), str(never)])
    assert result.returncode == 1
    assert "01_bad" in result.stdout and "failed:" in result.stdout
    assert "no such model: Foo" in result.stdout
    assert "02_never" not in result.stdout
    assert f"see {tmp_path / 'out' / '01_bad.ipynb'}" in result.stderr


def _waits_for(path: Path, then: str = "") -> str:
    """Notebook code that waits (a minute at most) until ``path`` holds "no such model"."""
    return (
        "import pathlib, time\n"
        f"path = pathlib.Path({str(path)!r})\n"
        "for _ in range(600):\n"
        "    if path.exists() and 'no such model' in path.read_text():\n"
        "        break\n"
        "    time.sleep(0.1)\n"
        "else:\n"
        "    raise TimeoutError('the other notebook never ran alongside this one')\n"
        f"{then}"
    )


@pytest.mark.slow
def test_notebooks_run_side_by_side_and_print_in_order(tmp_path: Path) -> None:
    # 01 can only end once 02 has run: one after the other, 01 would time out. 01 ends last,
    # and its line still comes first.
    flag = tmp_path / "02-ran.txt"
    first = _notebook(tmp_path, "01_waits", _waits_for(flag))
    second = _notebook(tmp_path, "02_writes", f"open({str(flag)!r}, 'w').write('no such model')")
    args = [SCRIPT, str(tmp_path / "out"), str(first), str(second), "--workers", "2"]
    result = run_python("", tmp_path, args=args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["01_waits", "02_writes"]
    assert result.stderr == ""


@pytest.mark.slow
def test_a_failure_after_a_slower_notebook_is_reported_in_order(tmp_path: Path) -> None:
    # 02 fails while 01 runs (01 waits for 02's saved error, then for the runner to see it):
    # 01's line is printed, then 02's reason, and 03 never starts.
    out = tmp_path / "out"
    slow = _notebook(tmp_path, "01_slow", _waits_for(out / "02_bad.ipynb", "time.sleep(5)\n"))
    bad = _notebook(tmp_path, "02_bad", "raise ValueError('no such model: Foo')")
    never = _notebook(tmp_path, "03_never", f"open({str(tmp_path / '03-ran')!r}, 'w')")
    args = [SCRIPT, str(out), str(slow), str(bad), str(never), "--workers", "2"]
    result = run_python("", tmp_path, args=args)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["01_slow", "02_bad"]
    assert " s  -> " in lines[0]
    assert "failed: " in lines[1] and "no such model: Foo" in lines[1]
    assert not (tmp_path / "03-ran").exists(), "a notebook after the failure was started"


def test_usage(tmp_path: Path) -> None:
    result = run_python("", tmp_path, args=[SCRIPT])
    assert result.returncode == 2
    assert "run_notebooks.py OUT" in result.stderr


@pytest.mark.parametrize("workers", ["0", "two", None])
def test_workers_must_be_a_positive_number(tmp_path: Path, workers: str | None) -> None:
    notebook = _notebook(tmp_path, "01_a", "print('a')")
    args = [SCRIPT, str(tmp_path / "out"), str(notebook), "--workers"]
    result = run_python("", tmp_path, args=args + ([workers] if workers else []))
    assert result.returncode == 2
    assert "run_notebooks.py OUT" in result.stderr
    assert not (tmp_path / "out").exists()


# Each notebook logs a run and reads back "the latest run"; 01 reads it after 02 has stored its
# own. In one shared folder 01 would read 02's run; each in its own folder, both read their own.
LATEST = """\
import time, wandb
from helpers.runs import latest_run
time.sleep({before})
run = wandb.init(mode="offline", project="iris-course", config={{"notebook": "{name}"}})
run.log({{"accuracy": 1.0}})
run.finish()
time.sleep({after})
print("latest:", latest_run()["config"]["notebook"])
"""


@pytest.mark.slow
def test_each_notebook_reads_back_its_own_latest_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _notebook(tmp_path, "01_a", LATEST.format(name="01_a", before=0, after=8))
    second = _notebook(tmp_path, "02_b", LATEST.format(name="02_b", before=3, after=0))
    args = [SCRIPT, str(out), str(first), str(second), "--workers", "2"]
    result = run_python("", tmp_path, {"WANDB_SILENT": "true"}, args=args)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("01_a", "02_b"):
        printed = nbformat.read(out / f"{name}.ipynb", as_version=4).cells[0].outputs
        assert f"latest: {name}" in "".join(o.get("text", "") for o in printed)
        assert len(list((out / name / "wandb").glob("offline-run-*"))) == 1
    table = run_python(
        "",
        tmp_path,
        args=["-m", "helpers", str(out / "01_a" / "wandb"), str(out / "02_b" / "wandb")],
    )
    assert table.returncode == 0, table.stdout + table.stderr
    assert "2 runs stored under 2 folders" in table.stdout
