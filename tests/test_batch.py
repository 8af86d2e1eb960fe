"""Papermill batches: one command, one executed copy per value, one table of runs."""

from __future__ import annotations

from tests.conftest import ROOT, run_python

BATCH = ["-m", "helpers.batch"]


def test_a_parameter_the_notebook_does_not_declare_is_refused(offline, tmp_path):
    result = run_python(
        "", ROOT, args=[*BATCH, "03_config", "LEARNING_RATE", "0.1", "--out", str(tmp_path / "out")]
    )
    assert result.returncode == 2
    assert (
        "03_config declares no parameter 'LEARNING_RATE'; it declares: PROJECT, MODEL, MODE"
        in result.stderr
    )
    assert not (tmp_path / "out").exists()


def test_an_unknown_notebook_lists_the_known_ones(offline, tmp_path):
    result = run_python("", ROOT, args=[*BATCH, "99_nothing", "MODEL", "x"])
    assert result.returncode == 2
    assert "no notebook '99_nothing'; known: 01_login, 02_logging" in result.stderr


def test_rerun_over_values_prints_one_table_and_keeps_going_after_a_failure(offline, tmp_path):
    out = tmp_path / "out"
    result = run_python(
        "",
        ROOT,
        args=[
            *BATCH,
            "02_logging",
            "model",
            "LinearDiscriminantAnalysis",
            "SVC",
            "KNeighborsClassifier",
            "--out",
            str(out),
        ],
    )
    assert result.returncode == 1, result.stderr  # one value failed
    assert (
        "failed: MODEL='SVC': SetupError: MODEL must be one of 'LogisticRegression'"
        in result.stderr
    )
    for model in ["LinearDiscriminantAnalysis", "SVC", "KNeighborsClassifier"]:
        assert (out / f"02_logging-MODEL={model}.ipynb").is_file()
    rows = [line.split() for line in result.stdout.splitlines() if " finished " in line]
    # notebook 02 logs two runs per value: the exercise's and its iris_script.py's
    assert [(row[0], row[-4]) for row in rows] == [
        ("LinearDiscriminantAnalysis", "LinearDiscriminantAnalysis"),
        ("LinearDiscriminantAnalysis", "LinearDiscriminantAnalysis"),
        ("KNeighborsClassifier", "KNeighborsClassifier"),
        ("KNeighborsClassifier", "KNeighborsClassifier"),
    ]
