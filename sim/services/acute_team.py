"""The municipal acute function (kommunal akutfunktion): mobile nurses around the clock.

Nurses work in shifts (``services.acute_function.shifts``); a referral is taken by the first
nurse on duty who is free, FCFS. The nurse drives from the team's base to the patient,
assesses and treats (visit length drawn with the episode), and drives back. The response
time is from the referral to the nurse's arrival. An episode is treated at home when the
nurse arrives within its time window and its draw falls under the group's
``treat_at_home`` share (non-severe episodes only); intravenous treatment adds visits at
fixed intervals. A patient who calls the team directly (not referred by a GP who could not
treat) is also treated when a GP would have treated the episode: the nurse treats on the
advice of the patient's GP or the out-of-hours GP. Discharged patients may get a follow-up visit.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, AcuteFunctionConfig
from sim.config.services import scaled
from sim.metrics.rates import PER_65, finite_mean, inside, person_years, rate, window_minutes
from sim.rules.escalation import ACUTE, ED, PRACTICE
from sim.services.base import Row, Service, register_service
from sim.services.episode import EpisodeState
from sim.services.queue import DutyHours, Servers
from sim.services.sites import acute_base, hospital_site, week_offset
from sim.services.station import duration_quantile

if TYPE_CHECKING:
    from sim.world import World

ASSESS, IV_VISIT, FOLLOWUP = 0, 1, 2  # kinds of visit in the records
VISIT_KINDS = ("assessment", "iv", "followup")


@register_service
class AcuteTeam(Service):
    """The acute function of the area: its nurses, base and visits."""

    route = ACUTE
    name, core = "acute_function", True
    draws = ("visit", "home", "treat", "iv", "team_followup")
    cost_component = "acute_function"

    @classmethod
    def from_config(cls, world: World) -> AcuteTeam:
        """From ``services.acute_function``, at its base (town, largest health house or hospital)."""
        base = acute_base(world, hospital_site(world))
        return cls(world, world.config.services.acute_function, base, week_offset(world))

    def __init__(
        self, world: World, cfg: AcuteFunctionConfig, base: tuple[float, float], offset: float
    ) -> None:
        super().__init__(world)
        self.cfg = cfg
        self.base = base
        k = world.capacity_scale
        teams = [(scaled(s.nurses, k), DutyHours.daily(s.start, s.end, offset)) for s in cfg.shifts.values()]
        self.nurse_hours_per_week = cfg.nurse_hours_per_week(k)
        self.servers = Servers(teams)
        self.treat = np.array(
            [cfg.treat_at_home.get(g, cfg.treat_at_home_default) for g in world.group_names] or [0.0]
        )
        self.referred: dict[int, float] = {}  # record index -> time of the referral (assessments)
        self.followup_share = np.array([cfg.discharge_followup_share.get(b, 0.0) for b in AGE_BANDS])

    @property
    def available(self) -> bool:
        """False when the team has no nurses."""
        return self.servers.available

    def can_treat(self, ep: EpisodeState) -> bool:
        """Whether the team could treat ``ep`` at home at all (a share above 0, not severe)."""
        return self.available and not ep.severe and self.treat[ep.group] > 0

    def travel_minutes(self, person: int) -> float:
        """One-way driving minutes from the base to the person's home."""
        pop = self.world.population
        km = float(np.hypot(pop.x[person] - self.base[0], pop.y[person] - self.base[1]))
        return km / self.cfg.speed_kmh * MINUTES_PER_HOUR

    def _dispatch(self, t: float, person: int, u_visit: float, kind: int) -> tuple[int, float]:
        """Give a visit to the first free nurse on duty; return (record index, arrival at home)."""
        travel = self.travel_minutes(person)
        visit = float(duration_quantile(self.cfg.visit, u_visit))
        k, start = self.servers.assign(t, 2 * travel + visit, kind, person)
        return k, start + travel

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """An episode referred to (or calling) the team: a nurse is dispatched after the
        referral delay; treated at home, or sent on to the emergency department."""
        env = self.world.env
        referred = env.now
        yield env.timeout(self.referral_minutes(ep))
        treated = yield from self.attend(ep, referred)
        if treated:
            ep.finish("home", env.now)
            return None
        return ED

    def referral_minutes(self, ep: EpisodeState) -> float:
        """Minutes from a referral to the dispatch; shorter from a practice in which the team is
        co-located."""
        if ep.route == PRACTICE and "acute_function" in self.world.practices[ep.practice].spec.co_located:
            return self.cfg.referral_minutes_co_located
        return self.cfg.referral_minutes

    def attend(self, ep: EpisodeState, referred: float) -> Generator[simpy.Event, None, bool]:
        """SimPy process body: the team, referred to ``ep`` at time ``referred``, dispatches a nurse
        now; returns True when the episode is treated at home."""
        env = self.world.env
        ep.passes("acute")
        ep.team_visit, arrival = self._dispatch(env.now, ep.person, ep.draw("visit"), ASSESS)
        self.referred[ep.team_visit] = referred
        yield env.timeout(arrival - env.now)
        in_time = arrival - ep.onset <= ep.window
        treated = in_time and not ep.severe and ep.draw("home") < self.treat[ep.group]
        if ep.route == "acute" and in_time and not ep.severe:  # called directly: the nurse treats, on the
            share = self.world.episode_groups[ep.group].primary_care_treatable  # GP's advice, what a GP
            treated = treated or ep.draw("treat") < share  # would have treated

        if treated and ep.draw("iv") < self.cfg.iv_share:
            travel = self.travel_minutes(ep.person)
            visit = float(duration_quantile(self.cfg.visit, ep.draw("visit")))
            for j in range(1, self.cfg.iv_visits + 1):
                when = arrival + j * self.cfg.iv_interval_hours * MINUTES_PER_HOUR
                self.servers.schedule(when, 2 * travel + visit, IV_VISIT, ep.person)
        return bool(treated)

    def follow_up(self, ep: EpisodeState) -> float:
        """A follow-up visit after ``ep``'s discharge (now) when its draw ``team_followup`` falls
        under the band's share; return the nurse's arrival time (``inf`` when there is none)."""
        if not self.available or ep.draw("team_followup") >= self.followup_share[ep.band]:
            return np.inf
        _, arrival = self._dispatch(self.world.env.now, ep.person, ep.draw("visit"), FOLLOWUP)
        return arrival

    def records(self) -> dict[str, np.ndarray]:
        """One row per visit: referral (``request``), dispatch (``arrive``), the nurse's departure
        (``start``), return (``end``), arrival at the home (``on_site``), ``kind`` and person
        (``who``). The response time is ``on_site - request``."""
        now = self.world.env.now
        self.servers.flush(now)
        rec = self.servers.records(now)
        rec["request"] = rec["arrive"].copy()
        for k, t in self.referred.items():
            rec["request"][k] = t
        who = rec["who"]
        pop = self.world.population
        km = np.hypot(pop.x[who] - self.base[0], pop.y[who] - self.base[1]) if len(who) else np.empty(0)
        travel = km / self.cfg.speed_kmh * MINUTES_PER_HOUR
        rec["on_site"] = np.where(np.isnan(rec["start"]), np.nan, rec["start"] + travel)
        return rec

    # ------------------------------------------------------------------ records, KPIs, cost
    def finish(self) -> None:
        """Keep the visits' records (:meth:`records`) and the age band of each visited person."""
        self.final = self.records()
        self.final["band"] = self.world.population.band[self.final["who"]]

    def kpis(self) -> list[Row]:
        """Visits to people aged 65+ per 1000 aged 65+ (all and by kind), response times of
        assessments and the nurses' utilisation, over the measured period."""
        world = self.world
        lo, hi = window_minutes(world.calendar)
        py_band, _ = person_years(world)
        rec = self.final
        seen = inside(rec["on_site"], lo, hi)
        old = seen & (rec["band"] >= 1) if len(rec["who"]) else seen
        py65 = py_band[1] + py_band[2]
        kpi = "acute_team_visits_per_1000_65plus"
        rows: list[Row] = [(kpi, "all", 1000.0 * rate(old.sum(), py65), PER_65)]
        for k, kind in enumerate(VISIT_KINDS):
            n = np.count_nonzero(old & (rec["kind"] == k))
            rows.append((kpi, kind, 1000.0 * rate(n, py65), PER_65))
        response = (rec["on_site"] - rec["request"])[seen & (rec["kind"] == ASSESS)]
        p90 = float(np.percentile(response, 90)) if len(response) else float("nan")
        rows.append(("acute_team_response_minutes_p90", "all", p90, "minutes"))
        rows.append(("acute_team_response_minutes_mean", "all", finite_mean(response), "minutes"))
        on_duty = self.nurse_hours_per_week * MINUTES_PER_HOUR * (hi - lo) / (7 * MINUTES_PER_DAY)
        busy = rate(self.servers.busy_minutes(lo, hi), on_duty)
        rows.append(("acute_team_utilisation", "all", busy, "share of nurse time"))
        return rows

    def cost(self) -> float:
        """The nurses' full-time equivalents on the rota times their yearly cost, over the period."""
        lo, hi = window_minutes(self.world.calendar)
        cost = self.world.config.services.costs
        years = (hi - lo) / MINUTES_PER_DAY / DAYS_PER_YEAR
        nurse_fte = self.nurse_hours_per_week * 52 / cost.nurse_hours_per_fte
        return nurse_fte * cost.acute_nurse_fte_per_year * years
