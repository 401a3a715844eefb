"""Progress over simulated time: every simulated day of every replication is counted once."""

from __future__ import annotations

import io

import pytest

import sim
from sim.cli.progress import (
    SWEEP_JOBS_ENV,
    SWEEP_PARALLEL_ENV,
    LineProgress,
    job_position,
    job_progress,
    variant_words,
)
from sim.runner import simulated_days
from tests.conftest import small_config


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_simulated_day_once(workers: int) -> None:
    config = small_config(["replications=2"], size=1000, years=0.05)
    done: list[int] = []
    sim.run(config, workers=workers, progress=done.append)
    assert sum(done) == 2 * simulated_days(config) == 2 * (7 + 18)
    assert len(done) == (2 * simulated_days(config) if workers == 1 else 2)  # by day, or by replication


def test_a_job_off_a_terminal_writes_a_line_per_replication(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16 point 6: in a file or a pipe, the variant in words, "job k of n" and one line at
    each replication's end (and one when a long replication is due a line)."""
    monkeypatch.setenv(SWEEP_JOBS_ENV, "5")
    monkeypatch.setenv(SWEEP_PARALLEL_ENV, "2")
    config = small_config(["scenario=health_houses", "replications=2"], size=2000, years=0.05)
    out = io.StringIO()
    with job_progress(config, 1, ["scenario=health_houses", "services.acute_function.shifts.day.nurses=3",
                                  "population.size=2000"], stream=out) as progress:  # fmt: skip
        sim.run(config, progress=progress)
    lines = out.getvalue().splitlines()
    label = "job 2 of 5: health houses, services.acute_function.shifts.day.nurses=3"
    assert lines[0].startswith(f"{label}: 2 replication(s) of ")
    assert [line.split(" (")[0] for line in lines[1:]] == [
        f"{label}: replication 1 of 2 done", f"{label}: replication 2 of 2 done",
    ]  # fmt: skip


def test_a_long_replication_writes_a_line_when_due() -> None:
    config = sim.load_config(["population.size=2000", "years=0.05", "replications=1"])
    out = io.StringIO()
    lines = LineProgress("run", config, out, every=0.0)
    lines.update(3)
    assert out.getvalue().startswith("run: replication 1 of 1: day 3 (")
    assert variant_words(config) == "baseline" and job_position(None, None) == ""
    assert job_position(0, None) == "job 1"
