"""Planned chronic-disease controls: who is due when, and who is overdue.

Each person with a condition that has a control (``demand.controls``) gets a due day,
first drawn uniformly over one interval (``365 / per_year`` days), then set one interval
after each control is booked. On a weekday, everyone whose control is due asks their
practice for a routine appointment. A request that finds no slot is retried after
``control_retry_days``; from its due day until it is booked the control is overdue, and
an overdue control raises the hazard of the related acute deteriorations (the link from
access to avoidable admissions, ``demand.overdue_hazard_ratio``).
"""

from __future__ import annotations

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.config.schema import DemandConfig
from sim.demand.needs import Requests
from sim.population.state import Population

NONE = -1


class ControlSchedule:
    """Due days of every person's controls, kept as arrays (persons x controls)."""

    def __init__(self, cfg: DemandConfig, condition_names: tuple[str, ...]) -> None:
        self.names = tuple(cfg.controls)
        self.specs = tuple(cfg.controls.values())
        self.bits = np.array([condition_names.index(n) for n in self.names], dtype=np.int64)
        self.interval = np.array(
            [DAYS_PER_YEAR / s.per_year if s.per_year > 0 else np.inf for s in self.specs]
        )
        self.outpatient_interval = np.array(
            [
                DAYS_PER_YEAR / s.outpatient_per_year if s.outpatient_per_year > 0 else np.inf
                for s in self.specs
            ]
        )
        self.nurse = np.array([s.nurse_eligible for s in self.specs], dtype=bool)
        self.retry = cfg.control_retry_days
        self.due = np.full((0, len(self.names)), NONE, np.int32)  # next due day
        self.overdue_since = np.full((0, len(self.names)), NONE, np.int32)  # due day of an unbooked control
        self.outpatient_due = np.full((0, len(self.names)), NONE, np.int32)  # next hospital control

    def _grow(self, n: int) -> None:
        if n > len(self.due):
            extra = n - len(self.due)
            pad = np.full((extra, len(self.names)), NONE, np.int32)
            self.due = np.vstack([self.due, pad])
            self.overdue_since = np.vstack([self.overdue_since, pad])
            self.outpatient_due = np.vstack([self.outpatient_due, pad])

    def enrol(
        self, pop: Population, day: int, rng: np.random.Generator, who: np.ndarray | None = None
    ) -> None:
        """Give a first due day to people in ``who`` (default: everyone alive) who have a
        condition with controls but no schedule for it yet."""
        self._grow(pop.n)
        who = np.flatnonzero(pop.alive) if who is None else who
        for k, bit in enumerate(self.bits):
            has = (pop.conditions[who] >> bit) & 1 == 1
            for due, interval in (
                (self.due, self.interval[k]),
                (self.outpatient_due, self.outpatient_interval[k]),
            ):
                if not np.isfinite(interval):
                    continue
                who_k = who[has & (due[who, k] == NONE)]
                due[who_k, k] = day + np.floor(rng.random(len(who_k)) * interval).astype(np.int32)

    def requests(self, pop: Population, day: int) -> Requests:
        """Control requests of everyone alive whose control is due by ``day``."""
        self._grow(pop.n)
        due = (self.due[: pop.n] != NONE) & (self.due[: pop.n] <= day) & pop.alive[:, None]
        person, control = np.nonzero(due)
        fresh = self.overdue_since[person, control] == NONE
        self.overdue_since[person[fresh], control[fresh]] = self.due[person[fresh], control[fresh]]
        n = len(person)
        return Requests(
            day=day,
            person=person.astype(np.int32),
            band=pop.band[person],
            same_day=np.zeros(n, bool),
            channel=np.zeros(n, np.int8),  # in person
            nurse_eligible=self.nurse[control],
            need_day=self.due[person, control].astype(np.int32),
            control=control.astype(np.int8),
        )

    def outcome(self, person: np.ndarray, control: np.ndarray, seen_day: np.ndarray) -> None:
        """Book the next control one interval after ``seen_day``; retry later where ``seen_day`` < 0."""
        done = seen_day >= 0
        interval = self.interval[control[done]]
        self.due[person[done], control[done]] = (seen_day[done] + interval).astype(np.int32)
        self.overdue_since[person[done], control[done]] = NONE
        self.due[person[~done], control[~done]] += self.retry

    def overdue_days(self, person: np.ndarray, control: int, day: int) -> np.ndarray:
        """Days by which ``control`` of each person is overdue on ``day`` (0 when not overdue)."""
        since = self.overdue_since[person, control]
        return np.where(since == NONE, 0, np.maximum(day - since, 0))

    def outpatient_visits(self, pop: Population, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Hospital outpatient controls due by ``day`` (persons, control index); each is
        attended on its day and the next one is set an interval later."""
        self._grow(pop.n)
        due = (
            (self.outpatient_due[: pop.n] != NONE)
            & (self.outpatient_due[: pop.n] <= day)
            & pop.alive[:, None]
        )
        person, control = np.nonzero(due)
        self.outpatient_due[person, control] += self.outpatient_interval[control].astype(np.int32)
        return person, control
