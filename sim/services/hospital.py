"""The hospital: emergency department, admission, beds, discharge and readmission.

An episode that reaches the hospital queues for the emergency department (a FCFS
:class:`Station`), then the ``admission`` rule decides whether it is admitted and for how
long. With ``beds > 0`` an admitted patient waits in the ED for a free bed. A patient whose
planned death day falls during the stay dies in hospital. On discharge:

- the acute team may visit (``acute_function.discharge_followup_share``), and the GP may be
  asked for a follow-up consultation (``hospital.gp_followup_share``), booked in the diary
  with the next day's requests;
- a 30-day readmission is drawn from a constant hazard set so that ``readmission_30d`` of
  patients without follow-up are readmitted within 30 days; after a follow-up within
  ``followup_days`` the hazard is multiplied by ``followup_hazard_ratio``. The draw is made
  at discharge (common random numbers), so an earlier follow-up can only delay or prevent
  a readmission.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, HospitalConfig
from sim.config.services import scaled
from sim.demand.draws import episode_uniforms
from sim.metrics.rates import PER_1000, finite_mean, inside, person_years, rate, window_minutes
from sim.rng import name_key
from sim.rules.escalation import ACUTE, ED
from sim.services.base import Row, Service, register_service, services_of
from sim.services.episode import EpisodeState
from sim.services.queue import Servers
from sim.services.station import Station

if TYPE_CHECKING:
    from sim.world import World

READMISSION_DAYS = 30
READMISSION_IDS = 1 << 40  # readmissions are numbered apart, so other episodes keep their ids


def readmission_time(cum_hazard: float, rate: float, followup: float, ratio: float) -> float:
    """Minutes after discharge at which the cumulative hazard reaches ``cum_hazard``: ``rate``
    per minute until ``followup`` minutes, ``rate * ratio`` after it."""
    if rate <= 0:
        return math.inf
    if cum_hazard <= rate * followup:
        return cum_hazard / rate
    return math.inf if ratio <= 0 else followup + (cum_hazard - rate * followup) / (rate * ratio)


def readmission_time_piecewise(cum_hazard: float, rate: float, changes: list[tuple[float, float]]) -> float:
    """Minutes after discharge at which the cumulative hazard reaches ``cum_hazard``: ``rate``
    per minute, multiplied by each ``ratio`` of ``changes`` from its time (minutes) on.
    With one change it equals :func:`readmission_time` to the last digit."""
    if rate <= 0:
        return math.inf
    cum, t0, r = 0.0, 0.0, rate
    for t, ratio in sorted(changes):
        if t == math.inf:
            break
        segment = r * (t - t0)
        if cum_hazard <= cum + segment:
            return t0 + (cum_hazard - cum) / r
        cum, t0, r = cum + segment, t, r * ratio
        if r <= 0:
            return math.inf
    return t0 + (cum_hazard - cum) / r


@register_service
class Hospital(Service):
    """The hospital: an emergency department, medical beds and discharge."""

    route = ED
    name, core = "hospital", True
    draws = ("ed_service", "gp_followup", "readmit")
    cost_component = "hospital"

    @classmethod
    def from_config(cls, world: World) -> Hospital:
        """From ``services.hospital``; ED service times from the stream ``hospital.ed.service``."""
        return cls(world, world.config.services.hospital, world.streams("hospital.ed.service"))

    def __init__(self, world: World, cfg: HospitalConfig, rng: np.random.Generator) -> None:
        super().__init__(world)
        self.cfg = cfg
        self.ed = Station(world.env, "ed", cfg.ed, rng, scale=world.capacity_scale)
        self.n_beds = scaled(cfg.beds, world.capacity_scale)
        self.beds = Servers([(self.n_beds, None)], infinite=cfg.beds == 0)
        self.in_bed = 0
        horizon = READMISSION_DAYS * MINUTES_PER_DAY
        p30 = np.array([min(cfg.readmission_30d.get(b, 0.0), 1 - 1e-12) for b in AGE_BANDS])
        self.readmit_rate = -np.log1p(-p30) / horizon  # per minute
        self.gp_followup_share = np.array([cfg.gp_followup_share.get(b, 0.0) for b in AGE_BANDS])
        self._readmission_id = READMISSION_IDS  # readmissions are numbered apart from first episodes

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """An episode sent to hospital: after the referral delay when a GP or the acute team sent
        it, the emergency department and what follows; every episode ends here."""
        if ep.route != ED:
            yield self.world.env.timeout(self.cfg.referral_delay_minutes)
        yield from self.emergency(ep)
        return None

    def emergency(self, ep: EpisodeState) -> Generator[simpy.Event, None, None]:
        """SimPy process body: the ED, then admission or discharge home, and the stay."""
        world, env = self.world, self.world.env
        if not world.population.alive[ep.person]:  # died on the way (after a GP or the team)
            ep.finish("died", env.now)
            return
        ep.passes("ed")
        ep.ed_visit, _ = self.ed.queue.assign(env.now, self.ed.duration(ep.draw("ed_service")), 0, ep.person)
        yield env.timeout(self.ed.queue.end[ep.ed_visit] - env.now)
        if not world.population.alive[ep.person]:
            ep.finish("died", env.now)
            return
        admitted, stay = world.rules["admission"].decide(ep, world)
        if not admitted:
            ep.finish("ed_discharged", env.now)
            return
        ep.admit_time = env.now
        ep.finish("admitted", env.now)
        death = world.plan.death_minute(ep.person, MINUTES_PER_DAY)
        _, bed = self.beds.assign(env.now, max(min(stay, death - env.now), 0.0), 0, ep.person)
        if death <= bed:  # dies waiting for a bed
            yield env.timeout(max(death - env.now, 0.0))
            ep.finish("died", env.now)
            ep.discharge_time = env.now
            return
        ep.bed_time = bed
        leave = min(bed + stay, death)
        yield env.timeout(bed - env.now)
        self.in_bed += 1
        yield env.timeout(leave - env.now)
        self.in_bed -= 1
        ep.discharge_time = env.now
        if leave == death:
            ep.finish("died", env.now)
            return
        env.process(self.after_discharge(ep))

    def after_discharge(self, ep: EpisodeState) -> Generator[simpy.Event, None, None]:
        """SimPy process body: follow-up after discharge and a possible readmission within 30 days."""
        world, env = self.world, self.world.env
        discharged = env.now
        team = world.services.get(ACUTE)
        ep.followup_time = team.follow_up(ep) if team is not None else np.inf
        if ep.draw("gp_followup") < self.gp_followup_share[ep.band]:
            world.followups.ask(ep, env.now)
        target = -math.log1p(-ep.draw("readmit"))
        rate, ratio = self.readmit_rate[ep.band], self.cfg.followup_hazard_ratio
        limit = self.cfg.followup_days * MINUTES_PER_DAY

        changes = [c for s in self.discharge_hooks if (c := s.discharge_visit(ep)) is not None]

        def when() -> float:
            f = ep.followup_time - discharged
            f = f if f <= limit else math.inf
            if changes:  # plug-in services that change the hazard after discharge
                return readmission_time_piecewise(target, rate, [(f, ratio), *changes])
            return readmission_time(target, rate, f, ratio)

        # when the GP booking is known
        known = world.followups.next_booking_day(discharged) * MINUTES_PER_DAY + 1.0
        if discharged + when() > known:
            yield env.timeout(known - env.now)
        t = discharged + when()
        if t - discharged > READMISSION_DAYS * MINUTES_PER_DAY:
            return
        yield env.timeout(max(t - env.now, 0.0))
        if world.population.alive[ep.person]:
            yield from self.emergency(self.readmission(ep))

    def readmission(self, parent: EpisodeState) -> EpisodeState:
        """A new episode: the readmission of ``parent``'s patient, now, straight to hospital.
        Its draws are keyed by the parent's identity (person, group, the original need's day and
        occurrence) and the next generation, never by an episode id (common random numbers);
        its id is only for bookkeeping."""
        world = self.world
        person = parent.person
        keyed = self.episode_draws
        group = name_key(world.group_names[parent.group])
        generation = parent.generation + 1
        names = tuple(parent.columns)  # the same named draws, in the same columns
        u = episode_uniforms(keyed, person, group, parent.need_day, parent.occurrence, generation, names)
        ep = EpisodeState(
            id=self._readmission_id,
            person=person,
            band=int(world.population.band[person]),
            group=parent.group,
            severe=True,
            practice=int(world.population.practice[person]),
            onset=world.env.now,
            u=u[0],
            readmission_of=parent.id,
            route="ed",
            need_day=parent.need_day,
            occurrence=parent.occurrence,
            generation=generation,
            columns=parent.columns,
        )
        self._readmission_id += 1
        world.recorder.episodes.append(ep)
        return ep

    def setup(self) -> None:
        """Find, once, the services that visit after a discharge (those that define
        ``discharge_visit``), so that a discharge asks only them."""
        # the episodes' keyed draws (stream demand.episodes), made once: a readmission's draws are
        # keyed by its parent's identity and the next generation, not taken from a new stream
        self.episode_draws = self.world.streams.keyed("demand.episodes")
        self.discharge_hooks = [
            s for s in services_of(self.world) if type(s).discharge_visit is not Service.discharge_visit
        ]

    # ------------------------------------------------------------------ records, KPIs, cost
    def finish(self) -> None:
        """Keep the ED's visits and, with limited beds, the beds' records."""
        self.final_ed = self.ed.records()
        self.final_beds = self.beds.records(self.world.env.now) if self.n_beds > 0 else None

    def kpis(self) -> list[Row]:
        """ED visits per 1000 a year and the mean ED wait; with limited beds, the mean wait for a
        bed and the bed occupancy; over the measured period."""
        world = self.world
        lo, hi = window_minutes(world.calendar)
        _, py = person_years(world)
        ed = self.final_ed
        visited = inside(ed["arrive"], lo, hi)
        rows: list[Row] = [
            ("ed_visits_per_1000", "all", 1000.0 * rate(visited.sum(), py), PER_1000),
            ("ed_wait_minutes_mean", "all", finite_mean((ed["start"] - ed["arrive"])[visited]), "minutes"),
        ]
        if self.final_beds is not None:
            rec = self.final_beds
            waited = inside(rec["arrive"], lo, hi)
            wait = finite_mean((rec["start"] - rec["arrive"])[waited]) / MINUTES_PER_HOUR
            rows.append(("bed_wait_hours_mean", "all", wait, "hours"))
            ep = world.recorder.episode_table()
            start = np.clip(ep["bed_time"], lo, hi)
            end = np.clip(np.where(np.isnan(ep["discharge_time"]), hi, ep["discharge_time"]), lo, hi)
            all_stay = np.where(np.isnan(ep["bed_time"]), 0.0, end - start).sum()
            occupancy = rate(all_stay, self.n_beds * (hi - lo))
            rows.append(("bed_occupancy", "all", occupancy, "share of bed time"))
        return rows

    def cost(self) -> float:
        """Admissions and ED visits in the measured period times their prices."""
        lo, hi = window_minutes(self.world.calendar)
        cost = self.world.config.services.costs
        admissions = inside(self.world.recorder.episode_table()["admit_time"], lo, hi).sum()
        ed_visits = inside(self.final_ed["arrive"], lo, hi).sum()
        return admissions * cost.admission + ed_visits * cost.ed_visit
