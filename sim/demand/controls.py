"""Planned chronic-disease controls: who is due when, and who is overdue.

Each person with a condition that has a control (``demand.controls``) gets a due day,
first drawn uniformly over one interval (``365 / per_year`` days), then set one interval
after each control is booked. On a weekday, everyone whose control is due asks their
practice for a routine appointment. A request that finds no slot is retried after
``control_retry_days``; from its *original* due day until it is booked the control is
overdue (a retry does not reset it: the request carries the original due day as its
``need_day``, so lateness is measured from it). Which controls are complete, and so how
well each person is covered, is kept by :class:`sim.demand.chronic_care.CoverageLedger`
(``coverage``): the link from access, equipment and distance to the related acute
deteriorations. Hospital outpatient controls follow their own interval and fall on the day
they are due (whether the patient comes is the satellite service's part).

Due days live in (persons x controls) arrays; a queue of day buckets finds who is due
without scanning everyone each day, so the cost grows with the number of controls.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.config.schema import EQUIPMENT, DemandConfig
from sim.demand.chronic_care import CoverageLedger
from sim.demand.needs import Requests
from sim.population.state import Population
from sim.rng import KeyedDraws

NONE = np.iinfo(np.int32).min  # no due day, not overdue, not booked (days are negative in the warm start)
BACKLOG_DAYS = 60  # a control this many days past its original due day counts in the backlog KPI


class DueQueue:
    """Due days of (person, control) pairs, with buckets by day for quick look-up."""

    def __init__(self, n_controls: int) -> None:
        self.due = np.full((0, n_controls), NONE, np.int32)
        self._buckets: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)

    def grow(self, n: int) -> None:
        """Make room for ``n`` persons."""
        if n > len(self.due):
            pad = np.full((n - len(self.due), self.due.shape[1]), NONE, np.int32)
            self.due = np.vstack([self.due, pad])

    def set(self, person: np.ndarray, control: np.ndarray, day: np.ndarray) -> None:
        """Set the due day of each (person, control) pair."""
        day = np.rint(np.asarray(day, dtype=float)).astype(np.int32)
        if len(day) == 0:
            return
        self.due[person, control] = day
        order = np.argsort(day, kind="stable")
        days, starts = np.unique(day[order], return_index=True)
        for d, part in zip(days, np.split(order, starts[1:]), strict=True):
            self._buckets[int(d)].append((person[part], control[part]))

    def pop_due(self, day: int, alive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(person, control) pairs due by ``day`` among the living; they stay due until set anew."""
        keys = [d for d in self._buckets if d <= day]
        if not keys:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        parts = [pair for d in sorted(keys) for pair in self._buckets.pop(d)]
        person = np.concatenate([p for p, _ in parts]).astype(np.int64)
        control = np.concatenate([c for _, c in parts]).astype(np.int64)
        due = self.due[person, control]
        valid = (due != NONE) & (due <= day) & alive[person]
        # a pair set again since it was queued sits in another bucket too: keep one copy
        key = person[valid] * self.due.shape[1] + control[valid]
        _, first = np.unique(key, return_index=True)
        return person[valid][first], control[valid][first]


