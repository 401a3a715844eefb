"""General practice's part of a day, as a mixin of ``SimModel``: the silent pre-run before day 0
(the warm start), the day's requests, care seeking, booking with the triage rule's fallback to a
GP, no-shows, which unmet same-day needs escalate, and what the control schedule learns from the
bookings (with the trips for controls' tests). The steps of
:mod:`sim.model` call these; the state they use (population, diaries, rules, streams) lives on
the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.schema import EQUIPMENT
from sim.demand import Requests, practice_requests
from sim.demand.continuity import seen_by_named
from sim.demand.controls import NONE
from sim.demand.needs import FORGONE, WORKDAYS_PER_WEEK, request_keys
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SLOT, PracticeAtEnd, RunEnd
from sim.services.diary import GP

if TYPE_CHECKING:
    from sim.model import SimModel


class PracticeDay:
    """Methods of ``SimModel`` for general practice's day."""

    def warm_start_days(self) -> int:
        """Days of the silent pre-run before day 0: ``warm_start_days``, at least the booking
        horizon (0 for a cold start)."""
        days = self.config.warm_start_days
        return max(days, self.diaries.horizon) if days > 0 else 0

    def _warm_start(self) -> None:
        """A silent pre-run of ``warm_start_days`` before day 0, so that the diaries hold on day 0
        the bookings they would hold after running, and the controls their lateness: each day's
        requests and due controls are triaged and booked (with the fallback to GPs), booked
        controls set their next due day (and renew the person's chronic-care cover where their
        test is done: the test trip is drawn, keyed, as on any day) and unanswered ones are
        retried; nothing is measured, no one forgoes or misses a contact and no episode starts.
        Requests come from their own stream, so the run's streams are untouched."""
        days = self.warm_start_days()
        if days == 0:
            return
        weekday_of, pop = self.calendar.weekday, self.population
        self.diaries.start(-days, weekday_of)
        rng = self.streams("warm_start.requests")
        for day in range(-days, 0):
            requests = self._practice_needs(day, rng)
            practice = pop.practice[requests.person]
            active = np.flatnonzero(practice >= 0)
            sub = requests.subset(active)
            role, channel, minutes = self.rules["triage"].assign(sub, practice[active], self)
            offset, with_named = self._book(sub, practice[active], role, channel, minutes)
            status = np.full(len(requests), NO_PRACTICE, np.int8)
            status[active] = np.where(offset >= 0, BOOKED, NO_SLOT)
            self._control_outcomes(requests, status, active, offset, practice, day)
            self._record_continuity(requests, status, active, practice, role, with_named, day)
            self.diaries.advance(weekday_of)

    def _practice_needs(self: SimModel, day: int, rng: np.random.Generator) -> Requests:
        """The day's new requests to general practice and, on weekdays, the controls due."""
        pop, weekday = self.population, self.calendar.weekday(day)
        requests = practice_requests(pop, self.config.demand, day, weekday, rng)
        if weekday < WORKDAYS_PER_WEEK:
            requests = Requests.concat([requests, self.controls.requests(pop, day)], day)
        return requests

    def _book(
        self: SimModel,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        channel: np.ndarray,
        minutes: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Book the day's requests; those the ``triage`` rule lets fall back to a GP when their
        role had no slot are booked again with GP minutes. Returns (day offset or -1, booked with
        the named GP); ``role`` and ``minutes`` are updated where the fallback booked."""
        booking, triage = self.rules["booking"], self.rules["triage"]
        offset, with_named = booking.book(requests, practice, role, minutes, self)
        unmet = np.flatnonzero(offset < 0)
        pos, gp_minutes = triage.fallback(
            requests.subset(unmet), practice[unmet], role[unmet], channel[unmet], self
        )
        if len(pos):
            idx = unmet[pos]
            gp = np.full(len(idx), GP, np.int8)
            again, named = booking.book(requests.subset(idx), practice[idx], gp, gp_minutes, self)
            ok = again >= 0
            offset[idx[ok]] = again[ok]
            role[idx[ok]] = GP
            minutes[idx[ok]] = gp_minutes[ok]
            with_named[idx[ok]] = named[ok]
        return offset, with_named

    def _seek_care(self: SimModel, requests: Requests, day: int) -> Requests:
        """Apply the ``care_seeking`` rule to today's new needs; put off the delayed ones and add
        those put off earlier to today's batch. Forgone needs are marked with ``need_day = FORGONE``."""
        delay = self.rules["care_seeking"].seek(requests, self)
        delay[(delay > 0) & (requests.control >= 0)] = -1  # a put-off control is retried by its schedule
        for d in np.unique(delay[delay > 0]):
            target = day + int(d)
            while self.calendar.weekday(target) >= WORKDAYS_PER_WEEK:
                target += 1
            self._deferred.setdefault(target, []).append(requests.subset(np.flatnonzero(delay == d)))
        today = requests.subset(np.flatnonzero(delay <= 0))
        forgo = delay[delay <= 0] < 0
        today.need_day[forgo] = FORGONE
        return Requests.concat([today, *self._deferred.pop(day, [])], day)

    def _no_show(self: SimModel, requests: Requests, practice: np.ndarray, booked: np.ndarray) -> np.ndarray:
        """Which ``booked`` requests (a mask) the patient will not come to: drawn only for them,
        keyed by each request's identity among all of ``requests`` (see ``request_keys``), so a
        request draws the same whichever others are booked."""
        share = np.array([p.spec.diary.no_show_share for p in self.practices])
        keys = (k[booked] for k in request_keys(requests))
        missed = np.zeros(len(requests), bool)
        u = self.streams.keyed("demand.no_show").uniform("no_show", *keys)
        missed[booked] = u < share[practice[booked]]
        return missed

    def _escalate_unmet(self: SimModel, requests: Requests, status: np.ndarray) -> np.ndarray:
        """Which unmet same-day requests go on to out-of-hours care or the ED instead (keyed by
        the request's identity, so a request unmet in two scenarios escalates in both or neither;
        drawn only for the unmet same-day requests)."""
        share = self.config.demand.unmet_same_day_to_acute_share
        unmet = np.isin(status, (NO_SLOT, NO_PRACTICE)) & requests.same_day
        keys = (k[unmet] for k in request_keys(requests))
        escalated = np.zeros(len(requests), bool)
        escalated[unmet] = self.streams.keyed("demand.unmet_escalation").uniform("escalate", *keys) < share
        return escalated

    def _control_outcomes(
        self: SimModel,
        requests: Requests,
        status: np.ndarray,
        active: np.ndarray,
        offset: np.ndarray,
        practice: np.ndarray,
        day: int,
    ) -> None:
        """Tell the control schedule which controls will be seen (and on which day) and which
        are complete: a control whose test the practice cannot do is complete only if the
        patient makes the trip for it (:meth:`_test_trips`); the rest retry."""
        seen_day = np.full(len(requests), NONE, np.int64)
        seen_day[active] = day + offset.astype(np.int64)
        seen_day[status != BOOKED] = NONE
        ctl = np.flatnonzero(requests.control >= 0)
        complete = np.ones(len(ctl), bool)
        booked = np.flatnonzero(seen_day[ctl] != NONE)
        complete[booked] = self._test_trips(requests, ctl[booked], practice[ctl[booked]], day)
        control = requests.control[ctl].astype(np.int64)
        self.controls.outcome(requests.person[ctl], control, seen_day[ctl], day, complete)

    def _test_trips(
        self: SimModel, requests: Requests, idx: np.ndarray, practice: np.ndarray, day: int
    ) -> np.ndarray:
        """Whether each booked control ``idx`` of ``requests`` (at ``practice``) gets its test:
        at once where the practice has the control's equipment, else by a trip to the nearer of
        hospital and satellite with it, made with a chance that falls with the distance
        (``services.equipment_trip``; drawn keyed by the request's identity)."""
        need = self.controls.equipment[requests.control[idx]]
        trip = ~self._equipment_on_site()[practice, need]
        got = np.ones(len(idx), bool)
        if not trip.any():
            return got
        at = idx[trip]
        person, kind = requests.person[at], need[trip]
        km = np.zeros(len(at))
        for k in np.unique(kind):  # to the hospital, or to a satellite clinic nearer with the equipment
            km[kind == k] = self.satellite.nearest_with(EQUIPMENT[k], self.population, person[kind == k])
        keys = (key[at] for key in request_keys(requests))
        u = self.streams.keyed("demand.equipment_trip").uniform("attends", *keys)
        attended = self.config.services.equipment_trip.attends(u, km)
        got[trip] = attended
        self.recorder.equipment_trip(day, km, attended)
        return got

    def _equipment_on_site(self: SimModel) -> np.ndarray:
        """(practices x equipment) whether each practice has each piece (column 0, no equipment
        needed: always); rebuilt when practices are added."""
        if self._equipment_table is None or len(self._equipment_table) != len(self.practices):
            has = np.ones((len(self.practices), len(EQUIPMENT)), bool)
            for p in self.practices:
                has[p.index, 1:] = [k in p.spec.equipment for k in EQUIPMENT[1:]]
            self._equipment_table = has
        return self._equipment_table

    def _record_continuity(
        self: SimModel,
        requests: Requests,
        status: np.ndarray,
        active: np.ndarray,
        practice: np.ndarray,
        role: np.ndarray,
        with_named: np.ndarray,
        day: int,
    ) -> None:
        """Tell the continuity ledger who saw whom: every booked and attended GP contact, and
        whether it was with the patient's named GP (drawn, keyed by the request's identity)."""
        gp = (status[active] == BOOKED) & (role == GP)
        idx = active[gp]
        keys = (k[idx] for k in request_keys(requests))
        u = self.streams.keyed("demand.continuity").uniform("seen_by", *keys)
        n_units = self.diaries.n_units()[practice[idx]]
        seen = seen_by_named(with_named[gp], n_units, self.config.demand.continuity.cover_share, u)
        self.continuity.record(requests.person[idx], seen, day, practice[idx])

    def run_end(self: SimModel) -> RunEnd:
        """What the run leaves for the KPIs of general practice: each practice as it ended (its
        staff, hours, equipment, whether it was shut or closed to new patients, its list) and the
        population arrays; the list rule is asked here, once, not by the KPIs."""
        lists = self.rules["list_management"]
        listed, open_to_new, n_units = lists.listed(self), lists.open_to_new(self), self.diaries.n_units()
        practices = [
            PracticeAtEnd(
                index=p.index,
                kind=p.kind,
                x=p.x,
                y=p.y,
                gp_fte=p.gp_fte,
                gp_ages=p.gp_ages.copy(),
                working_share=p.working_share,
                open_hours=p.open_hours.copy(),
                equipment=tuple(p.spec.equipment),
                closed=bool(self.diaries.closed[p.index]),
                open_to_new=bool(open_to_new[p.index]),
                listed=float(listed[p.index]),
                n_units=int(n_units[p.index]),
            )
            for p in self.practices
        ]
        pop, day = self.population, self.calendar.total_days
        upc = self.continuity.at_end(pop.n, day, pop.practice)
        coverage = self.controls.coverage.at_end(pop.n, day)
        return RunEnd(self.population, practices, self.controls.names, self.config, *upc, coverage)

    def needs_put_off(self: SimModel) -> int:
        """Needs put off by the care-seeking rule and not yet taken to the practice."""
        return sum(len(r) for parts in self._deferred.values() for r in parts)

    def _standard_minutes(self: SimModel) -> float:
        """Minutes of one standard in-person GP consultation (for the access snapshot)."""
        return self.practices[0].spec.diary.gp_minutes.in_person if self.practices else 15.0
