"""Triage and delegation: which role handles a request, over which channel, for how long."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.organisation import GP, NURSE
from sim.config.schema import CHANNELS
from sim.config.validation import Validated
from sim.population.geography import practice_travel_minutes
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.world import World

VIDEO, IN_PERSON, HOME_VISIT = (
    CHANNELS.index("video"),
    CHANNELS.index("in_person"),
    CHANNELS.index("home_visit"),
)


class TriageRule(Rule):
    """Assigns each request a role, a channel and clinician minutes."""

    family = "triage"

    def assign(
        self, requests: Requests, practice: np.ndarray, world: World
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (role, channel, minutes) arrays for requests listed at ``practice``."""
        raise NotImplementedError

    def fallback(
        self, requests: Requests, practice: np.ndarray, role: np.ndarray, channel: np.ndarray, world: World
    ) -> tuple[np.ndarray, np.ndarray]:
        """For requests that found no slot with their ``role``: which of them (positions) go to
        a GP instead, and the GP minutes each takes. The default sends none."""
        return np.empty(0, np.int64), np.empty(0)


@dataclass(frozen=True)
class DelegationParams(Validated):
    """Parameters of the default triage rule."""

    # Nurse-eligible work that finds no nurse slot within the booking horizon (today for a
    # same-day need) is booked with a GP instead, as a practice would (assumption: no Danish
    # figure; false reproduces a strict split in which such requests go unmet)
    nurse_fallback_to_gp: bool = True


@register
class DelegateWhereAble(TriageRule):
    """Nurse-eligible requests go to a nurse where the practice has nurses and delegates;
    video requests become in-person where the practice offers no video; home visits take the
    visit's minutes plus travel there and back; contacts of home-care recipients add a
    hand-over with municipal home nursing (``organisation.handover_minutes``, shorter when
    home nursing is co-located). Nurse work that finds no nurse slot within reach falls back to
    a GP (``nurse_fallback_to_gp``)."""

    name = "default"
    Params = DelegationParams

    def setup(self, world: World) -> None:
        super().setup(world)
        ps = world.practices
        self.delegates = np.array([p.delegates_to_nurse for p in ps], dtype=bool)
        self.video = np.array([p.spec.video for p in ps], dtype=bool)
        org = world.config.organisation
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
        self, requests: Requests, practice: np.ndarray, world: World
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        role = np.where(requests.nurse_eligible & self.delegates[practice], NURSE, GP).astype(np.int8)
        channel = requests.channel.copy()
        channel[(channel == VIDEO) & ~self.video[practice]] = IN_PERSON
        return role, channel, self._minutes(requests, practice, role, channel, world)

    def fallback(
        self, requests: Requests, practice: np.ndarray, role: np.ndarray, channel: np.ndarray, world: World
    ) -> tuple[np.ndarray, np.ndarray]:
        if not self.params.nurse_fallback_to_gp:
            return super().fallback(requests, practice, role, channel, world)
        pos = np.flatnonzero(role == NURSE)
        sub = requests.subset(pos)
        gp = np.full(len(pos), GP, np.int8)
        return pos, self._minutes(sub, practice[pos], gp, channel[pos], world)

    def _minutes(
        self, requests: Requests, practice: np.ndarray, role: np.ndarray, channel: np.ndarray, world: World
    ) -> np.ndarray:
        """Clinician minutes of each request in ``role`` over ``channel``, travel and hand-over included."""
        minutes = self.minutes[practice, role, channel].astype(float)
        home = channel == HOME_VISIT
        if home.any():  # travel there and back, at the speed of the patient's area
            minutes[home] += 2.0 * practice_travel_minutes(world, requests.person[home], practice[home])
        # contacts of home-care recipients include a hand-over with municipal home nursing,
        # shorter where home nursing sits in the same house
        minutes += np.where(world.population.home_care[requests.person], self.handover[practice], 0.0)
        return minutes
