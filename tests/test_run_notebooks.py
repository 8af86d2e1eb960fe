"""scripts/run_notebooks.py (``make run``): one line per notebook, and nothing else."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

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


def test_usage(tmp_path: Path) -> None:
    result = run_python("", tmp_path, args=[SCRIPT])
    assert result.returncode == 2
    assert "run_notebooks.py OUT" in result.stderr
