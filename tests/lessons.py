"""The lesson table: per notebook, what it must leave, its exercise hints, its small parameters.

Every test that walks the series reads this table (the root ``conftest.py`` after nbmake, the
student-edition tests, the seats); the list of lessons comes from ``notebooks/`` itself, and
``tests/test_lessons.py`` fails when a notebook there has no entry here. Adding a notebook is
its file plus one entry below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COURSE = ("accuracy", "f1", "nll")
RUN_IS_NONE = "`run` is None: start the run with run = wandb.init(...)"


@dataclass(frozen=True)
class Lesson:
    """What one notebook must leave offline, and what its student edition says untouched."""

    runs: int  # finished runs it stores
    metrics: tuple[str, ...]  # summary metrics each run has
    config: tuple[str, ...]  # config keys each run has
    hints: tuple[str, ...]  # what each check says when its exercise is untouched, in order
    small: dict[str, Any] = field(default_factory=dict)  # parameters for slow seats


LESSONS: dict[str, Lesson] = {
    "01_login": Lesson(1, ("hello",), (), (RUN_IS_NONE,)),
    # the exercise's run and the same script run from the command line
    "02_logging": Lesson(2, (*COURSE, "fold_accuracy"), ("model",), (RUN_IS_NONE,)),
    "03_config": Lesson(
        4,
        COURSE,
        ("model",),
        (RUN_IS_NONE, "`compare_runs` is empty: append each model's run to it"),
    ),
    "04_figures": Lesson(1, (), ("model",), ("scatter was not logged as media",)),
    # the five wandb.sklearn charts, then wandb.plot's confusion matrix in a run of its own
    "05_sklearn_plots": Lesson(2, (), ("model",), (RUN_IS_NONE,)),
    "06_entities": Lesson(
        3, COURSE, ("model",), ("`class_runs` is empty: append each student's run to it",)
    ),
    "07_sweeps": Lesson(
        10,
        COURSE,
        ("model", "n_neighbors", "weights", "p"),
        (
            "metric is missing: maximize accuracy",
            "BEST is empty: set it to the best run's n_neighbors, weights, p",
            "MOST_IMPORTANT is empty: name the parameter",
        ),
        # a dead network or a refused key is about the start, not the tenth run
        small={"COUNT": 2},
    ),
}

# The lessons as they are on disk, in the order of the series.
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
NAMES = [path.stem for path in NOTEBOOK_PATHS]


def lesson(name: str) -> Lesson:
    """The entry of notebook ``name``; a notebook without one names this table."""
    if name not in LESSONS:
        raise AssertionError(f"tests/lessons.py has no entry for notebook {name}")
    return LESSONS[name]
