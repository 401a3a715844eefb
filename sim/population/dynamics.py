"""Population change: a yearly plan of births, deaths and migration, applied day by day.

At each yearly tick (day 0, then the first day of each measured year) everyone ages to
the tick, their conditions, frailty, home care and living arrangements are derived anew
(conditions topped up so that prevalence by age holds among the survivors),
and the coming interval's events are drawn: who dies and on which day (from the life
table and each person's hazard ratio), how many are born and move in or out, and on
which days. People who will arrive already get an index, not yet alive. Each day the
model applies that day's events, so the population changes smoothly, and the counts
satisfy births - deaths + immigrants - emigrants = change in population.

Death hazards fall with calendar time (``population.mortality.improvement_per_year``,
counted in whole years from ``Population.origin_day``; see ``sim.population.mortality``).

With ``population.dynamics: false`` a tick does nothing: no ageing, no re-derivation, no
births, deaths or migration (an empty plan), so conditions, frailty and home care stay as
synthesised; the ``workforce`` rule holds the GPs still as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.config.schema import PopulationConfig
from sim.population.ages import draw_people
from sim.population.mortality import death_probability
from sim.population.state import BAND_EDGES, Population
from sim.population.synth import derive, make_persons, top_up_conditions
from sim.rng import Streams

BIRTH, IMMIGRATION, DEATH, EMIGRATION, BAND_UP = 0, 1, 2, 3, 4
EVENT_NAMES = ("births", "immigrants", "deaths", "emigrants")
MIGRANT_AGE_LIMIT = 65  # assumption: people who move in are under 65, with the age mix of the under-65s


class Applied(NamedTuple):
    """What a day's events did: counts by kind (births, immigrants, deaths, emigrants), and the
    people who arrived and who left."""

    counts: np.ndarray
    arrived: np.ndarray
    left: np.ndarray


@dataclass
class EventPlan:
    """Events of one interval, sorted by day; ``apply`` consumes them day by day."""

    day: np.ndarray
    person: np.ndarray
    kind: np.ndarray
    _pos: int = 0
    _deaths: dict[int, int] | None = None

    def death_day(self, person: int) -> int | None:
        """The day on which ``person`` dies in this plan (None if not in it)."""
        if self._deaths is None:
            dead = self.kind == DEATH
            self._deaths = dict(zip(self.person[dead].tolist(), self.day[dead].tolist(), strict=True))
        return self._deaths.get(person)

    def death_minute(self, person: int, minutes_per_day: float) -> float:
        """When ``person`` dies in this plan, in minutes since day 0 (inf when not in it)."""
        day = self.death_day(person)
        return np.inf if day is None else day * minutes_per_day

    def apply(self, pop: Population, day: int) -> Applied:
        """Apply the events due up to ``day``; return their counts by kind (births, immigrants,
        deaths, emigrants) and the indices of people who arrived and who left."""
        end = int(np.searchsorted(self.day, day, side="right"))
        if end == self._pos:
            return Applied(np.zeros(4, np.int64), np.empty(0, np.int64), np.empty(0, np.int64))
        person, kind = self.person[self._pos : end], self.kind[self._pos : end]
        self._pos = end
        arriving, leaving = person[kind <= IMMIGRATION], person[(kind == DEATH) | (kind == EMIGRATION)]
        pop.move(arriving, leaving, person[kind == BAND_UP])
        return Applied(np.bincount(kind, minlength=5)[:4], arriving, leaving)


def hazard_ratio(pop: Population, cfg: PopulationConfig, who: np.ndarray) -> np.ndarray:
    """Each person's mortality hazard ratio from their conditions and frailty."""
    ratio = np.ones(len(who))
    mask = pop.conditions[who]
    for bit, cond in enumerate(cfg.conditions.values()):
        ratio *= np.where((mask >> bit) & 1, cond.mortality_hazard_ratio, 1.0)
    frail = pop.frailty[who] > cfg.frailty.frail_threshold
    return ratio * np.where(frail, cfg.mortality.frailty_hazard_ratio, 1.0)


def age_to(pop: Population, day: int) -> None:
    """Bring every present person's exact age up to ``day``."""
    due = pop.age_day <= day
    pop.age[due] = pop.age_on(day)[due]
    pop.age_day[due] = day


def _days(rng: np.random.Generator, start: int, length: int, n: int) -> np.ndarray:
    return (start + np.floor(rng.random(n) * length)).astype(np.int32)


