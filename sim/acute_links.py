"""The model's links between general practice and the acute pathway, as a mixin of ``SimModel``.

Unmet same-day needs escalated to out-of-hours care or the ED, GP follow-ups asked for at
discharge and booked with the next working day's requests, readmissions, and the facts about a
person that the services ask the model for (death time, frailty). The services
call these as ``model.<method>``; the state they use (population, streams, services, recorder)
lives on the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import CHANNELS
from sim.demand import Requests
from sim.demand.needs import WORKDAYS_PER_WEEK
from sim.metrics.records import BOOKED
from sim.rng import name_key, occurrence
from sim.services.episode import EpisodeState, episode_uniforms
from sim.services.ooh import CALL_DRAWS

if TYPE_CHECKING:
    from sim.model import SimModel

ESCALATED_ED_HOURS = (10.0, 20.0)  # assumption: unmet same-day needs reach the ED between 10:00 and 20:00
FOLLOWUP_HOUR = 12.0  # a booked follow-up consultation is taken to happen at noon
ED_MINOR = 1  # kind of an ED visit that is not a modelled episode (an unmet same-day need)


class AcutePathwayLinks:
    """Methods of ``SimModel`` that join the practices' day to the acute pathway."""

    def _route_escalated(self: SimModel, persons: np.ndarray, day: int) -> None:
        """Unmet same-day requests taken elsewhere: the ED during the day, or the out-of-hours GP
        in the evening (the ED when there is no out-of-hours service).
        Background out-of-hours calls come from their own stream (``demand.ooh``); each escalated
        call's draws are keyed by (person, day, occurrence) in ``demand.escalated``, so neither
        kind of call shifts the other's draws (common random numbers)."""
        self.ooh.add_day(day, self.population, self.streams.keyed("demand.ooh"))
        draws = self.streams.keyed("demand.escalated")
        keys = (persons, day, occurrence(persons))
        u = draws.uniforms(("to_ed", "ed_time", "ed_service", *CALL_DRAWS), *keys)
        to_ed = u[:, 0] < self.config.services.ooh.escalated_to_ed_share
        if not self.config.services.ooh.enabled:
            to_ed[:] = True
        self.ooh.add_escalated(day, persons[~to_ed], u[~to_ed, 3:], self.population)
        lo, hi = ESCALATED_ED_HOURS
        times = day * MINUTES_PER_DAY + (lo + u[to_ed, 1] * (hi - lo)) * MINUTES_PER_HOUR
        minutes = self.hospital.ed.durations(u[to_ed, 2])
        self.hospital.ed.queue.schedule_many(times, minutes, ED_MINOR, persons[to_ed])

    def _followup_requests(self: SimModel, episodes: list[EpisodeState], day: int) -> Requests:
        """GP follow-up consultations asked for at discharge, as routine in-person requests."""
        n = len(episodes)
        person = np.array([e.person for e in episodes], np.int32)
        return Requests(
            day,
            person,
            self.population.band[person],
            np.zeros(n, bool),
            np.full(n, CHANNELS.index("in_person"), np.int8),
            np.zeros(n, bool),
            np.full(n, day, np.int32),
            np.full(n, -1, np.int8),
        )

    def _followup_outcomes(
        self,
        episodes: list[EpisodeState],
        status: np.ndarray,
        active: np.ndarray,
        offset: np.ndarray,
        day: int,
    ) -> None:
        """Set the follow-up time of each discharged patient whose GP consultation was booked
        (follow-up requests are the last ``len(episodes)`` of the day's batch)."""
        if not episodes:
            return
        booked_day = np.full(len(status), -1, np.int64)
        booked_day[active] = day + offset.astype(np.int64)
        first = len(status) - len(episodes)
        for i, ep in enumerate(episodes):
            if status[first + i] == BOOKED:
                when = booked_day[first + i] * MINUTES_PER_DAY + FOLLOWUP_HOUR * MINUTES_PER_HOUR
                ep.followup_time = min(ep.followup_time, when)

    def ask_gp_followup(self: SimModel, ep: EpisodeState) -> None:
        """Ask the patient's practice for a follow-up consultation, booked with the next
        working day's requests."""
        day = self.next_booking_day(self.env.now)
        self._followups.setdefault(day, []).append(ep)

    def next_booking_day(self: SimModel, now: float) -> int:
        """The next working day after time ``now``, on which requests are booked."""
        day = int(now // MINUTES_PER_DAY) + 1
        while self.calendar.weekday(day) >= WORKDAYS_PER_WEEK:
            day += 1
        return day

    def readmission(self: SimModel, parent: EpisodeState) -> EpisodeState:
        """A new episode: the readmission of ``parent``'s patient, now, straight to hospital.
        Its draws are keyed by the parent's identity (person, group, the original need's day and
        occurrence) and the next generation, never by an episode id (common random numbers);
        its id is only for bookkeeping."""
        person = parent.person
        keyed = self.streams.keyed("demand.episodes")
        group = name_key(self.group_names[parent.group])
        generation = parent.generation + 1
        u = episode_uniforms(keyed, person, group, parent.need_day, parent.occurrence, generation)
        ep = EpisodeState(
            id=self._readmission_id,
            person=person,
            band=int(self.population.band[person]),
            group=parent.group,
            severe=True,
            practice=int(self.population.practice[person]),
            onset=self.env.now,
            u=u[0],
            readmission_of=parent.id,
            route="ed",
            need_day=parent.need_day,
            occurrence=parent.occurrence,
            generation=generation,
        )
        self._readmission_id += 1
        self.recorder.episodes.append(ep)
        return ep

    def death_time(self: SimModel, person: int) -> float:
        """When ``person`` dies in this year's population plan (minutes; inf if not)."""
        day = self.plan.death_day(person)
        return np.inf if day is None else day * MINUTES_PER_DAY

    def is_frail_or_home_care(self: SimModel, person: int) -> bool:
        """True for a frail person or one who gets home care."""
        pop = self.population
        return bool(
            pop.home_care[person] or pop.frailty[person] > self.config.population.frailty.frail_threshold
        )
