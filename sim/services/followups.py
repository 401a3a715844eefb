"""GP follow-up consultations asked for at hospital discharge.

The hospital asks the patient's practice for a follow-up (``hospital.gp_followup_share``); the
request is booked with the next working day's requests, as a routine in-person consultation
the patient does not decide about (no care-seeking step). When it is booked, the episode's
follow-up time is set to noon of the booked day, which lowers the readmission hazard from then
on (``hospital.followup_hazard_ratio``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR, Calendar
from sim.config.schema import CHANNELS
from sim.demand import Requests
from sim.demand.needs import WORKDAYS_PER_WEEK

if TYPE_CHECKING:
    from sim.population.state import Population
    from sim.services.episode import EpisodeState

FOLLOWUP_HOUR = 12.0  # a booked follow-up consultation is taken to happen at noon


class GPFollowUps:
    """Follow-ups asked for, by the working day on which they are booked."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        self.asked: dict[int, list[EpisodeState]] = {}

    def next_booking_day(self, now: float) -> int:
        """The next working day after time ``now``, on which requests are booked."""
        day = int(now // MINUTES_PER_DAY) + 1
        while self.calendar.weekday(day) >= WORKDAYS_PER_WEEK:
            day += 1
        return day

    def ask(self, ep: EpisodeState, now: float) -> None:
        """Ask ``ep``'s practice for a follow-up, booked with the next working day's requests."""
        self.asked.setdefault(self.next_booking_day(now), []).append(ep)

    def take(self, day: int) -> list[EpisodeState]:
        """The follow-ups to book on ``day`` (removed from those waiting)."""
        return self.asked.pop(day, [])

    @staticmethod
    def requests(episodes: list[EpisodeState], day: int, pop: Population) -> Requests:
        """The follow-ups of ``episodes`` as routine in-person requests of ``day``."""
        n = len(episodes)
        person = np.array([e.person for e in episodes], np.int32)
        return Requests(
            day,
            person,
            pop.band[person],
            np.zeros(n, bool),
            np.full(n, CHANNELS.index("in_person"), np.int8),
            np.zeros(n, bool),
            np.full(n, day, np.int32),
            np.full(n, -1, np.int8),
        )

    @staticmethod
    def outcomes(
        episodes: list[EpisodeState], booked: np.ndarray, active: np.ndarray, offset: np.ndarray, day: int
    ) -> None:
        """Set the follow-up time of each discharged patient whose GP consultation was booked
        (``booked``: per request of the day's batch, whose last ``len(episodes)`` are the follow-ups)."""
        if not episodes:
            return
        booked_day = np.full(len(booked), -1, np.int64)
        booked_day[active] = day + offset.astype(np.int64)
        first = len(booked) - len(episodes)
        for i, ep in enumerate(episodes):
            if booked[first + i]:
                when = booked_day[first + i] * MINUTES_PER_DAY + FOLLOWUP_HOUR * MINUTES_PER_HOUR
                ep.followup_time = min(ep.followup_time, when)
