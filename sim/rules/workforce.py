"""The GP workforce: ageing, retirement, succession, practices that shut, the region's clinic."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.organisation import REGION_CLINIC
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.model import SimModel
    from sim.services.practice import Practice


class WorkforceRule(Rule):
    """Changes the GPs of each practice once a year."""

    family = "workforce"

    def staff(self, model: SimModel) -> None:
        """Give every practice its GPs at the start."""
        raise NotImplementedError

    def yearly(self, model: SimModel, day: int) -> None:
        """Age, retire and replace GPs; shut practices without GPs; open the region clinic if needed."""
        raise NotImplementedError


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

    def staff(self, model: SimModel) -> None:
        w = model.config.organisation.workforce
        for p in model.practices:
            ages = self.rng.normal(w.age_mean, w.age_sd, size=len(p.gp_ages))
            p.set_gps(np.clip(ages, w.min_age, w.max_age))
            model.diaries.set_units(p.index, len(p.gp_ages))

    def _retire_probability(self, ages: np.ndarray, model: SimModel) -> np.ndarray:
        table = sorted(
            (float(a), q) for a, q in model.config.organisation.workforce.retire_probability.items()
        )
        q = np.zeros(len(ages))
        for age, prob in table:
            q = np.where(ages >= age, prob, q)
        return q

    def yearly(self, model: SimModel, day: int) -> None:
        if not model.config.population.dynamics:  # the population is held still: so are the GPs
            model.recorder.workforce_change(day, 0, 0)
            return
        w = model.config.organisation.workforce
        retired = recruited = 0
        for p in model.practices:
            if model.diaries.closed[p.index] or len(p.gp_ages) == 0:
                continue
            ages = p.gp_ages + 1.0
            leaves = self.rng.random(len(ages)) < self._retire_probability(ages, model)
            replaced = leaves & (self.rng.random(len(ages)) < p.spec.recruit_probability)
            successors = self.rng.normal(w.successor_age_mean, w.successor_age_sd, size=int(replaced.sum()))
            retired += int(leaves.sum())
            recruited += int(replaced.sum())
            p.set_gps(np.concatenate([ages[~leaves], np.clip(successors, w.min_age, w.max_age)]))
            model.diaries.weekly[p.index] = p.weekly_capacity()
            model.diaries.set_units(p.index, len(p.gp_ages))
            if len(p.gp_ages) == 0:
                self._shut(model, p)
            model.diaries.refresh(p.index, model.calendar.weekday)
        model.recorder.workforce_change(day, retired, recruited)
        self._region_clinic(model)

    def _shut(self, model: SimModel, practice: Practice) -> None:
        model.diaries.closed[practice.index] = True
        pop = model.population
        patients = np.flatnonzero(pop.alive & (pop.practice == practice.index))
        pop.practice[patients] = -1
        model.rules["list_management"].list_newcomers(model, patients)
        model.recorder.practice_shut(practice.index)

    def _region_clinic(self, model: SimModel) -> None:
        pop, org = model.population, model.config.organisation
        unlisted = np.flatnonzero(pop.alive & (pop.practice < 0))
        if (
            1000.0 * len(unlisted) / max(pop.count_alive(), 1)
            <= org.workforce.region_clinic_threshold_per_1000
        ):
            return
        clinic = next(p for p in model.practices if p.kind == REGION_CLINIC)
        needed = int(
            np.ceil((len(unlisted) + np.count_nonzero(pop.practice == clinic.index)) / org.list_size_per_gp)
        )
        extra = max(needed - len(clinic.gp_ages), 0)
        ages = self.rng.normal(org.workforce.successor_age_mean, org.workforce.successor_age_sd, size=extra)
        clinic.set_gps(np.concatenate([clinic.gp_ages, ages]))
        model.diaries.weekly[clinic.index] = clinic.weekly_capacity()
        model.diaries.set_units(clinic.index, len(clinic.gp_ages))
        model.diaries.closed[clinic.index] = False
        model.diaries.refresh(clinic.index, model.calendar.weekday)
        pop.practice[unlisted] = clinic.index
