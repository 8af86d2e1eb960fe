"""The course's sweep config: read it, and refuse a config W&B would refuse, before any run.

The checks are W&B's open-source sweep engine's own (``sweeps``, installed by
``wandb[sweeps]``), plus what a sweep without a W&B server cannot do.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

# The course's one sweep config is notebooks/sweep.yaml (what `wandb sweep` is given). A checkout
# reads it in place; an installed copy (Colab) reads the one pyproject.toml ships with the package.
_SHIPPED_SWEEP = Path(__file__).with_name("course_files") / "sweep.yaml"
COURSE_SWEEP = (
    _SHIPPED_SWEEP
    if _SHIPPED_SWEEP.is_file()
    else Path(__file__).resolve().parents[1] / "notebooks" / "sweep.yaml"
)
METHODS = ("grid", "random", "bayes")


def _engine() -> Any:
    from helpers.startup import import_jsonschema  # the engine validates configs with it

    import_jsonschema()
    with warnings.catch_warnings():  # sweeps 0.2 uses pydantic v1 names: quiet its import
        warnings.simplefilter("ignore")
        import sweeps
    return sweeps


def load_sweep_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read a sweep config from YAML: the course's notebooks/sweep.yaml by default."""
    path = Path(path) if path else COURSE_SWEEP
    if not path.is_file():
        raise FileNotFoundError(f"no sweep config at {path}")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:  # one line: the file, the line and what is wrong
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValueError(f"{path}{where} is not valid YAML: {problem}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a text file") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path} does not hold a sweep config (a YAML mapping)")
    return config


def validate_sweep_config(config: dict[str, Any]) -> dict[str, Any]:
    """Refuse a config W&B would refuse, with the sweep engine's own messages, before any run."""
    if not isinstance(config, dict):
        raise ValueError("a sweep config is a dict (or YAML mapping)")
    problems: list[str] = []
    try:
        problems += _engine().schema_violations_from_proposed_config(config)
    except ValueError as exc:
        problems.append(str(exc))
    method = config.get("method")
    if method not in METHODS and not any(repr(method) in p for p in problems):
        problems.append(f"method {method!r} cannot run without a W&B server: use one of {METHODS}")
    if method == "bayes" and "metric" not in config:
        problems.append("a bayes sweep needs a metric to model")
    if not problems:  # what only the search itself checks (e.g. a float range in a grid)
        try:
            with _seeded(0, 0):  # a trial suggestion: leave the caller's generators as they were
                _engine().next_run(config, [])
        except (ValueError, KeyError, TypeError) as exc:
            problems.append(str(exc))
    if problems:
        listed = "\n".join(f"- {p}" for p in dict.fromkeys(problems))
        raise ValueError(f"the sweep config is not valid:\n{listed}")
    return config


@contextlib.contextmanager
def _seeded(seed: int | None, index: int) -> Iterator[None]:
    """Make the engine's ``index``-th suggestion reproducible, then restore the caller's state.

    The sweep engine draws from Python's ``random`` (random and grid search) and from
    numpy's global generator (bayes), so both are seeded from (seed, index).
    """
    if seed is None:
        yield
        return
    import random

    import numpy as np

    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(f"{seed}/{index}")
    np.random.seed([seed % 2**32, index])
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