def band_crossings(pop: Population, who: np.ndarray, day: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """People in ``who`` who reach the next age band (65 or 80) within the interval, and the day."""
    edges = np.append(BAND_EDGES, np.inf)
    age = np.where(pop.age_day[who] > day, pop.age[who], pop.age_on(day)[who])
    start = np.maximum(pop.age_day[who], day)
    cross = start + np.ceil((edges[pop.band[who]] - age) * DAYS_PER_YEAR)
    due = cross < day + length
    return who[due], cross[due].astype(np.int32)


def empty_plan() -> EventPlan:
    """A plan without events."""
    return EventPlan(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int8))


def trend_year(pop: Population, day: int) -> int:
    """Whole calendar years from the population's start to ``day`` (the mortality trend's year)."""
    return max((day - pop.origin_day) // DAYS_PER_YEAR, 0)


def plan_year(pop: Population, cfg: PopulationConfig, streams: Streams, day: int, length: int) -> EventPlan:
    """Age and re-derive everyone on ``day`` and draw the events of the next ``length`` days
    (an empty plan, with nothing changed, when ``cfg.dynamics`` is false)."""
    if not cfg.dynamics:
        return empty_plan()
    age_to(pop, day)
    alive = np.flatnonzero(pop.alive)
    derive(pop, cfg, day, alive)
    if not pop.alive.all():  # people have died: survivors are selected, top up (not a fresh synthesis)
        top_up_conditions(pop, cfg, day, alive)
        derive(pop, cfg, day, alive)  # frailty and home care follow the conditions
    years = length / DAYS_PER_YEAR
    n_alive = len(alive)

    rng = streams("population.deaths")
    q = death_probability(
        pop.age[alive].astype(float),
        pop.female[alive],
        hazard_ratio(pop, cfg, alive),
        years,
        cfg.mortality,
        trend_year(pop, day),
    )
    dies = rng.random(n_alive) < q
    dead = alive[dies]
    dead_day = _days(rng, day, length, len(dead))

    rng = streams("population.migration")
    net = cfg.net_migration_per_1000 * n_alive / 1000.0 * years
    n_out = min(int(rng.poisson(max(-net, 0.0))), int((~dies).sum()))
    movers_out = rng.choice(alive[~dies], size=n_out, replace=False) if n_out else np.empty(0, np.int64)
    out_day = _days(rng, day, length, n_out)
    n_in = int(rng.poisson(max(net, 0.0)))
    in_day = _days(rng, day, length, n_in)
    n_born = int(streams("population.births").poisson(cfg.births_per_1000 * n_alive / 1000.0 * years))
    born_day = _days(streams("population.births"), day, length, n_born)

    newborn_rng = streams("population.newborns")
    born = make_persons(cfg, n_born, newborn_rng, ages=np.zeros(n_born), arrive_day=born_day)
    in_age, in_female = draw_people(cfg, n_in, streams("population.immigrants"), below=MIGRANT_AGE_LIMIT)
    movers_in = make_persons(
        cfg, n_in, streams("population.immigrants"), ages=in_age, arrive_day=in_day, female=in_female
    )
    born_idx = pop.append(born)
    in_idx = pop.append(movers_in)
    newcomers = np.concatenate([born_idx, in_idx])
    derive(pop, cfg, day, newcomers)

    up, up_day = band_crossings(pop, np.concatenate([alive, newcomers]), day, length)
    days = np.concatenate([born_day, in_day, dead_day, out_day, up_day])
    person = np.concatenate([born_idx, in_idx, dead, movers_out, up])
    counts = (n_born, n_in, len(dead), n_out, len(up))
    kind = np.repeat(np.array([BIRTH, IMMIGRATION, DEATH, EMIGRATION, BAND_UP], np.int8), counts)
    order = np.argsort(days, kind="stable")
    return EventPlan(days[order], person[order], kind[order])


def project(pop: Population, cfg: PopulationConfig, streams: Streams, years: int) -> None:
    """Run the population's own dynamics for ``years`` years before day 0 (no services), so a
    run can start from a projected population (the ``ageing_2035`` scenario). The mortality
    trend counts its years from the projection's start. Nothing happens when ``cfg.dynamics``
    is false."""
    if not cfg.dynamics or years <= 0:
        return
    pop.age_day[pop.age_day == 0] = -DAYS_PER_YEAR * years  # the synthesised ages are those at the start
    pop.origin_day = -DAYS_PER_YEAR * years
    for k in range(years):
        start = -DAYS_PER_YEAR * (years - k)
        plan = plan_year(pop, cfg, streams, start, DAYS_PER_YEAR)
        plan.apply(pop, start + DAYS_PER_YEAR - 1)
