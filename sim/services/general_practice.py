"""The own practice as a step of the acute pathway: a same-day GP consultation of an episode.

The ``escalation`` rule has already taken the GP's time from the practice's diary when it
routed the episode here (or the out-of-hours service sent the patient on to the day services).
The GP treats the episode when it is seen within its time window and its draw falls under the
group's ``primary_care_treatable`` share; otherwise the rule's ``refer`` sends it on to the
acute team or the emergency department.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from sim.rules.escalation import PRACTICE
from sim.services.base import Service, register_service
from sim.services.episode import U_TREAT

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState


def treated_by_gp(ep: EpisodeState, now: float, treatable: float, factor: float = 1.0) -> bool:
    """Whether a GP who sees ``ep`` at time ``now`` treats it (within its window, by its draw
    under the group's treatable share ``treatable`` times ``factor``)."""
    return now - ep.onset <= ep.window and ep.u[U_TREAT] < treatable * factor


@register_service
class GeneralPractice(Service):
    """Same-day GP consultations of acute episodes at the patient's own practice."""

    route = PRACTICE

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """The GP sees ``ep`` now: treated in primary care, or referred on."""
        model = self.model
        ep.passes(PRACTICE)
        if treated_by_gp(ep, model.env.now, model.episode_groups[ep.group].primary_care_treatable):
            ep.finish("primary_care", model.env.now)
            return None
        return model.rules["escalation"].refer(ep, model)
        yield  # pragma: no cover - the consultation takes no modelled time here
