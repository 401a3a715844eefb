"""The out-of-hours GP service (vagtlæge): telephone triage, clinic and home visits.

Open on weekday evenings and nights (``weekday_from`` to ``weekday_until`` the next morning)
and all weekend. Every call is triaged by telephone; some are seen at the clinic (at the
hospital site) and some at home, by a car that drives from the clinic. Three kinds of
caller share the same queues:

- acute episodes routed here by the ``escalation`` rule, each as part of its SimPy process;
- requests the own practice could not meet the same day (``escalated``), that evening;
- other out-of-hours calls of the population (``contacts_per_year`` by age band), drawn per
  day and placed in the queues in arrival order without a process of their own. Their
  clinic or home visit joins the next queue ``clinic_travel_minutes`` after the call.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import mesa
import numpy as np
import simpy

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, OohConfig
from sim.services.episode import U_TRIAGE, EpisodeState
from sim.services.queue import MINUTES_PER_WEEK, DutyHours
from sim.services.station import Station

if TYPE_CHECKING:
    from sim.model import SimModel
    from sim.population.state import Population

EPISODE, CALL, ESCALATED = 0, 1, 2  # kinds of caller in the records
ESCALATION_SPREAD_HOURS = 4.0  # unmet same-day needs call in the first hours of the evening


def ooh_hours(cfg: OohConfig, offset: float) -> DutyHours:
    """When the service is open: weekday evenings to the next morning, and all weekend."""
    if not cfg.enabled:
        return DutyHours((), (), offset)
    evening, morning = cfg.weekday_from * MINUTES_PER_HOUR, cfg.weekday_until * MINUTES_PER_HOUR
    spans = [(d * MINUTES_PER_DAY + evening, (d + 1) * MINUTES_PER_DAY + morning) for d in range(4)]
    spans.append((4 * MINUTES_PER_DAY + evening, 7 * MINUTES_PER_DAY + morning))  # Friday to Monday
    return DutyHours.merged(spans, offset)


class OutOfHours(mesa.Agent):
    """The out-of-hours GP service of the area, with its three queues."""

    def __init__(self, model: SimModel, cfg: OohConfig, site: tuple[float, float], offset: float) -> None:
        super().__init__(model)
        self.cfg = cfg
        self.site = site
        self.hours = ooh_hours(cfg, offset)
        env, streams, k = model.env, model.streams, model.capacity_scale
        self.triage = Station(env, "ooh_triage", cfg.triage, streams("ooh.triage"), self.hours, k)
        self.clinic = Station(env, "ooh_clinic", cfg.clinic, streams("ooh.clinic"), self.hours, k)
        self.cars = Station(env, "ooh_home", cfg.home_visit, streams("ooh.home_visit"), self.hours, k)

    def is_open(self, t: float) -> bool:
        """True when the service takes calls at time ``t``."""
        return self.cfg.enabled and self.hours.on_duty(t)

    def travel_minutes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """One-way driving minutes from the clinic to homes at (x, y)."""
        return np.hypot(x - self.site[0], y - self.site[1]) / self.cfg.speed_kmh * MINUTES_PER_HOUR

    # ------------------------------------------------------------------ episodes
    def consult(self, ep: EpisodeState, frail: bool) -> Generator[simpy.Event, None, bool]:
        """SimPy process body: triage, then a home visit or a clinic consultation of ``ep``.
        Returns False when the service closed before a GP could see the patient (triaged just
        before 08:00 on a weekday): the patient then turns to the day services."""
        env = self.model.env
        k, start = self.triage.queue.assign(env.now, self.triage.draw(), EPISODE, ep.person)
        yield env.timeout(self.triage.queue.end[k] - env.now)
        share = self.cfg.home_visit_share_frail if frail else self.cfg.home_visit_share
        if ep.u[U_TRIAGE] < share:
            if not self.is_open(env.now):
                return False
            pop = self.model.population
            travel = float(self.travel_minutes(pop.x[ep.person], pop.y[ep.person]))
            _, start = self.cars.queue.assign(env.now, 2 * travel + self.cars.draw(), EPISODE, ep.person)
            yield env.timeout(start + travel - env.now)
            return True
        if not self.is_open(env.now + self.cfg.clinic_travel_minutes):
            return False
        yield env.timeout(self.cfg.clinic_travel_minutes)
        k, start = self.clinic.queue.assign(env.now, self.clinic.draw(), EPISODE, ep.person)
        yield env.timeout(start - env.now)
        return True

    # ------------------------------------------------------------------ other calls
    def add_day(self, day: int, pop: Population, escalated: np.ndarray, rng: np.random.Generator) -> None:
        """Place the day's other calls and this evening's calls of unmet same-day requests."""
        if not self.cfg.enabled:
            return
        t0 = day * MINUTES_PER_DAY
        spans = self._open_spans(t0, t0 + MINUTES_PER_DAY)
        open_minutes = sum(b - a for a, b in spans)
        persons = []
        if open_minutes > 0:
            by_band = pop.alive_by_band()
            share_of_week = open_minutes / self._open_minutes_per_day()
            for b, band in enumerate(AGE_BANDS):
                rate = self.cfg.contacts_per_year.get(band, 0.0) / DAYS_PER_YEAR * share_of_week
                n = int(rng.poisson(rate * len(by_band[b]))) if rate > 0 else 0
                persons.append(
                    by_band[b][rng.integers(0, len(by_band[b]), n)] if n else np.empty(0, np.int64)
                )
        calls = np.concatenate(persons) if persons else np.empty(0, np.int64)
        times = self._uniform_in(spans, len(calls), rng)
        self._place(times, calls, rng.random(len(calls)), CALL, pop)
        evening = t0 + self.cfg.weekday_from * MINUTES_PER_HOUR
        when = evening + rng.random(len(escalated)) * ESCALATION_SPREAD_HOURS * MINUTES_PER_HOUR
        self._place(when, escalated, rng.random(len(escalated)), ESCALATED, pop)

    def _place(
        self, times: np.ndarray, persons: np.ndarray, u: np.ndarray, kind: int, pop: Population
    ) -> None:
        if len(times) == 0:
            return
        n = len(times)
        self.triage.queue.schedule_many(times, self.triage.draw_many(n), kind, persons)
        clinic = u < self.cfg.clinic_share
        home = (u >= self.cfg.clinic_share) & (u < self.cfg.clinic_share + self.cfg.home_visit_share)
        later = times + self.cfg.clinic_travel_minutes
        self.clinic.queue.schedule_many(
            later[clinic], self.clinic.draw_many(int(clinic.sum())), kind, persons[clinic]
        )
        who = persons[home]
        travel = self.travel_minutes(pop.x[who], pop.y[who])
        visit = 2 * travel + self.cars.draw_many(len(who))
        self.cars.queue.schedule_many(later[home], visit, kind, who)

    def _open_spans(self, lo: float, hi: float) -> list[tuple[float, float]]:
        """Open intervals within one day [lo, hi) (a day never crosses the week's end)."""
        x0 = (lo + self.hours.offset) % MINUTES_PER_WEEK
        x1 = x0 + (hi - lo)
        return [
            (lo + max(a, x0) - x0, lo + min(b, x1) - x0)
            for a, b in zip(self.hours.starts, self.hours.ends, strict=True)
            if a < x1 and b > x0
        ]

    def _open_minutes_per_day(self) -> float:
        return sum(b - a for a, b in zip(self.hours.starts, self.hours.ends, strict=True)) / 7

    @staticmethod
    def _uniform_in(spans: list[tuple[float, float]], n: int, rng: np.random.Generator) -> np.ndarray:
        if n == 0 or not spans:
            return np.empty(0)
        lengths = np.array([b - a for a, b in spans])
        cum = np.concatenate([[0.0], np.cumsum(lengths)])
        x = np.sort(rng.random(n) * cum[-1])
        i = np.searchsorted(cum, x, side="right") - 1
        return np.array([a for a, _ in spans])[i] + (x - cum[i])
