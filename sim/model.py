"""The simulation model: one SimPy clock, a Mesa registry of providers, person arrays.

Before day 0
============
A silent pre-run of ``warm_start_days`` (``_warm_start``): each day's practice requests and due
chronic controls are triaged and booked, nothing is measured and no episode starts, so that on
day 0 the diaries, the lateness of controls and the chronic-care cover they give are near their
steady state (a control's test trip is drawn as on any day; hospital outpatient controls start
on day 0).

Order of one day
================
At 00:00 of every simulated day ``d`` (``env.now == d * 1440`` minutes), the steps of
``DAY_STEPS`` in this order (a test checks that this list and ``DAY_STEPS`` agree):

1. **Measured years**: on day 0 and on the first day of each later measured year, the yearly
   tick: everyone ages to the day, conditions, frailty and home care are derived anew, and the
   year's births, deaths and migrations are drawn with their days (``sim.population.dynamics``);
   from the second year on, people who developed a condition start its controls and the
   ``workforce`` rule retires and replaces GPs, shuts practices left without GPs (their
   patients list elsewhere) and may open the region's clinic. The population is snapshot
   where a measured year ends and where the measured period starts.
2. **Population events** due that day are applied; people who arrive are listed with
   practices that have room (``list_management``) and enrolled for their controls.
3. **Diaries roll over**: yesterday is closed (its offered and used minutes per practice and
   role are recorded) and day ``d + horizon`` is opened.
4. **Needs**: the day's requests to general practice and, on weekdays, the chronic controls
   that are due (``sim.demand``).
5. **Outpatient and satellite visits**: on weekdays, hospital outpatient controls due, at the
   hospital or a satellite clinic (``sim.services.satellite``); an attended one renews the
   person's chronic-care cover (``sim.demand.chronic_care``).
6. **Acute episodes drawn**, with onset times during the day (their hazard following the
   person's coverage of the control that prevents them, and their continuity of care).
7. **Care seeking** (``care_seeking`` rule): for each new need, contact the practice today,
   put it off for some days, or forgo it; needs put off earlier whose day has come, and GP
   follow-ups asked for at discharge, join today's batch.
8. **Triage**: requests of people without a listed practice are unmet; the ``triage`` rule
   gives the others a role (GP or nurse), channel and clinician minutes.
9. **Booking** (``booking`` rule): the day's requests go into the diaries as one batch;
   same-day needs first, then routine ones, oldest need first. A nurse request without a
   nurse slot within reach falls back to a GP (``triage.fallback``); a request without a slot
   is unmet; no-shows are drawn, keyed by the request. A booked control sets the next one due
   an interval after the booked day and, if its test is done (on site, or by a trip the
   patient may miss, drawn keyed by the request), renews the person's chronic-care cover; an
   unmet one is retried after ``demand.control_retry_days`` and stays overdue from its
   original due day. Booked GP follow-ups set the patient's follow-up time.
10. **Escalation**: unmet same-day requests go on to the out-of-hours GP (evening) or the ED
    (day), keyed by the request; before them, each service takes its daily step (the
    out-of-hours GP places the day's other calls).
11. **Records**: requests, the access snapshot (days to the third available contact, on
    working days) and the controls still waiting (and how late).
12. **Episodes start** as SimPy processes; each waits until its onset time and then runs in
    continuous time along its routes (``sim.services.pathway``: ``escalation`` may take
    today's remaining practice time; the out-of-hours GP, acute team, emergency department
    and ``admission`` follow), possibly over several days.
13. **Daily series**: the Mesa ``DataCollector`` records the day's model-level series.

Mesa's ``Model`` is the registry of provider agents and the home of the DataCollector,
not a second clock: SimPy's ``env.now`` (minutes) is the only time. The services' lifecycle
hooks (``setup`` before day 0, ``step`` each day, ``finish`` at the end, then ``kpis`` and
``cost``) are called on Mesa's ``AgentSet`` of services (``do``, ``map``); see
:mod:`sim.services.base`. Services and rules see the model only as a :class:`sim.world.World`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import simpy

from sim.acute_links import AcutePathwayLinks
from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, Calendar
from sim.config.schema import SimConfig
from sim.demand import ControlSchedule, Requests, acute_episodes
from sim.demand.continuity import ContinuityLedger
from sim.demand.controls import BACKLOG_DAYS
from sim.demand.draws import draw_columns
from sim.demand.needs import FORGONE, WORKDAYS_PER_WEEK
from sim.memory import contained_gc
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SHOW, NO_SLOT, NOT_SOUGHT, Recorder
from sim.population import plan_year, project, synthesise
from sim.population.dynamics import empty_plan
from sim.practice_day import PracticeDay
from sim.rng import Streams
from sim.rules.base import make_rules
from sim.services.acute_team import AcuteTeam
from sim.services.base import make_plugins, make_providers, route_table, services_of
from sim.services.episode import EpisodeState
from sim.services.followups import GPFollowUps
from sim.services.hospital import Hospital
from sim.services.ooh import OutOfHours
from sim.services.pathway import start_at_onset
from sim.services.practice import Practice, build_diaries, create_practices, fit_capacity_to_lists
from sim.services.satellite import Satellite
from sim.services.staffing import list_everyone, list_newcomers, staff_practices, yearly_staffing

# The steps of one simulated day, in order: (name in the module docstring, method). A test checks
# that the docstring's "Order of one day" lists exactly these names in this order.
DAY_STEPS = (
    ("Measured years", "_step_year"),
    ("Population events", "_step_population"),
    ("Diaries roll over", "_step_diaries"),
    ("Needs", "_step_needs"),
    ("Outpatient and satellite visits", "_step_outpatient"),
    ("Acute episodes drawn", "_step_episodes"),
    ("Care seeking", "_step_care_seeking"),
    ("Triage", "_step_triage"),
    ("Booking", "_step_booking"),
    ("Escalation", "_step_escalation"),
    ("Records", "_step_records"),
    ("Episodes start", "_step_episodes_start"),
    ("Daily series", "_step_series"),
)


@dataclass
class Day:
    """What the steps of one day hand on to the later steps of the same day."""

    day: int
    weekday: int
    requests: Requests | None = None  # the day's batch of requests to general practice
    episodes: Any = None  # the acute episodes drawn for the day
    followups: list[EpisodeState] = field(default_factory=list)  # GP follow-ups joining the batch
    status: Any = None  # per request: booked, no slot, no practice, not sought, no-show
    practice: Any = None  # per request: the listed practice (-1: none)
    active: Any = None  # indices of the requests that reach triage and booking
    sub: Requests | None = None  # those requests
    role: Any = None
    channel: Any = None
    minutes: Any = None
    offset: Any = None  # per active request: days from today to its booked slot (-1: none)
    with_named: Any = None  # per active request: booked with the patient's named GP
    escalated: Any = None  # per request: an unmet same-day need taken to out-of-hours care or the ED


class SimModel(AcutePathwayLinks, PracticeDay, mesa.Model):
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
            self, config.organisation, self.population, config.population
        )
        self.diaries = build_diaries(self.practices)
        # the population events until the next yearly tick (drawn at day 0's tick; none before)
        self.plan = empty_plan()
        self.controls = ControlSchedule(config.demand, self.population.condition_names)
        self.controls.draws = self.streams.keyed("demand.control_adherence")
        # first due days spread over each control's interval from the start of the warm start
        self.controls.enrol(self.population, -self.warm_start_days(), self.streams("demand.controls"))
        self.continuity = ContinuityLedger(config.demand.continuity)  # who saw whom (sim.demand.continuity)
        self._create_services()
        self.rules = make_rules(config.rules)
        for rule in self.rules.values():
            rule.setup(self)
        # the episode draws the services and rules declare, by name (sim.demand.draws)
        self.draw_columns = draw_columns([*self.service_agents, *self.rules.values()])
        self.service_agents.do("setup")
        staff_practices(self)
        list_everyone(self)
        listed = self.rules["list_management"].listed(self)
        fit_capacity_to_lists(self.practices, self.diaries, listed, config.organisation)
        self.recorder = Recorder(self.calendar, self.population)
        self.datacollector = mesa.DataCollector(
            model_reporters={
                "population|all": lambda m: m.population.count_alive(),
                "population|0-64": lambda m: len(m.population.alive_by_band()[0]),
                "population|65-79": lambda m: len(m.population.alive_by_band()[1]),
                "population|80+": lambda m: len(m.population.alive_by_band()[2]),
                "ed_queue|all": lambda m: m.hospital.ed.queue_length(),
                "beds_occupied|all": lambda m: m.hospital.in_bed,
                "ooh_queue|all": lambda m: m.ooh.triage.queue_length() if m.ooh else 0,
            }
        )
        self._ticks = set(self.calendar.tick_days())
        self._episode_id = 0
        self._progress: Callable[[int], None] | None = None
        self._deferred: dict[int, list[Requests]] = {}  # needs put off, by the day they are taken up
        self._equipment_table: np.ndarray | None = None  # practices x equipment on site (practice_day)
        self.followups = GPFollowUps(self.calendar)  # GP follow-ups asked for at discharge

    def _create_services(self) -> None:
        """The services, as Mesa agents: the core services named in ``services.providers``, in
        that order (the order of their cost components), then the plug-ins named in
        ``services.plugins``. Each is built from its own config block."""
        svc = self.config.services
        ref = svc.reference_population
        self.capacity_scale = self.config.population.size / ref if ref > 0 else 1.0
        make_providers(self, svc.providers)
        make_plugins(self, svc.plugins)
        self.service_agents = services_of(self)  # Mesa's AgentSet of every service
        self.services = route_table(self)  # route name -> service, from Mesa's agents
        named = {s.name: s for s in self.service_agents}
        self.hospital: Hospital = named["hospital"]  # the model's own links to the core services
        self.satellite: Satellite = named["satellite"]
        self.ooh: OutOfHours | None = named.get("out_of_hours")  # None: not in services.providers
        self.acute: AcuteTeam | None = named.get("acute_function")

    # ------------------------------------------------------------------ running
    def run(self, progress: Callable[[int], None] | None = None) -> Recorder:
        """Simulate warm-up and measured days; return the records of the run. ``progress`` is
        called with 1 after each simulated day (for a progress bar)."""
        self._progress = progress
        with contained_gc():
            self._warm_start()
            self.env.process(self._clock())
            self.env.run(until=self.calendar.total_days * MINUTES_PER_DAY)
        offered, used = self.diaries.today()
        self.recorder.close_day(self.diaries.day, offered, used)
        self.recorder.snapshot_population(self.calendar.total_days)
        self.recorder.end = self.run_end()
        self.service_agents.do("finish")
        self.recorder.finish(self.hospital.final_ed)
        return self.recorder

    def _clock(self) -> Generator[simpy.Event, None, None]:
        for day in range(self.calendar.total_days):
            today = Day(day, self.calendar.weekday(day))
            for _, step in DAY_STEPS:
                getattr(self, step)(today)
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
            yearly_staffing(self, day)

    def population_events(self, day: int) -> None:
        """Apply the births, deaths and migrations of ``day``; list the newcomers."""
        counts, arrived, left = self.plan.apply(self.population, day)
        self.controls.forget(left)
        if len(arrived):
            list_newcomers(self, arrived)
            self.controls.enrol(self.population, day, self.streams("demand.controls"), arrived)
        self.recorder.population_events(day, counts)

    # ------------------------------------------------------------------ the steps of a day
    def _step_year(self, d: Day) -> None:
        since = d.day - self.calendar.warmup_days
        if since > 0 and since % DAYS_PER_YEAR == 0:  # a measured year ends (for KPIs by year)
            self.recorder.snapshot_population(d.day)
        if d.day in self._ticks:
            self.yearly_tick(d.day)
        if d.day == self.calendar.warmup_days:  # the measured period starts before this day's events
            self.recorder.snapshot_population(d.day)

    def _step_population(self, d: Day) -> None:
        self.population_events(d.day)

    def _step_diaries(self, d: Day) -> None:
        if d.day == 0:
            if self.diaries.day != 0:  # not opened by the warm start
                self.diaries.start(0, self.calendar.weekday)
        else:
            offered, used = self.diaries.advance(self.calendar.weekday)
            self.recorder.close_day(d.day - 1, offered, used)

    def _step_needs(self, d: Day) -> None:
        d.requests = self._practice_needs(d.day, self.streams("demand.requests"))

    def _step_outpatient(self, d: Day) -> None:
        if d.weekday < WORKDAYS_PER_WEEK:
            pop = self.population
            person, control = self.controls.outpatient_visits(pop, d.day)
            # keyed by the visit, so a scenario that places it elsewhere draws the same number
            u = self.streams.keyed("demand.outpatient_attendance").uniform("attends", person, control, d.day)
            visits = self.satellite.allocate(pop, person, control, u)
            self.recorder.outpatient(d.day, visits)
            came = visits.attended
            self.controls.outpatient_attended(person[came], control[came], d.day)

    def _step_episodes(self, d: Day) -> None:
        cfg = self.config
        d.episodes = acute_episodes(
            self.population,
            cfg.demand,
            self.controls,
            self.continuity,
            d.day,
            cfg.population.frailty.frail_threshold,
            self.streams("demand.episodes"),
            tuple(self.draw_columns),
        )

    def _step_care_seeking(self, d: Day) -> None:
        self.recorder.needs[d.day] = len(d.requests)
        requests = self._seek_care(d.requests, d.day)
        d.followups = self.followups.take(d.day)
        if d.followups:  # asked for at discharge; the patient does not decide whether to come
            asked = self.followups.requests(d.followups, d.day, self.population)
            requests = Requests.concat([requests, asked], d.day)
            self.recorder.needs[d.day] += len(d.followups)
        d.requests = requests

    def _step_triage(self, d: Day) -> None:
        requests = d.requests
        d.status = np.zeros(len(requests), dtype=np.int8)
        d.status[requests.need_day == FORGONE] = NOT_SOUGHT
        d.practice = self.population.practice[requests.person]
        d.status[(d.status == 0) & (d.practice < 0)] = NO_PRACTICE
        d.active = np.flatnonzero(d.status == 0)
        d.sub = requests.subset(d.active)
        d.role, d.channel, d.minutes = self.rules["triage"].assign(d.sub, d.practice[d.active], self)

    def _step_booking(self, d: Day) -> None:
        practice = d.practice[d.active]
        d.offset, d.with_named = self._book(d.sub, practice, d.role, d.channel, d.minutes)
        d.status[d.active[d.offset < 0]] = NO_SLOT
        d.status[d.active[self._no_show(d.sub, practice, d.offset >= 0)]] = NO_SHOW
        self._control_outcomes(d.requests, d.status, d.active, d.offset, d.practice, d.day)
        self._record_continuity(d.requests, d.status, d.active, d.practice, d.role, d.with_named, d.day)
        self.followups.outcomes(d.followups, d.status == BOOKED, d.active, d.offset, d.day)

    def _step_escalation(self, d: Day) -> None:
        d.escalated = self._escalate_unmet(d.requests, d.status)
        self.service_agents.do("step", d.day)  # each service's day (the out-of-hours GP's other calls)
        self._route_escalated(d.requests.person[d.escalated], d.day)

    def _step_records(self, d: Day) -> None:
        self.recorder.gp_fte[d.day] = self.agents_by_type[Practice].agg("gp_fte", sum)  # Mesa's AgentSet
        named = np.zeros(len(d.requests), bool)
        named[d.active] = d.with_named
        self.recorder.requests(
            d.requests, d.practice, d.status, d.active, d.role, d.channel, d.minutes, d.offset, d.escalated,
            named,
        )
        if d.weekday < WORKDAYS_PER_WEEK:  # practices that work, on working days
            third = self.diaries.days_to_nth_free(self._standard_minutes())
            self.recorder.access_snapshot(d.day, third[~self.diaries.closed])
        late_by = (self.config.demand.overdue_grace_days, BACKLOG_DAYS)
        waiting = self.controls.waiting(self.population, d.day, late_by)
        self.recorder.controls_day(d.day, waiting, self.controls.chronic(self.population))

    def _step_episodes_start(self, d: Day) -> None:
        pop, episodes = self.population, d.episodes
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
                need_day=d.day,
                occurrence=int(episodes.occurrence[i]),
                columns=self.draw_columns,
            )
            self._episode_id += 1
            self.recorder.episodes.append(ep)
            start_at_onset(self, ep)

    def _step_series(self, d: Day) -> None:
        self.datacollector.collect(self)
