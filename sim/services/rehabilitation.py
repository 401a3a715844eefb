"""Municipal rehabilitation after a hospital stay: the example of a plug-in service.

Older home-care recipients discharged from hospital get a course of rehabilitation visits
from the municipality (genoptræning, the co-located ``rehabilitation`` service the
organisation config already names). The first visit comes some days after discharge
(``start_days``; ``start_days_co_located`` when the patient's practice has rehabilitation in
the same house, whose therapists take the referral over the corridor); from then on the 30-day
readmission hazard is multiplied by ``readmission_hazard_ratio``. Every
value is an **assumption** with the range given beside it: no Danish evaluation of this
effect is in the shipped evidence, so it belongs in the mechanism register as such.

It is one module and one YAML block (``configs/scenario/rehabilitation.yaml``)::

    services:
      plugins:
        rehabilitation: {params: {share: {"0-64": 0.0, "65-79": 0.5, "80+": 0.7}}}

and touches neither ``sim/model.py``, the pathway nor the KPI code: the hospital asks every
service for a :meth:`~sim.services.base.Service.discharge_visit`, the KPI step collects every
service's :meth:`~sim.services.base.Service.kpis`, and the KPI is registered below.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.config.people import AGE_BANDS, bands
from sim.config.validation import Validated, at_least, between, keyed_by, non_negative, probabilities
from sim.metrics.rates import PER_65, person_years, rate
from sim.metrics.registry import KPIS, OWNERS, register
from sim.rng import name_key
from sim.services.base import Row, Service, register_service

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState

OWNERS.setdefault(
    "rehabilitation", "municipal rehabilitation after discharge (plug-in: sim/services/rehabilitation.py)"
)

COURSES_KPI = "rehabilitation_courses_per_1000_65plus"
COST_KPI = "rehabilitation_cost_dkk_per_capita"


@dataclass(frozen=True)
class RehabilitationParams(Validated):
    """Who gets rehabilitation after discharge, when it starts and what it does (assumptions)."""

    # share of discharged home-care recipients who get a course, by age band (assumption, 0.3-0.8)
    share: dict[str, float] = keyed_by(probabilities(lambda: bands(0.0, 0.5, 0.7)), AGE_BANDS)
    home_care_only: bool = True  # only home-care recipients (assumption: the municipality's own clients)
    start_days: float = between(0.0, 30.0, 3.0)  # days from discharge to the first visit (assumption, 1-7)
    # the same when the patient's practice has rehabilitation in its house (assumption, 0-3)
    start_days_co_located: float = between(0.0, 30.0, 1.0)
    readmission_hazard_ratio: float = between(0.0, 1.0, 0.85)  # from the first visit (assumption, 0.7-1.0)
    visits: int = at_least(1, 6)  # visits per course (assumption, 4-10), for the cost
    cost_per_visit: float = non_negative(450.0)  # DKK (assumption, 300-700)
    groups: list[str] = field(default_factory=list)  # episode groups eligible (empty: all)


@register_service
class Rehabilitation(Service):
    """Rehabilitation visits after discharge that lower the readmission hazard."""

    name = "rehabilitation"
    Params = RehabilitationParams

    def __init__(self, world, params: RehabilitationParams) -> None:
        super().__init__(world)
        self.params = params
        self.share = np.array([params.share[b] for b in AGE_BANDS])
        self.keyed = world.streams.keyed("services.rehabilitation")  # keyed by the episode, by name
        self.courses: list[tuple[float, int]] = []  # (time of discharge, age band)

    def discharge_visit(self, ep: EpisodeState) -> tuple[float, float] | None:
        """A course for ``ep``'s patient when eligible and drawn: (minutes to the first visit, ratio)."""
        world, p = self.world, self.params
        if p.home_care_only and not world.population.home_care[ep.person]:
            return None
        if p.groups and world.group_names[ep.group] not in p.groups:
            return None
        key = (ep.person, name_key(world.group_names[ep.group]), ep.need_day, ep.occurrence, ep.generation)
        if self.keyed.uniform("course", *key) >= self.share[ep.band]:
            return None
        self.courses.append((world.env.now, ep.band))
        start = p.start_days_co_located if self._co_located(ep.practice) else p.start_days
        return start * MINUTES_PER_DAY, p.readmission_hazard_ratio

    def _co_located(self, practice: int) -> bool:
        """Whether ``practice`` (-1: none) has municipal rehabilitation in its house."""
        practices = self.world.practices
        return 0 <= practice < len(practices) and "rehabilitation" in practices[practice].spec.co_located

    def kpis(self) -> list[Row]:
        """Courses started in the measured period per 1,000 residents 65+ a year, and their cost
        per resident a year."""
        start = self.world.calendar.warmup_days * MINUTES_PER_DAY
        measured = [band for t, band in self.courses if t >= start]
        py, total = person_years(self.world)
        old = sum(1 for band in measured if band > 0)
        cost = len(measured) * self.params.visits * self.params.cost_per_visit
        return [
            (COURSES_KPI, "65+", 1000 * rate(old, float(py[1:].sum())), PER_65),
            (COST_KPI, "all", rate(cost, total), "DKK per capita per year"),
        ]


for _name, _unit, _label, _better, _description in (
    (
        COURSES_KPI,
        PER_65,
        "Rehabilitation courses after discharge per 1,000 aged 65+ a year",
        "neither",
        "Courses of municipal rehabilitation started after a hospital discharge (plug-in service).",
    ),
    (
        COST_KPI,
        "DKK per capita per year",
        "Cost of rehabilitation after discharge (DKK per resident a year)",
        "lower",
        "Courses times visits per course times the assumed cost of a visit.",
    ),
):
    if _name not in KPIS:
        register(
            _name,
            _unit,
            _label,
            _better,
            "65+" if _unit == PER_65 else "all",
            "rehabilitation",
            _description,
            "when services.plugins.rehabilitation is enabled",
        )
