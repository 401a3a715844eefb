"""Chronic care as a mechanism: how well each person's chronic controls are kept, and its hazard link.

A person with a chronic condition that has controls (``demand.controls``) is *covered* for it
on a day when their last complete control was at most ``cover_days`` ago: the control's
interval in general practice (the condition's follow-up interval; the outpatient interval for
a condition followed at hospital only) plus ``demand.overdue_grace_days``, whichever kind of
control it was. A control is complete when

- it was booked in general practice (by a GP or a nurse: delegation keeps the effect) and,
  where it needs a test the practice cannot do (spirometry, ECG, blood: the control's
  ``equipment``), the patient made the trip to the nearer of hospital and satellite for it
  (:class:`sim.config.services.OutpatientConfig`, ``services.equipment_trip``: attendance
  falls with distance; a missed test is not chased, the next control falls due an interval
  later), or
- it was a hospital outpatient control the patient attended (at the hospital or a satellite
  clinic, ``services.outpatient``).

A person's *coverage* of a control is the share of the last ``window_days`` they were
covered, days weighted by ``exp(-age / window_days)`` (an exponential moving average of the
daily covered indicator, kept exactly from the day it was last settled and the day cover
runs out). The hazard of every deterioration the control prevents (episode groups naming it
in ``control``) is multiplied by ``exp(-hazard_coefficient x (coverage - reference_coverage))``:
a dose-response of chronic-care activity on preventable admissions (Danish practices with
high chronic-care procedures IRR 0.914, evidence.md section 3), replacing a single
overdue-or-not ratio. A newly enrolled person starts at ``reference_coverage``, covered until
their first control is overdue, and drifts from there as their controls are kept or missed.
"""

from __future__ import annotations

import numpy as np

from sim.config.people import ChronicCareConfig

NEVER = np.iinfo(np.int32).min  # not enrolled for the control


