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

The background calls and the escalated ones draw from separate streams (``demand.ooh`` and
``demand.escalated``), each call's draws keyed by the caller and the day, and episodes bring
their own service-time draws: a background call is the same (person, time, service times)
in every scenario with the same opening hours, whatever happens to the other callers.
"""

from __future__ import annotations

from collections.abc import Generator
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, OohConfig
from sim.metrics.rates import PER_1000, finite_mean, inside, person_years, rate, window_minutes
from sim.rng import KeyedDraws, expand
from sim.rules.escalation import OOH, PRACTICE
from sim.services.base import Row, Service, register_service
from sim.services.episode import EpisodeState
from sim.services.general_practice import treated_by_gp
from sim.services.queue import MINUTES_PER_WEEK, DutyHours
from sim.services.sites import hospital_site, week_offset
from sim.services.station import Station

if TYPE_CHECKING:
    from sim.population.state import Population
    from sim.world import World

EPISODE, CALL, ESCALATED = 0, 1, 2  # kinds of caller in the records
# The named draws of a call that is not an episode: its time, where it is seen (clinic, home
# or the telephone only) and the service times of triage, clinic and home visit.
CALL_DRAWS = ("time", "where", "triage", "clinic", "home")
ESCALATION_SPREAD_HOURS = 4.0  # unmet same-day needs call in the first hours of the evening


def ooh_hours(cfg: OohConfig, offset: float) -> DutyHours:
    """When the service is open: weekday evenings to the next morning, and all weekend."""
    if not cfg.enabled:
        return DutyHours((), (), offset)
    evening, morning = cfg.weekday_from * MINUTES_PER_HOUR, cfg.weekday_until * MINUTES_PER_HOUR
    spans = [(d * MINUTES_PER_DAY + evening, (d + 1) * MINUTES_PER_DAY + morning) for d in range(4)]
    spans.append((4 * MINUTES_PER_DAY + evening, 7 * MINUTES_PER_DAY + morning))  # Friday to Monday
    return DutyHours.merged(spans, offset)


@register_service
class OutOfHours(Service):
    """The out-of-hours GP service of the area, with its three queues."""

    route = OOH
    name, core = "out_of_hours", True
    draws = ("ooh_triage", "triage", "ooh_home", "ooh_clinic", "treat")  # treat: see treated_by_gp
    cost_component = "out_of_hours"

    @classmethod
    def from_config(cls, world: World) -> OutOfHours:
        """At the hospital site, open by ``services.ooh``."""
        return cls(world, world.config.services.ooh, hospital_site(world), week_offset(world))

    def __init__(self, world: World, cfg: OohConfig, site: tuple[float, float], offset: float) -> None:
        super().__init__(world)
        self.cfg = cfg
        self.site = site
        self.hours = ooh_hours(cfg, offset)
        env, streams, k = world.env, world.streams, world.capacity_scale
        self.triage = Station(env, "ooh_triage", cfg.triage, streams("ooh.triage"), self.hours, k)
        self.clinic = Station(env, "ooh_clinic", cfg.clinic, streams("ooh.clinic"), self.hours, k)
        self.cars = Station(env, "ooh_home", cfg.home_visit, streams("ooh.home_visit"), self.hours, k)

    # ------------------------------------------------------------------ records, KPIs, cost
    def finish(self) -> None:
        """Serve every call that arrived before the end and keep the queues' records: ``all``
        (every call's triage), ``clinic`` and ``home_visit``."""
        now = self.world.env.now
        stations = {"all": self.triage, "clinic": self.clinic, "home_visit": self.cars}
        for station in stations.values():
            station.queue.flush(now)
        self.final = {name: station.records() for name, station in stations.items()}

    def kpis(self) -> list[Row]:
        """Contacts per 1000 a year (all, telephone only, clinic, home visit) and the mean wait
        for telephone triage, of calls in the measured period."""
        lo, hi = window_minutes(self.world.calendar)
        _, py = person_years(self.world)
        counts = {name: int(inside(rec["arrive"], lo, hi).sum()) for name, rec in self.final.items()}
        counts["phone"] = counts["all"] - counts["clinic"] - counts["home_visit"]
        rows = [
            ("ooh_contacts_per_1000", name, 1000.0 * rate(counts[name], py), PER_1000)
            for name in ("all", "phone", "clinic", "home_visit")
        ]
        triage = self.final["all"]
        called = inside(triage["arrive"], lo, hi)
        wait = finite_mean((triage["start"] - triage["arrive"])[called])
        rows.append(("ooh_wait_minutes_mean", "all", wait, "minutes"))
        rows.append(("ooh_hospital_contact_share", "all", self.hospital_contact_share(lo, hi, counts["all"]),
                     "share of out-of-hours contacts"))  # fmt: skip
        return rows

    def hospital_contact_share(self, lo: float, hi: float, calls: int) -> float:
        """Share of the out-of-hours contacts of the measured period after which the patient
        went on to the emergency department: episodes the out-of-hours GP saw and sent on (their
        path passes ``ooh`` to a service other than the own practice, which means the service
        closed first) and that reached the ED, with onset in the period, over all calls."""
        ep = self.world.recorder.episode_table()
        if len(ep["path"]) == 0:
            return rate(0, calls)
        passed = np.array([_sent_on_from_ooh(p) for p in ep["path"]], bool)
        to_ed = passed & (ep["ed_visit"] >= 0) & inside(ep["onset"], lo, hi)
        return rate(int(to_ed.sum()), calls)

    def cost(self) -> float:
        """Calls in the measured period times the price of a contact."""
        lo, hi = window_minutes(self.world.calendar)
        calls = inside(self.final["all"]["arrive"], lo, hi).sum()
        return calls * self.world.config.services.costs.ooh_per_contact

    def step(self, day: int) -> None:
        """Place the day's other out-of-hours calls of the population (stream ``demand.ooh``)."""
        world = self.world
        self.add_day(day, world.population, world.streams.keyed("demand.ooh"))

    def is_open(self, t: float) -> bool:
        """True when the service takes calls at time ``t``."""
        return self.cfg.enabled and self.hours.on_duty(t)

    def travel_minutes(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """One-way driving minutes from the clinic to homes at (x, y)."""
        return np.hypot(x - self.site[0], y - self.site[1]) / self.cfg.speed_kmh * MINUTES_PER_HOUR

    # ------------------------------------------------------------------ episodes
    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """An episode calls the service: seen and treated by its GP, or sent on to the day
        services (when the service closed before a GP could see it and the own practice has
        opened), or referred on (the escalation rule's ``refer``)."""
        world = self.world
        ep.passes(OOH)
        threshold = world.config.population.frailty.frail_threshold
        frail = world.population.frail_or_home_care(ep.person, threshold)
        seen = yield from self.consult(ep, frail)
        treatable = world.episode_groups[ep.group].primary_care_treatable
        if seen and treated_by_gp(ep, world.env.now, treatable, self.cfg.treat_factor):
            ep.finish("primary_care", world.env.now)
            return None
        rule = world.rules["escalation"]
        if not seen and rule.route(ep, world) == PRACTICE:  # the day services have opened
            return PRACTICE
        return rule.refer(ep, world)

    def consult(self, ep: EpisodeState, frail: bool) -> Generator[simpy.Event, None, bool]:
        """SimPy process body: triage, then a home visit or a clinic consultation of ``ep``.
        Returns False when the service closed before a GP could see the patient (triaged just
        before 08:00 on a weekday): the patient then turns to the day services."""
        env = self.world.env
        k, start = self.triage.queue.assign(
            env.now, self.triage.duration(ep.draw("ooh_triage")), EPISODE, ep.person
        )
        yield env.timeout(self.triage.queue.end[k] - env.now)
        share = self.cfg.home_visit_share_frail if frail else self.cfg.home_visit_share
        if ep.draw("triage") < share:
            if not self.is_open(env.now):
                return False
            pop = self.world.population
            travel = float(self.travel_minutes(pop.x[ep.person], pop.y[ep.person]))
            visit = 2 * travel + self.cars.duration(ep.draw("ooh_home"))
            _, start = self.cars.queue.assign(env.now, visit, EPISODE, ep.person)
            yield env.timeout(start + travel - env.now)
            return True
        if not self.is_open(env.now + self.cfg.clinic_travel_minutes):
            return False
        yield env.timeout(self.cfg.clinic_travel_minutes)
        k, start = self.clinic.queue.assign(
            env.now, self.clinic.duration(ep.draw("ooh_clinic")), EPISODE, ep.person
        )
        yield env.timeout(start - env.now)
        return True

    # ------------------------------------------------------------------ other calls
    def add_day(self, day: int, pop: Population, draws: KeyedDraws) -> None:
        """Place the day's other calls of the population (``draws``: the stream ``demand.ooh``).
        A Poisson number of callers per age band, picked at random; count, picks, times and
        each call's draws are keyed by (day, band, call), so the background calls are the same
        in every scenario with the same population and opening hours."""
        if not self.cfg.enabled:
            return
        t0 = day * MINUTES_PER_DAY
        spans = self._open_spans(t0, t0 + MINUTES_PER_DAY)
        open_minutes = sum(b - a for a, b in spans)
        if open_minutes <= 0:
            return
        by_band = pop.alive_by_band()
        size = np.array([len(idx) for idx in by_band], np.int64)
        per_year = np.array([self.cfg.contacts_per_year.get(band, 0.0) for band in AGE_BANDS])
        mean = per_year / DAYS_PER_YEAR * open_minutes / self._open_minutes_per_day() * size
        band, call = expand(draws.poisson("count", mean, day, np.arange(len(AGE_BANDS))))
        pick = np.minimum(
            (draws.uniform("pick", day, band, call) * size[band]).astype(np.int64), size[band] - 1
        )
        persons = np.empty(len(band), np.int64)
        for b, idx in enumerate(by_band):
            persons[band == b] = idx[pick[band == b]]
        u = draws.uniforms(CALL_DRAWS, day, band, call)
        self._place(self._uniform_in(spans, u[:, 0]), persons, u, CALL, pop)

    def add_escalated(self, day: int, persons: np.ndarray, u: np.ndarray, pop: Population) -> None:
        """Place this evening's calls of unmet same-day requests; ``u`` holds each caller's
        :data:`CALL_DRAWS` (keyed by the caller, see ``sim.acute_links``)."""
        if not self.cfg.enabled or len(persons) == 0:
            return
        evening = day * MINUTES_PER_DAY + self.cfg.weekday_from * MINUTES_PER_HOUR
        when = evening + u[:, 0] * ESCALATION_SPREAD_HOURS * MINUTES_PER_HOUR
        self._place(when, persons, u, ESCALATED, pop)

    def _place(
        self, times: np.ndarray, persons: np.ndarray, u: np.ndarray, kind: int, pop: Population
    ) -> None:
        """Schedule calls at ``times``; ``u`` holds their :data:`CALL_DRAWS` (one row each)."""
        if len(times) == 0:
            return
        _, where, triage, clinic_u, home_u = u.T
        self.triage.queue.schedule_many(times, self.triage.durations(triage), kind, persons)
        clinic = where < self.cfg.clinic_share
        home = (where >= self.cfg.clinic_share) & (where < self.cfg.clinic_share + self.cfg.home_visit_share)
        later = times + self.cfg.clinic_travel_minutes
        self.clinic.queue.schedule_many(
            later[clinic], self.clinic.durations(clinic_u[clinic]), kind, persons[clinic]
        )
        who = persons[home]
        travel = self.travel_minutes(pop.x[who], pop.y[who])
        visit = 2 * travel + self.cars.durations(home_u[home])
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
    def _uniform_in(spans: list[tuple[float, float]], u: np.ndarray) -> np.ndarray:
        """Times spread uniformly over the open ``spans`` at the uniform draws ``u``."""
        if len(u) == 0 or not spans:
            return np.empty(0)
        lengths = np.array([b - a for a, b in spans])
        cum = np.concatenate([[0.0], np.cumsum(lengths)])
        x = u * cum[-1]
        i = np.minimum(np.searchsorted(cum, x, side="right") - 1, len(spans) - 1)
        return np.array([a for a, _ in spans])[i] + (x - cum[i])


def _sent_on_from_ooh(path: str) -> bool:
    """Whether an episode's path (services joined by '>') passed the out-of-hours GP and went
    on to a service other than the own practice."""
    steps = path.split(">")
    return any(a == "ooh" and b != "practice" for a, b in pairwise(steps))
