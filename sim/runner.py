"""Running a configuration: replications (optionally in a process pool) into tidy tables.

``sim.run(config)`` is the whole simulator without Hydra: it returns the KPI and
time-series tables of every replication. Each replication is independent and seeded by
``(seed, replication)`` through named streams, so a parallel run gives exactly the same
tables as a sequential one.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from sim.calendar import DAYS_PER_YEAR
from sim.config.feasibility import check_feasible
from sim.config.schema import SimConfig
from sim.metrics import compute_kpis, compute_timeseries
from sim.metrics.periods import kpis_by_year
from sim.model import SimModel
from sim.rules.base import make_rules
from sim.services.base import plugin_params

log = logging.getLogger(__name__)

KPI_COLUMNS = ["scenario", "replication", "seed", "metric", "group", "value", "unit"]
YEAR_COLUMNS = ["scenario", "replication", "year", "metric", "group", "value", "unit"]
TS_COLUMNS = ["scenario", "replication", "day", "metric", "group", "value"]


@dataclass
class Results:
    """The tables of one run: KPIs and daily time series, long format."""

    kpis: pd.DataFrame
    timeseries: pd.DataFrame
    info: dict = field(default_factory=dict)
    # the KPIs of each measured year (year 1 = the first after warm-up) when two or more are measured
    by_year: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=YEAR_COLUMNS))


def simulated_days(config: SimConfig) -> int:
    """Days one replication simulates: warm-up and measured period."""
    return config.warmup_days + round(config.years * DAYS_PER_YEAR)


def run_replication(
    config: SimConfig, replication: int, progress: Callable[[int], None] | None = None
) -> Results:
    """Simulate replication ``replication`` of ``config`` and return its tables (``progress``
    is called with 1 after each simulated day)."""
    start = time.perf_counter()
    model = SimModel(config, replication)
    model.run(progress)
    kpis = pd.DataFrame(compute_kpis(model), columns=["metric", "group", "value", "unit"])
    kpis.insert(0, "seed", config.seed)
    kpis.insert(0, "replication", replication)
    kpis.insert(0, "scenario", config.scenario.name)
    ts = pd.DataFrame(
        compute_timeseries(model) if config.output.timeseries else [],
        columns=["day", "metric", "group", "value"],
    )
    ts.insert(0, "replication", replication)
    ts.insert(0, "scenario", config.scenario.name)
    by_year = pd.DataFrame(
        kpis_by_year(model) if model.calendar.days >= 2 * DAYS_PER_YEAR else [],
        columns=["year", "metric", "group", "value", "unit"],
    )
    by_year.insert(0, "replication", replication)
    by_year.insert(0, "scenario", config.scenario.name)
    info = {
        "replication": replication,
        "wall_seconds": round(time.perf_counter() - start, 3),
        "streams": model.streams.names,
        "episodes": len(model.recorder.episodes),
        "practices": len(model.practices),
    }
    return Results(kpis[KPI_COLUMNS], ts[TS_COLUMNS], info, by_year[YEAR_COLUMNS])


def check(config: SimConfig, warn: bool = True) -> None:
    """Validate what the dataclasses cannot check alone: rule names and parameters, and whether
    the run is feasible (population size, staffing rounding, memory); ``warn`` logs the warnings."""
    make_rules(config.rules)
    plugin_params(config.services.plugins)
    check_feasible(config, warn)


def run(
    config: SimConfig, workers: int | None = None, progress: Callable[[int], None] | None = None
) -> Results:
    """Run every replication of ``config``; ``workers`` > 1 uses a process pool.

    ``progress`` is called with the number of simulated days done, after each day when the
    replications run here and after each replication when they run in a pool; the total is
    ``replications * simulated_days(config)`` (for a progress bar).
    """
    check(config)
    workers = config.workers if workers is None else workers
    reps = range(config.replications)
    if workers > 1 and config.replications > 1:
        if multiprocessing.get_start_method(allow_none=True) not in multiprocessing.get_all_start_methods():
            # inside a joblib (loky) job the default start method is "loky", which forkserver
            # children cannot resolve: make forkserver the default of this process
            multiprocessing.set_start_method("forkserver", force=True)
        context = multiprocessing.get_context("forkserver")  # no fork of a threaded parent
        with ProcessPoolExecutor(max_workers=min(workers, config.replications), mp_context=context) as pool:
            parts = []
            for part in pool.map(run_replication, [config] * len(reps), reps):
                parts.append(part)
                if progress:
                    progress(simulated_days(config))
    else:
        parts = []
        for r in reps:
            parts.append(run_replication(config, r, progress))
            log.info("replication %d done in %.1f s", r, parts[-1].info["wall_seconds"])
    return Results(
        kpis=pd.concat([p.kpis for p in parts], ignore_index=True),
        timeseries=pd.concat([p.timeseries for p in parts], ignore_index=True),
        info={"replications": [p.info for p in parts]},
        by_year=pd.concat([p.by_year for p in parts], ignore_index=True),
    )
