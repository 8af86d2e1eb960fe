"""The online sweep's helpers: ``with_progress`` counts ``wandb.agent``'s runs under one bar."""

from __future__ import annotations

import pytest

from helpers.sweep import with_progress


def test_with_progress_counts_every_run_and_passes_a_failure_on(capfd):
    calls = []

    def train() -> None:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("a bad run")

    counted = with_progress(train, 3, "sweep-1")
    counted()
    with pytest.raises(RuntimeError, match="a bad run"):  # wandb.agent sees it and records it
        counted()
    counted()
    assert calls == [0, 1, 2]
    err = capfd.readouterr().err  # outside a kernel the bar is tqdm's, on stderr
    assert "sweep-1" in err and "3/3" in err
