"""Triage and delegation: which role handles a request, over which channel, for how long."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.schema import CHANNELS
from sim.rules.base import Rule, register
from sim.services.diary import GP, NURSE

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.model import SimModel

VIDEO, IN_PERSON, HOME_VISIT = (
    CHANNELS.index("video"),
    CHANNELS.index("in_person"),
    CHANNELS.index("home_visit"),
)


class TriageRule(Rule):
    """Assigns each request a role, a channel and clinician minutes."""

    family = "triage"

    def assign(
        self, requests: Requests, practice: np.ndarray, model: SimModel
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (role, channel, minutes) arrays for requests listed at ``practice``."""
        raise NotImplementedError


@register
class DelegateWhereAble(TriageRule):
    """Nurse-eligible requests go to a nurse where the practice has nurses and delegates;
    video requests become in-person where the practice offers no video; home visits take the
    visit's minutes plus travel there and back; contacts of home-care recipients add a
    hand-over with municipal home nursing (``organisation.handover_minutes``, shorter when
    home nursing is co-located)."""

    name = "default"

    def setup(self, model: SimModel) -> None:
        super().setup(model)
        ps = model.practices
        self.delegates = np.array([p.delegates_to_nurse for p in ps], dtype=bool)
        self.video = np.array([p.spec.video for p in ps], dtype=bool)
        org = model.config.organisation
        self.handover = np.array(
            [
                org.handover_minutes_co_located
                if "home_nursing" in p.spec.co_located
                else org.handover_minutes
                for p in ps
            ]
        )
        self.minutes = np.array(
            [
                [
                    [getattr(m, c) for c in CHANNELS]
                    for m in (p.spec.diary.gp_minutes, p.spec.diary.nurse_minutes)
                ]
                for p in ps
            ]
        ).reshape(len(ps), 2, len(CHANNELS))

    def assign(
        self, requests: Requests, practice: np.ndarray, model: SimModel
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        role = np.where(requests.nurse_eligible & self.delegates[practice], NURSE, GP).astype(np.int8)
        channel = requests.channel.copy()
        channel[(channel == VIDEO) & ~self.video[practice]] = IN_PERSON
        minutes = self.minutes[practice, role, channel]
        minutes = minutes.astype(float)
        home = channel == HOME_VISIT
        if home.any():  # travel there and back, at the speed of the patient's area
            minutes[home] += 2.0 * travel_minutes(model, requests.person[home], practice[home])
        # contacts of home-care recipients include a hand-over with municipal home nursing,
        # shorter where home nursing sits in the same house
        minutes += np.where(model.population.home_care[requests.person], self.handover[practice], 0.0)
        return role, channel, minutes


def travel_minutes(model: SimModel, person: np.ndarray, practice: np.ndarray) -> np.ndarray:
    """One-way travel time (minutes) between each person's home and their practice."""
    pop = model.population
    px = np.array([p.x for p in model.practices])[practice]
    py = np.array([p.y for p in model.practices])[practice]
    speed = np.array([a.speed_kmh for a in model.config.population.geography.areas.values()])
    return np.hypot(pop.x[person] - px, pop.y[person] - py) / speed[pop.area[person]] * 60.0