class ControlSchedule:
    """Controls in general practice and at hospital for every person with a chronic condition."""

    def __init__(self, cfg: DemandConfig, condition_names: tuple[str, ...]) -> None:
        self.names = tuple(cfg.controls)
        specs = tuple(cfg.controls.values())
        self.bits = np.array([condition_names.index(n) for n in self.names], dtype=np.int64)
        self.interval = np.array([DAYS_PER_YEAR / s.per_year if s.per_year > 0 else np.inf for s in specs])
        self.outpatient_interval = np.array(
            [DAYS_PER_YEAR / s.outpatient_per_year if s.outpatient_per_year > 0 else np.inf for s in specs]
        )
        self.nurse = np.array([s.nurse_eligible for s in specs], dtype=bool)
        # the equipment each control's test needs (an index into EQUIPMENT; 0: none)
        self.equipment = np.array([EQUIPMENT.index(s.equipment) for s in specs] or [0], np.int64)
        self.retry = cfg.control_retry_days
        self.nonadherent_share = cfg.control_nonadherent_share
        self.response = cfg.control_response_probability
        self.draws: KeyedDraws | None = None  # keyed uniforms for who answers a reminder
        self.practice = DueQueue(len(self.names))
        self.hospital = DueQueue(len(self.names))
        self.overdue_since = np.full((0, len(self.names)), NONE, np.int32)  # due day of an unbooked control
        self._waiting_since: dict[int, int] = {}  # original due day -> controls of the living waiting
        self.grace = cfg.overdue_grace_days
        groups = cfg.episode_groups.values()
        linked = tuple(sorted({self.names.index(g.control) for g in groups if g.control}))
        # a complete control covers the condition for its follow-up interval in general practice
        # (at hospital for a condition followed there only) plus the grace days
        cover = np.where(np.isfinite(self.interval), self.interval, self.outpatient_interval) + self.grace
        self.coverage = CoverageLedger(cfg.chronic_care, cover, linked)

    def _grow(self, n: int) -> None:
        self.practice.grow(n)
        self.hospital.grow(n)
        self.coverage.grow(n)
        if n > len(self.overdue_since):
            pad = np.full((n - len(self.overdue_since), len(self.names)), NONE, np.int32)
            self.overdue_since = np.vstack([self.overdue_since, pad])

    def enrol(
        self, pop: Population, day: int, rng: np.random.Generator, who: np.ndarray | None = None
    ) -> None:
        """Give a first due day to people in ``who`` (default: everyone alive) who have a
        condition with controls but no schedule for it yet."""
        self._grow(pop.n)
        who = np.flatnonzero(pop.alive) if who is None else who
        for k, bit in enumerate(self.bits):
            has = (pop.conditions[who] >> bit) & 1 == 1
            for queue, interval in (
                (self.practice, self.interval[k]),
                (self.hospital, self.outpatient_interval[k]),
            ):
                if not np.isfinite(interval):
                    continue
                new = who[has & (queue.due[who, k] == NONE)]
                first = day + np.floor(rng.random(len(new)) * interval)
                queue.set(new, np.full(len(new), k), first)
            # cover until the first control (in practice, else at hospital) is overdue
            new = who[has]
            first_due = self.practice.due[new, k]
            first_due = np.where(first_due == NONE, self.hospital.due[new, k], first_due)
            new, first_due = new[first_due != NONE], first_due[first_due != NONE]
            self.coverage.start(new, np.full(len(new), k), day, first_due.astype(np.int64) + self.grace)

    def requests(self, pop: Population, day: int) -> Requests:
        """Control requests of everyone alive whose control is due by ``day`` and who answers
        the reminder (a non-adherent patient who does not is reminded again after the retry days)."""
        self._grow(pop.n)
        person, control = self.practice.pop_due(day, pop.alive)
        due_day = self.practice.due[person, control]
        fresh = self.overdue_since[person, control] == NONE
        self.overdue_since[person[fresh], control[fresh]] = due_day[fresh]
        self._count_waiting(due_day[fresh], +1)
        silent = self._not_answering(person, control, day)
        if silent.any():
            self.outcome(person[silent], control[silent], np.full(int(silent.sum()), NONE), day)
            person, control = person[~silent], control[~silent]
        due_day = self.overdue_since[person, control]  # the original due day, not the retry's
        n = len(person)
        return Requests(
            day=day,
            person=person.astype(np.int32),
            band=pop.band[person],
            same_day=np.zeros(n, bool),
            channel=np.zeros(n, np.int8),  # in person
            nurse_eligible=self.nurse[control],
            need_day=due_day.astype(np.int32),
            control=control.astype(np.int8),
        )

    def _not_answering(self, person: np.ndarray, control: np.ndarray, day: int) -> np.ndarray:
        """Which due controls the patient does not answer today: keyed by person (who is
        non-adherent) and by (person, control, day), so scenarios share these draws."""
        if self.draws is None or self.nonadherent_share <= 0 or self.response >= 1:
            return np.zeros(len(person), bool)
        nonadherent = self.draws.uniform("nonadherent", person) < self.nonadherent_share
        answers = self.draws.uniform("answers", person, control, day) < self.response
        return nonadherent & ~answers

    def outcome(
        self,
        person: np.ndarray,
        control: np.ndarray,
        seen_day: np.ndarray,
        day: int,
        complete: np.ndarray | None = None,
    ) -> None:
        """Set the next control one interval after ``seen_day``; retry later where it is ``NONE``.
        Booked controls that are ``complete`` (default: all booked; not where the patient
        missed the trip for the control's test) renew the person's cover from ``day``."""
        done = seen_day != NONE
        full = done if complete is None else done & complete
        self.coverage.complete(person[full], control[full], day, seen_day[full])
        self.practice.set(person[done], control[done], seen_day[done] + self.interval[control[done]])
        since = self.overdue_since[person[done], control[done]]
        self._count_waiting(since[since != NONE], -1)
        self.overdue_since[person[done], control[done]] = NONE
        retry_day = self.practice.due[person[~done], control[~done]] + self.retry
        self.practice.set(person[~done], control[~done], retry_day)

    def waiting(self, pop: Population, day: int, late_by: tuple[int, ...]) -> tuple[int, ...]:
        """Controls of living people still waiting for a booking on ``day``: all of them, then
        those more than each of ``late_by`` days past their original due day. Read from the
        counts by original due day kept as controls are asked for, booked and their people
        leave (:meth:`forget`), not from every person's controls."""
        days = np.fromiter(self._waiting_since, np.int64, len(self._waiting_since))
        counts = np.fromiter(self._waiting_since.values(), np.int64, len(self._waiting_since))
        return (int(counts.sum()), *(int(counts[days < day - d].sum()) for d in late_by))

    def forget(self, who: np.ndarray) -> None:
        """People who died or moved away: their controls no longer wait."""
        if len(who) == 0 or len(self.overdue_since) == 0:
            return
        who = who[who < len(self.overdue_since)]
        since = self.overdue_since[who].ravel()
        self._count_waiting(since[since != NONE], -1)
        self.overdue_since[who] = NONE

    def _count_waiting(self, since: np.ndarray, sign: int) -> None:
        """Add ``sign`` to the count of waiting controls of each original due day in ``since``."""
        days, counts = np.unique(since, return_counts=True)
        for d, n in zip(days.tolist(), counts.tolist(), strict=True):
            left = self._waiting_since.get(d, 0) + sign * n
            if left:
                self._waiting_since[d] = left
            else:
                self._waiting_since.pop(d, None)

    def chronic(self, pop: Population) -> int:
        """Living people with at least one condition that has controls in general practice."""
        mask = int(np.bitwise_or.reduce(1 << self.bits[np.isfinite(self.interval)], initial=0))
        return pop.count_alive_with(mask)

    def outpatient_visits(self, pop: Population, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Hospital outpatient controls due by ``day`` (persons, control index); each falls on
        its day and the next one is set an interval later (a missed one is not rebooked: it
        only leaves the person's cover to lapse, :meth:`outpatient_attended`)."""
        self._grow(pop.n)
        person, control = self.hospital.pop_due(day, pop.alive)
        self.hospital.set(
            person, control, self.hospital.due[person, control] + self.outpatient_interval[control]
        )
        return person, control

    def outpatient_attended(self, person: np.ndarray, control: np.ndarray, day: int) -> None:
        """Outpatient controls attended on ``day``: they renew the person's cover."""
        self.coverage.complete(person, control, day, np.full(len(person), day, np.int64))
