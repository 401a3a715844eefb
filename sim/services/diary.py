"""Appointment diaries of all practices, held as arrays and booked in daily batches.

For every practice ``p`` and role ``r`` (0 = GP, 1 = nurse) the diary holds the free
clinician minutes of today and the next ``horizon`` days, in two pools: a same-day pool
(the carve-out kept for needs that must be seen today) and a routine pool.

Booking is first-come-first-served in *minutes* ("fluid" FIFO): within one practice and
role, requests fill the earliest free minutes in arrival order, and a request is booked
on the day on which its last minute falls. All practices are booked at once with one
sorted search, so a day's batch costs O(requests x log) whatever the number of
practices. Used minutes never exceed the minutes on offer, so utilisation is at most 1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config.organisation import GP, NURSE, ROLES  # noqa: F401 - ROLES, NURSE re-exported

MAX_UNITS = 8  # named GPs a practice's diary distinguishes (more GPs share these)
_EPS = 1e-9


class Diaries:
    """Free minutes per (practice, role, day offset) and the day-by-day bookkeeping."""

    def __init__(self, weekly_capacity: np.ndarray, same_day_share: np.ndarray, horizon: int) -> None:
        """``weekly_capacity[p, r, w]``: minutes on weekday ``w``; ``same_day_share[p]``."""
        self.weekly = np.asarray(weekly_capacity, dtype=float)
        self.share = np.asarray(same_day_share, dtype=float)[:, None, None]
        self.horizon = int(horizon)
        n_p, n_r, _ = self.weekly.shape
        self.routine = np.zeros((n_p, n_r, self.horizon + 1))
        self.same_day = np.zeros((n_p, n_r, self.horizon + 1))
        self.offered = np.zeros((n_p, n_r, self.horizon + 1))
        self.day = -1
        self.closed = np.zeros(n_p, dtype=bool)  # practices that have stopped
        # routine GP minutes split between named GPs (for continuity); they add up to the pool
        self.unit_share = np.zeros((n_p, MAX_UNITS))
        self.unit_share[:, 0] = 1.0
        self.units = np.zeros((n_p, MAX_UNITS, self.horizon + 1))

    @property
    def n_practices(self) -> int:
        """Number of practices with a diary."""
        return self.weekly.shape[0]

    def _capacity(self, weekday: int) -> np.ndarray:
        cap = self.weekly[:, :, weekday].copy()
        cap[self.closed] = 0.0
        return cap

    def start(self, day: int, weekday_of: Callable[[int], int]) -> None:
        """Open the diaries on ``day``: fill today and the next ``horizon`` days."""
        self.day = day
        for k in range(self.horizon + 1):
            cap = self._capacity(weekday_of(day + k))
            self.offered[:, :, k] = cap
            self.same_day[:, :, k] = cap * self.share[:, :, 0]
            self.routine[:, :, k] = cap - self.same_day[:, :, k]
            self._fill_units(k)

    def advance(self, weekday_of: Callable[[int], int]) -> tuple[np.ndarray, np.ndarray]:
        """Close today and open tomorrow; return (offered, used) minutes of the closed day."""
        offered = self.offered[:, :, 0].copy()
        used = offered - self.routine[:, :, 0] - self.same_day[:, :, 0]
        for arr in (self.routine, self.same_day, self.offered, self.units):
            arr[:, :, :-1] = arr[:, :, 1:]
        self.day += 1
        cap = self._capacity(weekday_of(self.day + self.horizon))
        self.offered[:, :, -1] = cap
        self.same_day[:, :, -1] = cap * self.share[:, :, 0]
        self.routine[:, :, -1] = cap - self.same_day[:, :, -1]
        self._fill_units(self.horizon)
        return offered, np.maximum(used, 0.0)

    def today(self) -> tuple[np.ndarray, np.ndarray]:
        """(offered, used) minutes of today so far, per practice and role."""
        offered = self.offered[:, :, 0]
        return offered, np.maximum(offered - self.routine[:, :, 0] - self.same_day[:, :, 0], 0.0)

    def book(
        self, practice: np.ndarray, role: np.ndarray, minutes: np.ndarray, pool: str, last_offset: int
    ) -> np.ndarray:
        """Book requests in arrival order into days 0..``last_offset`` of ``pool`` (pooled over
        the practice's clinicians of ``role``).

        Returns the day offset of each booking, or -1 where no day within reach has room.
        Strictly first come, first served: a request that does not fit also holds back the
        later (smaller) requests of the same practice and role that day.
        """
        free = self.routine if pool == "routine" else self.same_day
        group = practice.astype(np.int64) * free.shape[1] + role
        offset, rows, used = _fifo(free.reshape(-1, free.shape[2]), group, minutes, last_offset, self.horizon)
        if pool == "routine" and len(rows):
            gp = rows % free.shape[1] == GP
            self._spread_over_units(rows[gp] // free.shape[1], used[gp])
        return offset

    def book_named(
        self, practice: np.ndarray, unit: np.ndarray, minutes: np.ndarray, last_offset: int
    ) -> np.ndarray:
        """Book routine GP requests with a named GP (``unit`` of the practice), first come first
        served; -1 where that GP has no time within reach."""
        group = practice.astype(np.int64) * self.units.shape[1] + unit
        flat_units = self.units.reshape(-1, self.units.shape[2])
        offset, rows, used = _fifo(flat_units, group, minutes, last_offset, self.horizon)
        if len(rows):
            p = rows // self.units.shape[1]
            np.subtract.at(self.routine[:, GP, : used.shape[1]], p, used)
            np.maximum(self.routine, 0.0, out=self.routine)
        return offset

    def refresh(self, practice: int, weekday_of: Callable[[int], int]) -> None:
        """Apply a change of the practice's staff or status (``weekly``, ``closed``, named GPs) to
        the days already open: what is booked stays booked, the free time follows the new capacity."""
        for k in range(self.horizon + 1):
            cap = 0.0 if self.closed[practice] else self.weekly[practice, :, weekday_of(self.day + k)]
            offered = self.offered[practice, :, k]
            share = self.share[practice, 0, 0]
            booked_same = np.maximum(offered * share - self.same_day[practice, :, k], 0.0)
            booked_routine = np.maximum(offered * (1 - share) - self.routine[practice, :, k], 0.0)
            self.same_day[practice, :, k] = np.maximum(cap * share - booked_same, 0.0)
            self.routine[practice, :, k] = np.maximum(cap * (1 - share) - booked_routine, 0.0)
            self.offered[practice, :, k] = np.maximum(cap, booked_same + booked_routine)
            self.units[practice, :, k] = self.unit_share[practice] * self.routine[practice, GP, k]

    def set_units(self, practice: int, n_gps: int) -> None:
        """Split the practice's routine GP time between ``n_gps`` named GPs (at most ``MAX_UNITS``)
        from the next day opened on."""
        n = int(min(max(n_gps, 1), self.units.shape[1]))
        self.unit_share[practice] = 0.0
        self.unit_share[practice, :n] = 1.0 / n

    def n_units(self) -> np.ndarray:
        """Number of named GPs per practice."""
        return np.count_nonzero(self.unit_share, axis=1)

    def _fill_units(self, k: int) -> None:
        self.units[:, :, k] = self.unit_share * self.routine[:, GP, k][:, None]

    def _spread_over_units(self, practice: np.ndarray, used: np.ndarray) -> None:
        """Take pooled routine GP minutes ``used`` (rows, days) from the named GPs in proportion
        to their free time, so the units always add up to the pool."""
        k = used.shape[1]
        free = self.units[practice, :, :k]
        total = free.sum(axis=1, keepdims=True)
        share = np.divide(free, total, out=np.zeros_like(free), where=total > 0)
        self.units[practice, :, :k] = np.maximum(free - share * used[:, None, :], 0.0)

    def free_now(self, practice: int, role: int, minutes: float) -> bool:
        """Whether ``minutes`` are free today in the same-day pool or the routine pool (nothing taken)."""
        return any(pool[practice, role, 0] + _EPS >= minutes for pool in (self.same_day, self.routine))

    def take_now(self, practice: int, role: int, minutes: float) -> bool:
        """Take ``minutes`` from today's same-day pool, then today's routine pool, if free."""
        for pool in (self.same_day, self.routine):
            if pool[practice, role, 0] + _EPS >= minutes:
                pool[practice, role, 0] = max(pool[practice, role, 0] - minutes, 0.0)
                if pool is self.routine and role == GP:
                    self._spread_over_units(np.array([practice]), np.array([[minutes]]))
                return True
        return False

    def days_to_nth_free(self, minutes: float, n: int = 3) -> np.ndarray:
        """Per practice: day offset by which ``n`` routine GP contacts of ``minutes`` fit.

        ``horizon + 1`` means not within the booking horizon (censored).
        """
        cum = np.cumsum(self.routine[:, GP, :], axis=1)
        need = n * minutes - _EPS
        within = cum >= need
        return np.where(within.any(axis=1), within.argmax(axis=1), self.horizon + 1)


def _fifo(
    pool: np.ndarray, group: np.ndarray, minutes: np.ndarray, last_offset: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fluid first-come-first-served booking of requests (by ``group``, a row of ``pool``) into
    days 0..``last_offset``; updates ``pool`` and returns (offset per request or -1, rows touched,
    minutes used per row and day)."""
    n = len(group)
    out = np.full(n, -1, dtype=np.int32)
    k = min(int(last_offset), horizon) + 1
    if n == 0:
        return out, np.empty(0, np.int64), np.zeros((0, k))
    view = pool[:, :k]
    # rows of the pool fit in 16 bits for any real region: NumPy's stable sort is then a radix
    # sort, O(n) (the same order as sorting the wider integers)
    narrow = group.astype(np.int16) if len(pool) < np.iinfo(np.int16).max else group
    order = np.argsort(narrow, kind="stable")
    g = group[order]
    m = minutes[order].astype(float)
    csum = np.cumsum(m)
    # runs of equal groups in the sorted order (no second sort, no search)
    new_run = np.empty(n, bool)
    new_run[0] = True
    np.not_equal(g[1:], g[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    row_of = np.cumsum(new_run) - 1  # each request's run: its row among ``rows``
    rows = g[starts]
    first = starts[row_of]  # start of each request's group run
    demand = csum - np.where(first > 0, csum[first - 1], 0.0)  # within-group cumulative
    cum = np.cumsum(view, axis=1)
    big = float(cum[:, -1].max(initial=0.0) + demand.max() + 1.0)
    flat = (cum[rows] + (np.arange(len(rows)) * big)[:, None]).ravel()
    pos = np.searchsorted(flat, demand - _EPS + row_of * big, side="left")
    offset = pos - row_of * k
    met = offset < k
    booked = np.zeros(len(rows))
    np.maximum.at(booked, row_of[met], demand[met])
    consumed = np.minimum(cum[rows], booked[:, None])
    used = np.diff(consumed, axis=1, prepend=0.0)
    view[rows] = np.maximum(view[rows] - used, 0.0)
    out[order[met]] = offset[met]
    return out, rows, used
