"""Care seeking: whether and when each of today's needs becomes a request to the practice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.validation import Validated, at_least, probability
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.world import World

FORGO = -1


class CareSeekingRule(Rule):
    """Decides, per need, how many days the person waits before contacting their practice."""

    family = "care_seeking"

    def seek(self, requests: Requests, world: World) -> np.ndarray:
        """Delay in days for each need: 0 = contact today, k > 0 = in k days, -1 = never."""
        raise NotImplementedError


@dataclass(frozen=True)
class SeekParams(Validated):
    """Parameters of the default care-seeking rule."""

    seek_probability: float = probability(1.0)


@register
class SeekAll(CareSeekingRule):
    """Each need becomes a request today with probability ``seek_probability`` (default: all)."""

    name = "default"
    Params = SeekParams

    def seek(self, requests: Requests, world: World) -> np.ndarray:
        delay = np.zeros(len(requests), dtype=np.int32)
        if self.params.seek_probability < 1.0:
            delay[self.rng.random(len(requests)) >= self.params.seek_probability] = FORGO
        return delay


@dataclass(frozen=True)
class FrailAloneParams(Validated):
    """Parameters of the frail-and-alone delay rule (assumptions: no Danish figure found)."""

    delay_share: float = probability(0.4)  # share of needs that frail people living alone put off
    mean_delay_days: float = at_least(1.0, 3.0)  # mean delay (geometric), in days
    forgo_share: float = probability(0.1)  # share of the delayed needs never taken to the practice


@register
class FrailAloneDelay(CareSeekingRule):
    """Frail people who live alone put off a share of their needs for a few days (and forgo
    some); everyone else seeks care the same day."""

    name = "frail_alone_delay"
    Params = FrailAloneParams

    def seek(self, requests: Requests, world: World) -> np.ndarray:
        pop, p = world.population, self.params
        person = requests.person
        frail = pop.frailty[person] > world.config.population.frailty.frail_threshold
        at_risk = frail & pop.lives_alone[person]
        u = self.rng.random((3, len(requests)))
        delayed = at_risk & (u[0] < p.delay_share)
        delay = np.zeros(len(requests), dtype=np.int32)
        days = np.ceil(np.log1p(-u[1]) / np.log1p(-1.0 / p.mean_delay_days)).astype(np.int32)
        delay[delayed] = np.maximum(days[delayed], 1)
        delay[delayed & (u[2] < p.forgo_share)] = FORGO
        return delay
