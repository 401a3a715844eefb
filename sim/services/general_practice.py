"""The own practice as a step of the acute pathway: a same-day GP consultation of an episode.

The ``escalation`` rule routes an episode here when the practice is open and has a same-day GP
contact free (it decides; it takes no time); the practice then takes the GP's minutes from
today's diary, at once, in the same instant. The GP treats the episode when it is seen within
its time window and its draw falls under the
group's ``primary_care_treatable`` share; otherwise the rule's ``refer`` sends it on to the
acute team or the emergency department.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY
from sim.config.organisation import GP
from sim.metrics.rates import mean_over, window_minutes
from sim.rules.escalation import PRACTICE
from sim.services.base import Service, register_service

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState
    from sim.world import World


def treated_by_gp(ep: EpisodeState, now: float, treatable: float, factor: float = 1.0) -> bool:
    """Whether a GP who sees ``ep`` at time ``now`` treats it (within its window, by its draw
    under the group's treatable share ``treatable`` times ``factor``)."""
    return now - ep.onset <= ep.window and ep.draw("treat") < treatable * factor


@register_service
class GeneralPractice(Service):
    """Same-day GP consultations of acute episodes at the patient's own practice."""

    route = PRACTICE
    name, core = "general_practice", True
    draws = ("treat",)
    cost_component = "general_practice"

    @classmethod
    def from_config(cls, world: World) -> GeneralPractice:
        return cls(world)

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """The GP sees ``ep`` now: treated in primary care, or referred on."""
        world = self.world
        practice = world.practices[ep.practice]
        world.diaries.take_now(ep.practice, GP, practice.spec.diary.gp_minutes.in_person)
        ep.passes(PRACTICE)
        if treated_by_gp(ep, world.env.now, world.episode_groups[ep.group].primary_care_treatable):
            ep.finish("primary_care", world.env.now)
            return None
        return world.rules["escalation"].refer(ep, world)
        yield  # pragma: no cover - the consultation takes no modelled time here

    def cost(self) -> float:
        """The mean GP full-time equivalents at work over the measured days times their yearly
        cost, over the period."""
        world = self.world
        lo, hi = window_minutes(world.calendar)
        years = (hi - lo) / MINUTES_PER_DAY / DAYS_PER_YEAR
        gp_fte = mean_over(world.recorder.gp_fte[int(lo // MINUTES_PER_DAY) : int(hi // MINUTES_PER_DAY)])
        return gp_fte * world.config.services.costs.gp_fte_per_year * years
