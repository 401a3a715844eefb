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

ROLES = ("gp", "nurse")
GP, NURSE = 0, 1
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

    def advance(self, weekday_of: Callable[[int], int]) -> tuple[np.ndarray, np.ndarray]:
        """Close today and open tomorrow; return (offered, used) minutes of the closed day."""
        offered = self.offered[:, :, 0].copy()
        used = offered - self.routine[:, :, 0] - self.same_day[:, :, 0]
        for arr in (self.routine, self.same_day, self.offered):
            arr[:, :, :-1] = arr[:, :, 1:]
        self.day += 1
        cap = self._capacity(weekday_of(self.day + self.horizon))
        self.offered[:, :, -1] = cap
        self.same_day[:, :, -1] = cap * self.share[:, :, 0]
        self.routine[:, :, -1] = cap - self.same_day[:, :, -1]
        return offered, np.maximum(used, 0.0)

    def today(self) -> tuple[np.ndarray, np.ndarray]:
        """(offered, used) minutes of today so far, per practice and role."""
        offered = self.offered[:, :, 0]
        return offered, np.maximum(offered - self.routine[:, :, 0] - self.same_day[:, :, 0], 0.0)

    def book(
        self, practice: np.ndarray, role: np.ndarray, minutes: np.ndarray, pool: str, last_offset: int
    ) -> np.ndarray:
        """Book requests in arrival order into days 0..``last_offset`` of ``pool``.

        Returns the day offset of each booking, or -1 where no day within reach has room.
        """
        n = len(practice)
        out = np.full(n, -1, dtype=np.int32)
        if n == 0:
            return out
        free = self.routine if pool == "routine" else self.same_day
        k = min(int(last_offset), self.horizon) + 1
        n_r = free.shape[1]
        group = practice.astype(np.int64) * n_r + role
        view = free.reshape(-1, free.shape[2])[:, :k]  # (groups, k) view into the pool
        order = np.argsort(group, kind="stable")
        g = group[order]
        m = minutes[order].astype(float)
        csum = np.cumsum(m)
        first = np.searchsorted(g, g, side="left")  # start of each request's group run
        demand = csum - np.where(first > 0, csum[first - 1], 0.0)  # within-group cumulative
        cum = np.cumsum(view, axis=1)
        big = float(cum[:, -1].max(initial=0.0) + demand.max() + 1.0)
        rows = np.unique(g)
        flat = (cum[rows] + (np.arange(len(rows)) * big)[:, None]).ravel()
        row_of = np.searchsorted(rows, g)
        pos = np.searchsorted(flat, demand - _EPS + row_of * big, side="left")
        offset = pos - row_of * k
        met = offset < k
        booked = np.zeros(len(rows))
        np.maximum.at(booked, row_of[met], demand[met])
        consumed = np.minimum(cum[rows], booked[:, None])
        used = np.diff(consumed, axis=1, prepend=0.0)
        view[rows] = np.maximum(view[rows] - used, 0.0)
        out[order[met]] = offset[met]
        return out

    def take_now(self, practice: int, role: int, minutes: float) -> bool:
        """Take ``minutes`` from today's same-day pool, then today's routine pool, if free."""
        for pool in (self.same_day, self.routine):
            if pool[practice, role, 0] + _EPS >= minutes:
                pool[practice, role, 0] = max(pool[practice, role, 0] - minutes, 0.0)
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
