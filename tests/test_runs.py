"""Reading runs back with W&B's own reader: what wandb stored, not what the code meant."""

from __future__ import annotations

import json

import pytest

from helpers.run_files import run_files
from helpers.run_table import overview, runs_table
from helpers.runs import latest_run, read_run, read_runs
from tests.conftest import ROOT, run_python
from tests.run_checks import check_run

LOG_TWO_RUNS = """
import wandb
for i, model in enumerate(["LogisticRegression", "KNeighborsClassifier"]):
    run = wandb.init(project="p", group="g", job_type="train", tags=["t"], config={"model": model})
    run.log({"accuracy": 0.5 + i / 10, "f1": 0.4, "nll": 0.3})
    run.finish()
"""

CRASH = """
import wandb
run = wandb.init(project="p", config={"model": "KNeighborsClassifier"})
run.log({"accuracy": 0.9})
raise RuntimeError("boom after logging")
"""


def test_runs_are_read_back_as_wandb_stored_them(offline, tmp_path):
    result = run_python(LOG_TWO_RUNS, tmp_path)
    assert result.returncode == 0, result.stderr
    runs = read_runs(offline)
    assert [r["config"]["model"] for r in runs] == ["LogisticRegression", "KNeighborsClassifier"]
    first = runs[0]
    assert first["state"] == "finished"
    assert first["project"] == "p" and first["group"] == "g" and first["job_type"] == "train"
    assert first["tags"] == ["t"]
    assert first["summary"]["accuracy"] == pytest.approx(0.5)
    assert first["environment"]["python"].endswith(
        ".".join(map(str, __import__("sys").version_info[:3]))
    )
    assert latest_run(offline)["run_id"] == runs[-1]["run_id"]

    table = runs_table(offline, sort_by="accuracy")
    assert list(table.columns[:9]) == [
        "id",
        "name",
        "project",
        "entity",
        "group",
        "job_type",
        "tags",
        "notes",
        "state",
    ]
    assert list(table["config.model"]) == ["KNeighborsClassifier", "LogisticRegression"]
    assert list(table["accuracy"]) == pytest.approx([0.6, 0.5])


def test_reader_agrees_with_the_wandb_cli(offline, tmp_path):
    assert run_python(LOG_TWO_RUNS, tmp_path).returncode == 0
    log = run_files(offline)[0]
    cli = run_python(
        "", tmp_path, args=["-m", "wandb", "leet", "inspect", "--summary", "--json", str(log)]
    )
    assert cli.returncode == 0, cli.stderr
    ours = read_run(log)
    theirs = json.loads(cli.stdout)
    for key in ("run_id", "state", "config", "summary", "project"):
        assert ours[key] == theirs[key]


def test_a_run_that_crashed_keeps_what_it_logged(offline, tmp_path):
    result = run_python(CRASH, tmp_path)
    assert result.returncode == 1 and "boom after logging" in result.stderr
    run = latest_run(offline)
    assert run["state"] == "failed"
    assert run["summary"]["accuracy"] == pytest.approx(0.9)
    assert run["config"]["model"] == "KNeighborsClassifier"
    assert any("boom after logging" in line["line"] for line in run["console"])
    check = check_run(run, metrics=["accuracy", "nll"])
    assert not check.ok
    assert "✘ the run failed (exit code 1)" in str(check)
    assert "✘ nll was not logged" in str(check)


def test_overview_holds_the_overview_tab_facts(offline, tmp_path):
    script = tmp_path / "train.py"
    script.write_text('import wandb\nwandb.init(project="p").finish()\n')
    assert run_python("", tmp_path, args=[str(script), "--lr", "0.1"]).returncode == 0
    facts = overview(latest_run(offline))
    assert facts["python"].startswith("CPython 3.")
    assert facts["command"] == "python train.py --lr 0.1"
    assert facts["git commit"] == "(not a git repository)"


def test_missing_runs_and_bad_paths_are_explained(offline, tmp_path):
    with pytest.raises(FileNotFoundError, match="no runs stored under"):
        latest_run(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no single run-\\*.wandb log in"):
        read_run(tmp_path)
    assert runs_table(tmp_path / "empty").empty


def test_checks_name_what_is_missing():
    run = {"state": "finished", "summary": {"accuracy": 1.7, "f1": "high"}, "config": {}}
    result = check_run(run, metrics=["accuracy", "f1", "nll"], config=["model"], media=["plot"])
    text = str(result)
    assert not result.ok
    for expected in [
        "accuracy is 1.7, outside 0.0..1.0",
        "f1 was logged as str, not a number",
        "nll was not logged",
        "config has no 'model'",
        "plot was not logged as media",
    ]:
        assert f"✘ {expected}" in text
    with pytest.raises(AssertionError, match="nll was not logged"):
        result.raise_if_failed()
    assert check_run(None).skipped


def test_the_runs_table_command(offline, tmp_path):
    assert run_python(LOG_TWO_RUNS, tmp_path).returncode == 0
    result = run_python("", ROOT, args=["-m", "helpers", str(offline)])
    assert result.returncode == 0, result.stderr
    assert "2 runs stored under" in result.stdout and "KNeighborsClassifier" in result.stdout
    empty = run_python("", ROOT, args=["-m", "helpers", str(tmp_path / "none")])
    assert empty.returncode == 2 and f"no folder {tmp_path / 'none'}" in empty.stdout
    # several folders, one table; a folder with no runs among them is named on stderr
    more = tmp_path / "more"
    more.mkdir()
    assert run_python(LOG_TWO_RUNS, more, {"WANDB_DIR": str(more)}).returncode == 0
    both = [str(offline), str(more / "wandb"), str(tmp_path / "none")]
    result = run_python("", ROOT, args=["-m", "helpers", *both])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"4 runs stored under 3 folders ({offline}, ...):")
    assert f"no folder {tmp_path / 'none'}" in result.stderr
    usage = run_python("", ROOT, args=["-m", "helpers", "--all"])
    assert usage.returncode == 2 and "usage: python -m helpers [WANDB_FOLDER ...]" in usage.stdout


def test_a_corrupt_run_log_is_reported_with_the_readers_message(tmp_path):
    folder = tmp_path / "wandb" / "offline-run-20260101_000000-abc"
    folder.mkdir(parents=True)
    (folder / "run-abc.wandb").write_bytes(b"not a wandb log")
    with pytest.raises(
        RuntimeError, match="wandb leet inspect could not read .*run-abc.wandb: .*bad header"
    ):
        read_run(folder)
