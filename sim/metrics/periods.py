"""KPIs of each measured year of one replication, for stationarity checks and trends.

The KPIs of the whole run (``compute_kpis``) average over the measured period. Here the
same KPI code runs once per measured year: the model's calendar is narrowed to that year
and its population snapshots to those taken at the year's start and end (the model takes
one at the end of every measured year), then both are restored. A last part-year shorter
than ``MIN_DAYS`` is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.calendar import DAYS_PER_YEAR
from sim.metrics.kpis import compute_kpis

if TYPE_CHECKING:
    from sim.model import SimModel

MIN_DAYS = 28
# the headline KPIs (metric, group) that must stay level year after year when the population is
# held still (the baseline issue's stationarity check: tests/verification, experiments/baseline)
LEVEL_KPIS = (
    ("routine_wait_days_mean", "all"),
    ("requests_unmet", "all"),
    ("same_day_share", "all"),
    ("utilisation", "gp"),
    ("utilisation", "nurse"),
    ("avoidable_admissions_per_1000_65plus", "all"),
)
YearRow = tuple[int, str, str, float, str]  # (year, metric, group, value, unit); year 1 = first measured


def kpis_by_year(model: SimModel) -> list[YearRow]:
    """Every KPI of every measured year of a finished run (year 1 is the first after warm-up)."""
    cal, rec = model.calendar, model.recorder
    counts = rec.population_counts
    rows: list[YearRow] = []
    try:
        for k, start in enumerate(range(cal.warmup_days, cal.total_days, DAYS_PER_YEAR), start=1):
            stop = min(start + DAYS_PER_YEAR, cal.total_days)
            if stop - start < MIN_DAYS:
                break
            model.calendar = cal.window(start, stop)
            rec.population_counts = [c for c in counts if start <= c.day <= stop]
            rows += [(k, *row) for row in compute_kpis(model)]
    finally:
        model.calendar, rec.population_counts = cal, counts
    return rows
