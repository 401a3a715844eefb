"""The simulation model: one SimPy clock, a Mesa registry of providers, person arrays.

Before day 0
============
A silent pre-run of ``warm_start_days`` (``_warm_start``): each day's practice requests and due
chronic controls are triaged and booked, nothing is recorded and no episode starts, so that on
day 0 the diaries and the lateness of controls are near their steady state.

Order of one day
================
At 00:00 of every simulated day ``d`` (``env.now == d * 1440`` minutes), in this order:

1. **Yearly tick**, on day 0 and on the first day of each later measured year: everyone
   ages to the day, conditions, frailty and home care are derived anew, and the year's
   births, deaths and migrations are drawn with their days (``sim.population.dynamics``);
   from the second year on, the ``workforce`` rule retires and replaces GPs, shuts practices
   left without GPs (their patients list elsewhere) and may open the region's clinic.
   Then, every day, the **population events** due that day are applied and people who
   arrive are listed with practices that have room.
2. **Diaries roll over**: yesterday is closed (its offered and used minutes per practice
   and role are recorded) and day ``d + horizon`` is opened.
3. **Needs** of the day are drawn from the population (``sim.demand``): requests to
   general practice and the chronic controls that are due (weekdays only), and acute
   episodes with onset times during the day (their hazard raised where a related control
   is overdue).
4. ``care_seeking`` rule: for each new need, contact the practice today, put it off for
   some days, or forgo it. Needs put off earlier whose day has come join today's batch.
5. Requests of people without a listed practice are unmet.
6. ``triage`` rule: role (GP or nurse), channel and clinician minutes of each request.
7. ``booking`` rule: the day's requests go into the diaries as one batch; same-day needs
   first, then routine ones, oldest need first. A nurse request without a nurse slot within
   reach falls back to a GP (``triage.fallback``); a request without a slot is unmet; no-shows
   are drawn, keyed by the request. A booked control sets the next one due an interval
   after the booked day; an unmet one is retried after ``demand.control_retry_days`` and
   stays overdue from its original due day.
8. Requests and the access snapshot (days to the third available contact) are recorded.
9. Acute episodes start as SimPy processes; each waits until its onset time and then runs
   in continuous time through ``escalation`` (it may take today's remaining practice
   time), the emergency department and ``admission``, possibly over several days.
10. The controls still waiting (and how late) are recorded, and the Mesa ``DataCollector``
    records the day's model-level series.

Mesa's ``Model`` is the registry of provider agents and the home of the DataCollector,
not a second clock: SimPy's ``env.now`` (minutes) is the only time.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import mesa
import numpy as np
import simpy

from sim.acute_links import AcutePathwayLinks
from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, Calendar
from sim.config.schema import SimConfig
from sim.demand import ControlSchedule, Requests, acute_episodes, practice_requests
from sim.demand.controls import BACKLOG_DAYS, NONE
from sim.demand.needs import FORGONE, WORKDAYS_PER_WEEK, request_keys
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SHOW, NO_SLOT, NOT_SOUGHT, Recorder
from sim.population import plan_year, project, synthesise
from sim.rng import Streams
from sim.rules.base import make_rules
from sim.services.acute_team import AcuteTeam
from sim.services.base import route_table
from sim.services.diary import GP
from sim.services.episode import EpisodeState
from sim.services.general_practice import GeneralPractice
from sim.services.hospital import Hospital
from sim.services.ooh import OutOfHours
from sim.services.pathway import episode
from sim.services.practice import Practice, build_diaries, create_practices, fit_capacity_to_lists
from sim.services.satellite import Satellite
from sim.services.sites import acute_base, largest_house

READMISSION_IDS = 1 << 40  # readmissions are numbered apart, so other episodes keep their ids


class SimModel(AcutePathwayLinks, mesa.Model):
    """One replication of one scenario. ``SimModel(config, r).run()`` returns the recorder."""

    def __init__(self, config: SimConfig, replication: int = 0) -> None:
        super().__init__(rng=int(config.seed) * 1_000_003 + replication)
        self.config = config
        self.replication = replication
        self.streams = Streams(config.seed, replication)
        self.calendar = Calendar(config.start_year, config.warmup_days, round(config.years * DAYS_PER_YEAR))
        self.env = simpy.Environment()
        self.group_names = tuple(config.demand.episode_groups)
        self.episode_groups = tuple(config.demand.episode_groups.values())

        self.population = synthesise(config.population, self.streams("population.synthesis"))
        project(self.population, config.population, self.streams, config.population.projection_years)
        self.practices: list[Practice] = create_practices(
            self, config.organisation, self.population, self.streams("organisation.sites")
        )
        self.diaries = build_diaries(self.practices)
        self.controls = ControlSchedule(config.demand, self.population.condition_names)
        self.controls.draws = self.streams.keyed("demand.control_adherence")
        # first due days spread over each control's interval from the start of the warm start
        self.controls.enrol(self.population, -self.warm_start_days(), self.streams("demand.controls"))
        self._create_services()
        self.rules = make_rules(config.rules)
        for rule in self.rules.values():
            rule.setup(self)
        self.rules["workforce"].staff(self)
        self.rules["list_management"].list_everyone(self)
        listed = self.rules["list_management"].listed(self)
        fit_capacity_to_lists(self.practices, self.diaries, listed, config.organisation)
        self.recorder = Recorder(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "population|all": lambda m: m.population.count_alive(),
                "population|0-64": lambda m: len(m.population.alive_by_band()[0]),
                "population|65-79": lambda m: len(m.population.alive_by_band()[1]),
                "population|80+": lambda m: len(m.population.alive_by_band()[2]),
                "ed_queue|all": lambda m: m.hospital.ed.queue_length(),
                "beds_occupied|all": lambda m: m.hospital.in_bed,
                "ooh_queue|all": lambda m: m.ooh.triage.queue_length(),
            }
        )
        self._episode_id = 0
        self._progress: Callable[[int], None] | None = None
        self._readmission_id = READMISSION_IDS
        self._deferred: dict[int, list[Requests]] = {}  # needs put off, by the day they are taken up
        self._followups: dict[int, list[EpisodeState]] = {}  # GP follow-ups asked for, by booking day

    def _create_services(self) -> None:
        """The hospital, the out-of-hours GP, the acute team and the satellite clinic."""
        svc, geo = self.config.services, self.config.population.geography
        ref = svc.reference_population
        self.capacity_scale = self.config.population.size / ref if ref > 0 else 1.0
        hospital_site = (geo.hospital_distance_km, 0.0)
        offset = self.calendar.weekday(0) * MINUTES_PER_DAY
        self.hospital = Hospital(self, svc.hospital, self.streams("hospital.ed.service"))
        self.ooh = OutOfHours(self, svc.ooh, hospital_site, offset)
        self.acute = AcuteTeam(self, svc.acute_function, acute_base(self, hospital_site), offset)
        GeneralPractice(self)  # the own practice's same-day GP, as a step of the acute pathway
        self.services = route_table(self)  # route name -> service, from Mesa's agents
        self.satellite = Satellite(
            svc.satellite, svc.outpatient, hospital_site, largest_house(self.practices)
        )

    # ------------------------------------------------------------------ running
    def run(self, progress: Callable[[int], None] | None = None) -> Recorder:
        """Simulate warm-up and measured days; return the records of the run. ``progress`` is
        called with 1 after each simulated day (for a progress bar)."""
        self._progress = progress
        self._warm_start()
        self.env.process(self._clock())
        self.env.run(until=self.calendar.total_days * MINUTES_PER_DAY)
        offered, used = self.diaries.today()
        self.recorder.close_day(self.diaries.day, offered, used)
        self.recorder.snapshot_population(self.calendar.total_days)
        self.recorder.finish()
        return self.recorder

    def warm_start_days(self) -> int:
        """Days of the silent pre-run before day 0: ``warm_start_days``, at least the booking
        horizon (0 for a cold start)."""
        days = self.config.warm_start_days
        return max(days, self.diaries.horizon) if days > 0 else 0

    def _warm_start(self) -> None:
        """A silent pre-run of ``warm_start_days`` before day 0, so that the diaries hold on day 0
        the bookings they would hold after running, and the controls their lateness: each day's
        requests and due controls are triaged and booked (with the fallback to GPs), booked
        controls set their next due day and unanswered ones are retried; nothing is recorded, no
        one forgoes or misses a contact and no episode starts. Requests come from their own
        stream, so the run's streams are untouched."""
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
            offset, _ = self._book(sub, practice[active], role, channel, minutes)
            status = np.full(len(requests), NO_PRACTICE, np.int8)
            status[active] = np.where(offset >= 0, BOOKED, NO_SLOT)
            self._control_outcomes(requests, status, active, offset, day)
            self.diaries.advance(weekday_of)

    def _clock(self) -> Generator[simpy.Event, None, None]:
        weekday_of = self.calendar.weekday
        ticks = set(self.calendar.tick_days())
        for day in range(self.calendar.total_days):
            since = day - self.calendar.warmup_days
            if since > 0 and since % DAYS_PER_YEAR == 0:  # a measured year ends (for KPIs by year)
                self.recorder.snapshot_population(day)
            if day in ticks:
                self.yearly_tick(day)
            if day == self.calendar.warmup_days:  # the measured period starts before this day's events
                self.recorder.snapshot_population(day)
            self.population_events(day)
            if day == 0:
                if self.diaries.day != 0:  # not opened by the warm start
                    self.diaries.start(0, weekday_of)
            else:
                offered, used = self.diaries.advance(weekday_of)
                self.recorder.close_day(day - 1, offered, used)
            self.daily_tick(day)
            if self._progress:
                self._progress(1)
            yield self.env.timeout(MINUTES_PER_DAY)

    # ------------------------------------------------------------------ ticks
    def yearly_tick(self, day: int) -> None:
        """Age and re-derive everyone; draw the population events until the next tick."""
        length = self.calendar.next_tick(day) - day
        self.plan = plan_year(self.population, self.config.population, self.streams, day, length)
        if day > 0:  # people who developed a condition start its controls; GPs retire and are replaced
            self.controls.enrol(self.population, day, self.streams("demand.controls"))
            self.rules["workforce"].yearly(self, day)

    def population_events(self, day: int) -> None:
        """Apply the births, deaths and migrations of ``day``; list the newcomers."""
        counts, arrived = self.plan.apply(self.population, day)
        if len(arrived):
            self.rules["list_management"].list_newcomers(self, arrived)
            self.controls.enrol(self.population, day, self.streams("demand.controls"), arrived)
        self.recorder.population_events(day, counts)

    def daily_tick(self, day: int) -> None:
        """Needs, care seeking, triage, booking and acute episodes of ``day`` (see module doc)."""
        pop, cfg = self.population, self.config
        weekday = self.calendar.weekday(day)
        requests = self._practice_needs(day, self.streams("demand.requests"))
        if weekday < WORKDAYS_PER_WEEK:
            person, control = self.controls.outpatient_visits(pop, day)
            u = self.streams("demand.outpatient_attendance").random(len(person))
            self.recorder.outpatient(day, self.satellite.allocate(pop, person, control, u))
        episodes = acute_episodes(
            pop,
            cfg.demand,
            self.controls,
            day,
            cfg.population.frailty.frail_threshold,
            self.streams("demand.episodes"),
        )

        self.recorder.needs[day] = len(requests)
        requests = self._seek_care(requests, day)
        followups = self._followups.pop(day, [])
        if followups:  # asked for at discharge; the patient does not decide whether to come
            requests = Requests.concat([requests, self._followup_requests(followups, day)], day)
            self.recorder.needs[day] += len(followups)
        status = np.zeros(len(requests), dtype=np.int8)
        status[requests.need_day == FORGONE] = NOT_SOUGHT
        practice = pop.practice[requests.person]
        status[(status == 0) & (practice < 0)] = NO_PRACTICE
        active = np.flatnonzero(status == 0)
        sub = requests.subset(active)
        role, channel, minutes = self.rules["triage"].assign(sub, practice[active], self)
        offset, with_named = self._book(sub, practice[active], role, channel, minutes)
        status[active[offset < 0]] = NO_SLOT
        status[active[(offset >= 0) & self._no_show(sub, practice[active])]] = NO_SHOW
        self._control_outcomes(requests, status, active, offset, day)
        self._followup_outcomes(followups, status, active, offset, day)
        escalated = self._escalate_unmet(requests, status)
        self._route_escalated(requests.person[escalated], day)
        named = np.zeros(len(requests), bool)
        named[active] = with_named
        self.recorder.requests(
            requests, practice, status, active, role, channel, minutes, offset, escalated, named
        )
        if weekday < WORKDAYS_PER_WEEK:  # practices that work, on working days
            third = self.diaries.days_to_nth_free(self._standard_minutes())
            self.recorder.access_snapshot(day, third[~self.diaries.closed])
        late_by = (cfg.demand.overdue_grace_days, BACKLOG_DAYS)
        self.recorder.controls_day(day, self.controls.waiting(pop, day, late_by), self.controls.chronic(pop))

        for i in range(len(episodes)):
            ep = EpisodeState(
                id=self._episode_id,
                person=int(episodes.person[i]),
                band=int(episodes.band[i]),
                group=int(episodes.group[i]),
                severe=bool(episodes.severe[i]),
                practice=int(pop.practice[episodes.person[i]]),
                onset=float(episodes.onset[i]),
                u=episodes.u[i],
                window=float(episodes.window[i]),
                need_day=day,
                occurrence=int(episodes.occurrence[i]),
            )
            self._episode_id += 1
            self.recorder.episodes.append(ep)
            self.env.process(episode(self, ep))
        self.datacollector.collect(self)

    def _practice_needs(self, day: int, rng: np.random.Generator) -> Requests:
        """The day's new requests to general practice and, on weekdays, the controls due."""
        pop, weekday = self.population, self.calendar.weekday(day)
        requests = practice_requests(pop, self.config.demand, day, weekday, rng)
        if weekday < WORKDAYS_PER_WEEK:
            requests = Requests.concat([requests, self.controls.requests(pop, day)], day)
        return requests

    def _book(
        self,
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
        offset = booking.book(requests, practice, role, minutes, self)
        with_named = np.asarray(booking.with_named, bool).copy()
        unmet = np.flatnonzero(offset < 0)
        pos, gp_minutes = triage.fallback(
            requests.subset(unmet), practice[unmet], role[unmet], channel[unmet], self
        )
        if len(pos):
            idx = unmet[pos]
            gp = np.full(len(idx), GP, np.int8)
            again = booking.book(requests.subset(idx), practice[idx], gp, gp_minutes, self)
            ok = again >= 0
            offset[idx[ok]] = again[ok]
            role[idx[ok]] = GP
            minutes[idx[ok]] = gp_minutes[ok]
            with_named[idx[ok]] = np.asarray(booking.with_named, bool)[ok]
        return offset, with_named

    def _seek_care(self, requests: Requests, day: int) -> Requests:
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

    def _no_show(self, requests: Requests, practice: np.ndarray) -> np.ndarray:
        """Which booked requests the patient will not come to (drawn for every active request,
        keyed by the request's identity: see ``request_keys``)."""
        share = np.array([p.spec.diary.no_show_share for p in self.practices])
        u = self.streams.keyed("demand.no_show").uniform("no_show", *request_keys(requests))
        return u < share[practice]

    def _escalate_unmet(self, requests: Requests, status: np.ndarray) -> np.ndarray:
        """Which unmet same-day requests go on to out-of-hours care or the ED instead (keyed by
        the request's identity, so a request unmet in two scenarios escalates in both or neither)."""
        share = self.config.demand.unmet_same_day_to_acute_share
        u = self.streams.keyed("demand.unmet_escalation").uniform("escalate", *request_keys(requests))
        unmet = np.isin(status, (NO_SLOT, NO_PRACTICE)) & requests.same_day
        return unmet & (u < share)

    def _control_outcomes(
        self, requests: Requests, status: np.ndarray, active: np.ndarray, offset: np.ndarray, day: int
    ) -> None:
        """Tell the control schedule which controls will be seen (and on which day); the rest retry."""
        seen_day = np.full(len(requests), NONE, np.int64)
        seen_day[active] = day + offset.astype(np.int64)
        seen_day[status != BOOKED] = NONE
        ctl = np.flatnonzero(requests.control >= 0)
        self.controls.outcome(requests.person[ctl], requests.control[ctl].astype(np.int64), seen_day[ctl])

    def needs_put_off(self) -> int:
        """Needs put off by the care-seeking rule and not yet taken to the practice."""
        return sum(len(r) for parts in self._deferred.values() for r in parts)

    def _standard_minutes(self) -> float:
        """Minutes of one standard in-person GP consultation (for the access snapshot)."""
        return self.practices[0].spec.diary.gp_minutes.in_person if self.practices else 15.0
