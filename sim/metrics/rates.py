"""Denominators shared by the KPI modules: person-years of the measured period, and rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY

if TYPE_CHECKING:
    from sim.calendar import Calendar
    from sim.world import World

PER_65 = "per 1000 aged 65+ per year"
PER_1000 = "per 1000 per year"


def person_years(world: World) -> tuple[np.ndarray, float]:
    """Person-years lived in the measured period, by age band, and in all (the mean of the
    population at the start and at the end, times the years measured)."""
    counts = world.recorder.population_counts
    first, last = counts[0], counts[-1]
    mean = (np.array(first.by_band) + np.array(last.by_band)) / 2.0
    py = mean * world.calendar.years
    return py, float(py.sum())


def rate(num: float, den: float) -> float:
    """``num / den``, NaN when the denominator is not positive."""
    return float(num / den) if den > 0 else float("nan")


def window_minutes(calendar: Calendar) -> tuple[float, float]:
    """The measured period in minutes since day 0: [end of warm-up, end of run)."""
    return calendar.warmup_days * MINUTES_PER_DAY, calendar.total_days * MINUTES_PER_DAY


def inside(t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Which times ``t`` fall in [lo, hi)."""
    return (t >= lo) & (t < hi)


def finite_mean(x: np.ndarray) -> float:
    """The mean of the finite values of ``x`` (NaN when there are none)."""
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def mean_over(daily: np.ndarray) -> float:
    """The mean of a daily series over the measured period (its one value, exactly, when it
    never changes)."""
    if len(daily) == 0:
        return float("nan")
    return float(daily[0]) if np.all(daily == daily[0]) else float(daily.mean())
