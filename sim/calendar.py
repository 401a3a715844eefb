"""Simulation time: one clock in minutes (SimPy's ``env.now``), days and weekdays.

Day 0 is the first day of the warm-up. The measured period starts on day
``warmup_days``, which is 1 January of ``start_year``. A simulated year is 365 days.
Public holidays are not modelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MINUTES_PER_HOUR = 60.0
MINUTES_PER_DAY = 1440.0
DAYS_PER_YEAR = 365
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Calendar:
    """Maps simulation days to weekdays and measured years."""

    start_year: int
    warmup_days: int
    days: int  # measured days after warm-up
    epoch: int | None = None  # day of 1 January of ``start_year`` (default: ``warmup_days``)

    @property
    def first_day(self) -> int:
        """Simulation day of 1 January of ``start_year`` (weekdays and years count from it)."""
        return self.warmup_days if self.epoch is None else self.epoch

    def window(self, start: int, stop: int) -> Calendar:
        """The same calendar measuring days ``start`` to ``stop`` (exclusive) only."""
        return Calendar(self.start_year, start, stop - start, self.first_day)

    @property
    def total_days(self) -> int:
        """Days simulated in all, warm-up included."""
        return self.warmup_days + self.days

    @property
    def years(self) -> float:
        """Length of the measured period in simulated years."""
        return self.days / DAYS_PER_YEAR

    def weekday(self, day: int) -> int:
        """Weekday of simulation ``day`` (0 = Monday)."""
        first = dt.date(self.start_year, 1, 1).weekday()
        return (first + day - self.first_day) % 7

    def in_window(self, day: int) -> bool:
        """True when ``day`` lies in the measured period (after warm-up)."""
        return self.warmup_days <= day < self.total_days

    def tick_days(self) -> list[int]:
        """Days of the yearly tick: day 0, then the first day of each measured year after the first."""
        later = range(self.warmup_days + DAYS_PER_YEAR, self.total_days, DAYS_PER_YEAR)
        return [0, *later]

    def next_tick(self, day: int) -> int:
        """The day of the yearly tick after ``day`` (or the end of the run)."""
        return next((t for t in self.tick_days() if t > day), self.total_days)

    def year_of(self, day: int) -> int:
        """Calendar year that simulation ``day`` belongs to."""
        return self.start_year + (day - self.first_day) // DAYS_PER_YEAR