class CoverageLedger:
    """Per (person, control) of the controls some deterioration depends on (``linked``):
    coverage as settled on a day, that day, and the day cover runs out (covered on day ``s``
    when ``s < until``). Other controls are not kept (they change no hazard). Rows exist only
    for people enrolled for a kept control (``row`` maps a person to theirs, -1: none), so the
    ledger costs memory in proportion to the chronically ill, not to the population."""

    def __init__(self, cfg: ChronicCareConfig, cover_days: np.ndarray, linked: tuple[int, ...]) -> None:
        self.cfg = cfg
        self.linked = linked
        self.column = np.full(len(cover_days), -1, np.int64)  # control index -> column (-1: not kept)
        self.column[list(linked)] = np.arange(len(linked))
        self.cover_days = np.floor(np.asarray(cover_days, float)[list(linked)])
        self.row = np.full(0, -1, np.int32)  # per person: their row, -1 without one
        self.rows = 0  # rows in use
        self._alloc(0)

    def _alloc(self, capacity: int) -> None:
        """Room for ``capacity`` rows (the used rows kept)."""
        k = len(self.linked)
        value = np.zeros((capacity, k), np.float32)
        day = np.full((capacity, k), NEVER, np.int32)
        until = np.full((capacity, k), NEVER, np.int32)
        owner = np.full(capacity, -1, np.int32)
        if self.rows:
            value[: self.rows], day[: self.rows] = self.value[: self.rows], self.day[: self.rows]
            until[: self.rows], owner[: self.rows] = self.until[: self.rows], self.owner[: self.rows]
        self.value, self.day, self.until, self.owner = value, day, until, owner

    @property
    def acts(self) -> bool:
        """Whether coverage changes any hazard (a coefficient above 0)."""
        return self.cfg.hazard_coefficient > 0

    def grow(self, n: int) -> None:
        """Make room for ``n`` persons (newcomers have no row)."""
        extra = n - len(self.row)
        if extra > 0:
            self.row = np.concatenate([self.row, np.full(extra, -1, np.int32)])

    def _rows_of(self, person: np.ndarray) -> np.ndarray:
        """Each person's row (-1: none, also for persons beyond the ledger)."""
        person = np.asarray(person, np.int64)
        out = np.full(len(person), -1, np.int64)
        known = (person >= 0) & (person < len(self.row))
        out[known] = self.row[person[known]]
        return out

    def _kept(self, person: np.ndarray, control: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(which pairs are kept, their persons, their columns)."""
        col = self.column[np.asarray(control, np.int64)]
        kept = col >= 0
        return kept, np.asarray(person, np.int64)[kept], col[kept]

    def start(self, person: np.ndarray, control: np.ndarray, day: int, until: np.ndarray) -> None:
        """Enrol (person, control) pairs not yet enrolled on ``day`` at the reference coverage,
        covered until ``until`` (their first control's due day plus the grace days)."""
        kept, person, col = self._kept(person, control)
        if len(person) == 0:
            return
        self.grow(int(person.max()) + 1)
        new_people = np.unique(person[self.row[person] < 0])
        if len(new_people):
            need = self.rows + len(new_people)
            if need > len(self.value):  # grown by half again, not row by row
                self._alloc(max(need, len(self.value) * 3 // 2))
            self.row[new_people] = np.arange(self.rows, need, dtype=np.int32)
            self.owner[self.rows : need] = new_people
            self.rows = need
        r = self.row[person].astype(np.int64)
        new = self.day[r, col] == NEVER
        r, col, until = r[new], col[new], np.asarray(until)[kept][new]
        self.value[r, col] = self.cfg.reference_coverage
        self.day[r, col] = day
        self.until[r, col] = until

    def _coverage(self, rows: np.ndarray, col: np.ndarray | int, day: int) -> np.ndarray:
        """Coverage on ``day`` of each (row, column) pair (the reference for row -1 or a pair
        not enrolled)."""
        out = np.full(len(rows), self.cfg.reference_coverage)
        known = np.flatnonzero(rows >= 0)
        r = rows[known]
        c = col if np.isscalar(col) else np.asarray(col)[known]
        since = self.day[r, c].astype(np.int64)
        mine = since != NEVER
        out[known[mine]] = _settle(
            self.value[r, c][mine], since[mine], self.until[r, c][mine], day, self.cfg.window_days
        )
        return out

    def coverage(self, person: np.ndarray, control: int, day: int) -> np.ndarray:
        """Coverage of ``control`` of each person on ``day`` (the reference where not enrolled)."""
        col = int(self.column[control])
        if col < 0:
            raise ValueError(f"control {control} is not kept (no deterioration depends on it)")
        return self._coverage(self._rows_of(person), col, day)

    def complete(self, person: np.ndarray, control: np.ndarray, day: int, done_day: np.ndarray) -> None:
        """Complete controls booked on ``day`` for ``done_day``: coverage is settled on ``day``
        and cover runs to ``done_day`` plus the control's cover days (counted from the booking,
        as the visit follows within days of it). Pairs not enrolled or not kept are skipped."""
        kept, person, col = self._kept(person, control)
        if len(person) == 0:
            return
        done_day = np.asarray(done_day, np.int64)[kept]
        r = self._rows_of(person)
        mine = r >= 0
        mine[mine] = self.day[r[mine], col[mine]] != NEVER
        r, col, done_day = r[mine], col[mine], done_day[mine]
        self.value[r, col] = self._coverage(r, col, day)
        self.day[r, col] = day
        end = np.minimum(done_day + self.cover_days[col].astype(np.int64), np.iinfo(np.int32).max)
        np.maximum.at(self.until, (r, col), end.astype(np.int32))

    def hazard_ratio(self, person: np.ndarray, control: int, day: int) -> np.ndarray:
        """Multiplier of the hazards ``control`` prevents, for each person on ``day``."""
        cfg = self.cfg
        gap = self.coverage(person, control, day) - cfg.reference_coverage
        return np.exp(-cfg.hazard_coefficient * gap)

    def ceiling(self) -> float:
        """The highest multiplier a person can have (coverage 0)."""
        return float(np.exp(self.cfg.hazard_coefficient * self.cfg.reference_coverage))

    def until_of(self, person: int, control: int) -> int:
        """The day ``person``'s cover of ``control`` runs out (``NEVER``: not enrolled); a
        control that is not kept is refused."""
        col = int(self.column[control])
        if col < 0:
            raise ValueError(f"control {control} is not kept (no deterioration depends on it)")
        r = self._rows_of(np.array([person]))[0]
        return int(self.until[r, col]) if r >= 0 else NEVER

    def at_end(self, n: int, day: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """(enrolled persons among the first ``n``, in ascending order, their coverage on
        ``day``) of each kept control, by control index, for the KPIs."""
        self.grow(n)
        persons = np.flatnonzero(self.row[:n] >= 0)
        rows = self.row[persons].astype(np.int64)
        out = {}
        for k, col in zip(self.linked, range(len(self.linked)), strict=True):
            mine = self.day[rows, col] != NEVER
            out[k] = (persons[mine], self._coverage(rows[mine], col, day))
        return out


def _settle(value: np.ndarray, since: np.ndarray, until: np.ndarray, day: int, window: float) -> np.ndarray:
    """Coverage on ``day`` from its value on ``since`` and the days ``[since, day)`` covered
    (those before ``until``): each day adds its indicator with weight ``1/window``, decayed
    continuously, ``c(day) = c(since) e^(-(day-since)/w) + e^(-(day-min(day,until))/w) - e^(-(day-since)/w)``
    where cover lasted past ``since``."""
    age = np.maximum(day - since, 0)
    old = np.exp(-age / window)
    end = np.clip(until, since, day)
    covered = np.exp(-(day - end) / window) - old
    return value * old + np.maximum(covered, 0.0)
