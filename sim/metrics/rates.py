"""Denominators shared by the KPI modules: person-years of the measured period, and rates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
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
