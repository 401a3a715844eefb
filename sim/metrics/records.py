"""Records of one run: every request, every episode, diary use per day, population counts.

The recorder only stores what happened; :mod:`sim.metrics.kpis` turns the records into
the KPI table. Request records are kept as compact arrays, one batch per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.schema import AGE_BANDS

if TYPE_CHECKING:
    from sim.calendar import Calendar
    from sim.config.schema import SimConfig
    from sim.demand.needs import Requests
    from sim.population.state import Population
    from sim.services.episode import EpisodeState
    from sim.services.satellite import Visits

# request status codes
BOOKED, NO_SLOT, NO_PRACTICE, NOT_SOUGHT, NO_SHOW = 0, 1, 2, 3, 4
# what the recorder keeps of every day's requests, warm-up included (rows only of measured days):
# routine requests booked, the sum of their waits in days, requests unmet (no slot or no
# practice), all requests, and unmet same-day requests taken to out-of-hours care or the ED
REQUEST_DAY_COLUMNS = ("routine_booked", "routine_wait_days", "unmet", "requests", "escalated")
STATUS_NAMES = ("booked", "no_slot", "no_practice", "not_sought", "no_show")


@dataclass(frozen=True)
class PopulationCount:
    """Living residents by age band on one day, with their chronic conditions."""

    day: int
    by_band: tuple[int, ...]
    multimorbid_by_band: tuple[int, ...]  # people with two or more conditions
    condition_65plus: dict[str, int]  # people aged 65+ with each condition

    @property
    def residents_65plus(self) -> int:
        """Living residents aged 65 and over."""
        return self.by_band[1] + self.by_band[2]

    @property
    def total(self) -> int:
        """All living residents."""
        return sum(self.by_band)


@dataclass(frozen=True)
class PracticeAtEnd:
    """One general practice as the run ended (a ``Site`` for travel times)."""

    index: int
    kind: str
    x: float
    y: float
    gp_fte: float
    gp_ages: np.ndarray
    working_share: float  # share of weeks the staff work
    open_hours: np.ndarray  # per weekday: (open, close) clock hours
    equipment: tuple[str, ...]
    closed: bool  # shut: no GPs left (or the dormant region clinic)
    open_to_new: bool  # takes new patients (the list rule's verdict at the end)
    listed: float  # living residents listed with it
    n_units: int  # named GPs


@dataclass(frozen=True)
class RunEnd:
    """What the run left when it ended, kept by the model: the KPIs of general practice read
    this (with the population arrays, which nothing writes after the run), never the live
    practices, diaries or rules."""

    population: Population
    practices: list[PracticeAtEnd]
    control_names: tuple[str, ...]
    config: SimConfig  # the areas' travel speeds (a ``Map`` for travel times)
    upc: np.ndarray  # per person: usual-provider-of-care index at the end (sim.demand.continuity)
    gp_contacts: np.ndarray  # per person: GP contacts over the continuity window (weighted)
    # per control some deterioration depends on (by index): (enrolled persons, their coverage
    # at the end) (sim.demand.chronic_care)
    coverage: dict[int, tuple[np.ndarray, np.ndarray]]

    def column(self, name: str) -> np.ndarray:
        """One attribute of every practice, by index (``kind``, ``gp_fte``, ``listed``, ...)."""
        return np.array([getattr(p, name) for p in self.practices])

    def kind_codes(self) -> tuple[list[str], np.ndarray]:
        """The practice types in sorted order, and each practice's type as a small integer code
        into that list (for grouping millions of requests by type without strings)."""
        names, code = np.unique(self.column("kind"), return_inverse=True)
        return [str(n) for n in names], code.astype(np.int8)


class Columns:
    """A table of named NumPy columns that grows by whole batches of rows, written in place into
    preallocated arrays (no list of batches, no copy at the end). Capacity grows from the rows
    per day seen so far times the days still to come, with a margin; memory the rows never fill
    is allocated but never touched, so it is not resident."""

    def __init__(self, total_days: int, margin: float = 1.25) -> None:
        self.total_days, self.margin = total_days, margin
        self.n = 0  # rows filled
        self.days = 0  # batches appended
        self.columns: dict[str, np.ndarray] = {}

    def append(self, batch: dict[str, np.ndarray]) -> None:
        """Append one day's batch (equal-length arrays, the same names and dtypes every day)."""
        k = len(next(iter(batch.values()))) if batch else 0
        self.days += 1
        if not self.columns:
            self.columns = {name: np.empty(0, np.asarray(v).dtype) for name, v in batch.items()}
        if self.n + k > self.capacity:
            per_day = (self.n + k) / self.days
            want = int((self.n + k + per_day * max(self.total_days - self.days, 0)) * self.margin) + 1
            self._grow(max(want, self.n + k))
        for name, values in batch.items():
            self.columns[name][self.n : self.n + k] = values
        self.n += k

    @property
    def capacity(self) -> int:
        """Rows that fit before the columns must grow."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def _grow(self, rows: int) -> None:
        for name, old in self.columns.items():
            new = np.empty(rows, old.dtype)
            new[: self.n] = old[: self.n]
            self.columns[name] = new

    def table(self) -> dict[str, np.ndarray]:
        """The filled rows of every column (views, not copies)."""
        return {name: col[: self.n] for name, col in self.columns.items()}


class Recorder:
    """Collects the records of one replication."""

    def __init__(self, calendar: Calendar, population: Population) -> None:
        self.population = population  # read on the days the population is snapshot
        self.ed_records: dict[str, np.ndarray] = {}  # the ED's visits, copied when the run ends
        self.end: RunEnd | None = None  # what the run left (set when it ends)
        self.ended = False  # finish() has run: no more records
        self._episode_table: dict[str, np.ndarray] | None = None
        # one row per request of the measured period, written day by day; the warm-up's requests
        # are kept only as the daily counts below (the daily series need nothing more)
        self._req = Columns(calendar.days)
        self.first_row_day = calendar.warmup_days
        # per day, warm-up included: the counts of :data:`REQUEST_DAY_COLUMNS`
        self.request_days = np.zeros((calendar.total_days, len(REQUEST_DAY_COLUMNS)), np.int64)
        self.request_days_recorded = 0  # days whose requests were recorded
        self.episodes: list[EpisodeState] = []
        self.diary_days: list[int] = []
        self.diary_offered: list[np.ndarray] = []  # (practices, roles) per day
        self.diary_used: list[np.ndarray] = []
        self.access_days: list[int] = []
        self.access: list[np.ndarray] = []  # days to third available, per practice
        self.needs = np.zeros(calendar.total_days, np.int64)  # practice needs arising per day
        self.gp_fte = np.zeros(calendar.total_days)  # GP full-time equivalents at work, per day
        self.outpatient_visits: list[tuple[int, Visits]] = []
        # trips for a control's test the practice cannot do: (day, km one way, attended)
        self.equipment_trips: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.workforce: list[tuple[int, int, int]] = []  # (day, GPs retired, GPs recruited)
        self.shut: list[int] = []  # practices that shut, in order
        # births, immigrants, deaths and emigrants per day
        self.events = np.zeros((calendar.total_days, 4), np.int64)
        self.population_counts: list[PopulationCount] = []
        self.request_table: dict[str, np.ndarray] = {}
        # per day, after booking: controls waiting for a slot, of them more than
        # ``overdue_grace_days`` and more than ``BACKLOG_DAYS`` past their original due day,
        # and living people with a condition that has controls
        self.controls_waiting = np.zeros((calendar.total_days + 1, 4), np.int64)

    def requests(
        self,
        requests: Requests,
        practice: np.ndarray,
        status: np.ndarray,
        active: np.ndarray,
        role: np.ndarray,
        channel: np.ndarray,
        minutes: np.ndarray,
        offset: np.ndarray,
        escalated: np.ndarray,
        named: np.ndarray,
    ) -> None:
        """Record the day's requests and their booking outcome (``status``: a status code each):
        the day's counts for the daily series, and a row each when the day is measured."""
        n = len(requests)
        full_role = np.full(n, -1, np.int8)
        full_channel = requests.channel.copy()
        full_minutes = np.zeros(n, np.float32)
        full_offset = np.full(n, -1, np.int16)
        full_role[active], full_channel[active] = role, channel
        full_minutes[active], full_offset[active] = minutes, offset
        day = int(requests.day)
        routine = (status == BOOKED) & ~requests.same_day
        unmet = (status == NO_SLOT) | (status == NO_PRACTICE)
        self.request_days_recorded += 1
        self.request_days[day] = (
            np.count_nonzero(routine),
            full_offset[routine].sum(dtype=np.int64),
            np.count_nonzero(unmet),
            n,
            np.count_nonzero(escalated),
        )
        if day < self.first_row_day:
            return
        self._req.append(
            {
                "day": np.full(n, requests.day, np.int32),
                "need_day": requests.need_day,
                "control": requests.control,
                "person": requests.person,
                "band": requests.band,
                "practice": practice.astype(np.int32),
                "same_day": requests.same_day,
                "nurse_eligible": requests.nurse_eligible,
                "escalated": escalated,
                "named": named,
                "role": full_role,
                "channel": full_channel,
                "minutes": full_minutes,
                "offset": full_offset,
                "status": status,
            }
        )

    def outpatient(self, day: int, visits: Visits) -> None:
        """Record the hospital outpatient controls of ``day``: site, distance, attendance."""
        self.outpatient_visits.append((day, visits))

    def equipment_trip(self, day: int, km: np.ndarray, attended: np.ndarray) -> None:
        """Record the day's trips for controls' tests: distance and whether the patient came."""
        self.equipment_trips.append((day, km, attended))

    def workforce_change(self, day: int, retired: int, recruited: int) -> None:
        """Record a yearly workforce change."""
        self.workforce.append((day, retired, recruited))

    def practice_shut(self, index: int) -> None:
        """Record that practice ``index`` shut."""
        self.shut.append(index)

    def close_day(self, day: int, offered: np.ndarray, used: np.ndarray) -> None:
        """Record the minutes offered and used per practice and role on a finished day."""
        if day < 0:
            return
        self.diary_days.append(day)
        self.diary_offered.append(offered.astype(np.float32))
        self.diary_used.append(used.astype(np.float32))

    def access_snapshot(self, day: int, days_to_third: np.ndarray) -> None:
        """Record the days to the third available contact of each working practice on ``day``."""
        self.access_days.append(day)
        self.access.append(days_to_third.astype(np.int16))

    def controls_day(self, day: int, waiting: tuple[int, ...], chronic: int) -> None:
        """Record the controls still waiting at the end of ``day`` (see ``controls_waiting``)."""
        self.controls_waiting[day] = (*waiting, chronic)

    def population_events(self, day: int, counts: np.ndarray) -> None:
        """Record the numbers of births, immigrants, deaths and emigrants of ``day``."""
        self.events[day] += counts

    def snapshot_population(self, day: int) -> None:
        """Record the living population by age band and its conditions on ``day``."""
        pop = self.population
        alive = pop.alive
        by_band = tuple(int(np.count_nonzero(alive & (pop.band == b))) for b in range(len(AGE_BANDS)))
        multi = alive & (pop.n_conditions() >= 2)
        multi_band = tuple(int(np.count_nonzero(multi & (pop.band == b))) for b in range(len(AGE_BANDS)))
        old = alive & (pop.band >= 1)
        conds = {c: int(np.count_nonzero(old & pop.has(c))) for c in pop.condition_names}
        self.population_counts.append(PopulationCount(day, by_band, multi_band, conds))

    def finish(self, ed_records: dict[str, np.ndarray]) -> None:
        """Expose the request rows as one table of arrays (views of the columns they were written
        into); keep the ED's visit records (so that the episode table reads records, not a live
        service)."""
        self.ed_records = ed_records
        self.ended = True
        if self._req.columns:  # at least one day recorded (possibly with no requests)
            self.request_table = self._req.table()

    def episode_table(self) -> dict[str, np.ndarray]:
        """Episode records as arrays (one entry per episode); built once when the run has
        ended (the acute KPIs and the hospital's KPIs and cost all read it), anew before."""
        if self._episode_table is not None:
            return self._episode_table
        table = self._build_episode_table()
        if self.ended:
            self._episode_table = table
        return table

    def _build_episode_table(self) -> dict[str, np.ndarray]:
        eps = self.episodes
        cols = (
            "id",
            "person",
            "band",
            "group",
            "severe",
            "practice",
            "onset",
            "readmission_of",
            "ed_visit",
            "team_visit",
            "admit_time",
            "bed_time",
            "discharge_time",
            "end_time",
            "followup_time",
        )
        table = {c: np.array([getattr(e, c) for e in eps]) for c in cols}
        ed = self.ed_records
        visit = table["ed_visit"].astype(int) if eps else np.empty(0, int)
        for name in ("arrive", "start", "end"):
            values = np.full(len(eps), np.nan)
            values[visit >= 0] = ed[name][visit[visit >= 0]]
            table[f"ed_{name}"] = values
        table["route"] = np.array([e.route for e in eps], dtype=object)
        table["path"] = np.array([e.path for e in eps], dtype=object)
        table["outcome"] = np.array([e.outcome for e in eps], dtype=object)
        return table
