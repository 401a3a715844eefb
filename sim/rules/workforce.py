"""The GP workforce: ageing, retirement, succession, practices that shut, the region's clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.config.organisation import REGION_CLINIC
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.world import World


@dataclass(frozen=True)
class Staffing:
    """A workforce rule's decision for one year: the GP ages of each practice whose GPs change
    (by practice index; an empty array shuts the practice), and how many GPs retired and were
    recruited."""

    gps: dict[int, np.ndarray] = field(default_factory=dict)
    retired: int = 0
    recruited: int = 0


class WorkforceRule(Rule):
    """Decides the GPs of each practice: at the start, and once a year. It returns its
    decisions; :mod:`sim.services.staffing` applies them (diaries, lists, records)."""

    family = "workforce"

    def staff(self, world: World) -> dict[int, np.ndarray]:
        """The GP ages of every practice at the start, by practice index."""
        raise NotImplementedError

    def yearly(self, world: World, day: int) -> Staffing | None:
        """Age, retire and replace GPs (a practice left without GPs shuts); None: nothing changes."""
        raise NotImplementedError

    def region_clinic(self, world: World) -> np.ndarray | None:
        """Ages of GPs the region adds to its clinic now (after the year's changes), or None."""
        return None


@register
class RetireAndRecruit(WorkforceRule):
    """GP ages start from a normal distribution (``organisation.workforce``). Each year every GP
    ages one year and retires with the probability of their age; the practice finds a
    successor with its type's ``recruit_probability`` (larger units recruit better: an
    assumption), otherwise it loses that GP. A practice without GPs shuts and its patients
    list elsewhere (forced up to ``forced_list_max_share_of_norm`` of a practice's norm);
    when residents without a GP exceed ``region_clinic_threshold_per_1000``, the region
    staffs its clinic in the main town for them. With ``population.dynamics: false`` the
    yearly step changes nothing (the GPs neither age nor retire)."""

    name = "default"

    def staff(self, world: World) -> dict[int, np.ndarray]:
        w = world.config.organisation.workforce
        out = {}
        for p in world.practices:
            ages = self.rng.normal(w.age_mean, w.age_sd, size=len(p.gp_ages))
            out[p.index] = np.clip(ages, w.min_age, w.max_age)
        return out

    def _retire_probability(self, ages: np.ndarray, world: World) -> np.ndarray:
        table = sorted(
            (float(a), q) for a, q in world.config.organisation.workforce.retire_probability.items()
        )
        q = np.zeros(len(ages))
        for age, prob in table:
            q = np.where(ages >= age, prob, q)
        return q

    def yearly(self, world: World, day: int) -> Staffing | None:
        if not world.config.population.dynamics:  # the population is held still: so are the GPs
            return None
        w = world.config.organisation.workforce
        decision = Staffing()
        retired = recruited = 0
        for p in world.practices:
            if world.diaries.closed[p.index] or len(p.gp_ages) == 0:
                continue
            ages = p.gp_ages + 1.0
            leaves = self.rng.random(len(ages)) < self._retire_probability(ages, world)
            replaced = leaves & (self.rng.random(len(ages)) < p.spec.recruit_probability)
            successors = self.rng.normal(w.successor_age_mean, w.successor_age_sd, size=int(replaced.sum()))
            retired += int(leaves.sum())
            recruited += int(replaced.sum())
            decision.gps[p.index] = np.concatenate([ages[~leaves], np.clip(successors, w.min_age, w.max_age)])
        return Staffing(decision.gps, retired, recruited)

    def region_clinic(self, world: World) -> np.ndarray | None:
        pop, org = world.population, world.config.organisation
        unlisted = np.count_nonzero(pop.alive & (pop.practice < 0))
        if 1000.0 * unlisted / max(pop.count_alive(), 1) <= org.workforce.region_clinic_threshold_per_1000:
            return None
        clinic = next(p for p in world.practices if p.kind == REGION_CLINIC)
        listed = np.count_nonzero(pop.practice == clinic.index)
        needed = int(np.ceil((unlisted + listed) / org.list_size_per_gp))
        extra = max(needed - len(clinic.gp_ages), 0)
        return self.rng.normal(org.workforce.successor_age_mean, org.workforce.successor_age_sd, size=extra)
