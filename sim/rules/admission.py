"""Admission: whether an episode seen in the emergency department is admitted, and for how long."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.config.schema import AGE_BANDS
from sim.config.validation import Validated, at_least
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState
    from sim.world import World


class AdmissionRule(Rule):
    """Decides admission after the ED and the length of stay (minutes)."""

    family = "admission"
    draws = ("admit", "stay")

    def decide(self, episode: EpisodeState, world: World) -> tuple[bool, float]:
        """Return (admitted, length of stay in minutes; 0 when not admitted)."""
        raise NotImplementedError


@dataclass(frozen=True)
class AdmitParams(Validated):
    """Parameters of the default admission rule."""

    severe_odds_ratio: float = at_least(0.0, 3.0)


@register
class ByGroupProbability(AdmissionRule):
    """Admit with the group's probability (``services.hospital.admit_probability``), its odds
    multiplied by ``severe_odds_ratio`` for severe episodes; a readmission is always admitted.
    Exponential length of stay with the age band's mean (``services.hospital.los_days``)
    times the group's factor (``services.hospital.los_factor``)."""

    name = "default"
    Params = AdmitParams

    def setup(self, world: World) -> None:
        super().setup(world)
        hosp = world.config.services.hospital
        self.p = np.array(
            [hosp.admit_probability.get(g, hosp.admit_probability_default) for g in world.group_names]
        )
        self.los = np.array([hosp.los_days.get(b, 1.0) for b in AGE_BANDS]) * MINUTES_PER_DAY
        self.los_factor = np.array([hosp.los_factor.get(g, 1.0) for g in world.group_names] or [1.0])

    def decide(self, episode: EpisodeState, world: World) -> tuple[bool, float]:
        p = self.p[episode.group]
        if episode.severe and 0 < p < 1:
            odds = p / (1 - p) * self.params.severe_odds_ratio
            p = odds / (1 + odds)
        if episode.readmission_of < 0 and episode.draw("admit") >= p:
            return False, 0.0
        mean = self.los[episode.band] * self.los_factor[episode.group]
        return True, float(-np.log1p(-episode.draw("stay")) * mean)
