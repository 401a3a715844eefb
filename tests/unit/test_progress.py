"""Progress over simulated time: every simulated day of every replication is counted once."""

from __future__ import annotations

import pytest

import sim
from sim.runner import simulated_days
from tests.conftest import small_config


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_counts_every_simulated_day_once(workers: int) -> None:
    config = small_config(["replications=2"], size=1000, years=0.05)
    done: list[int] = []
    sim.run(config, workers=workers, progress=done.append)
    assert sum(done) == 2 * simulated_days(config) == 2 * (7 + 18)
    assert len(done) == (2 * simulated_days(config) if workers == 1 else 2)  # by day, or by replication
