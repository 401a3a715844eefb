"""First-come-first-served servers with duty hours, decided when a customer arrives.

In a FCFS queue without reneging a customer's start time depends only on the customers
who arrived before, so it can be decided at arrival: the earliest time at which a server
is free *and* on duty. Each team of identical servers keeps a heap of the times its
servers become free; because "next time on duty" never decreases, the team's earliest
start is that of its first-free server. This gives the same waits as a SimPy resource at
a fraction of the cost, and lets calls that are not simulated one by one as processes
(the background load of out-of-hours care, planned later visits) join the same queue:
they wait in a *pending* heap and are placed in arrival order before any later arrival.

A service may overrun the end of a shift; it may not start off duty.
"""

from __future__ import annotations

import bisect
import heapq
import math
from array import array
from dataclasses import dataclass

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


@dataclass(frozen=True)
class DutyHours:
    """When a team is on duty: intervals in minutes of the week (Monday 00:00 = 0).

    ``offset`` is the minute of the week at simulation time 0, so that time ``t`` falls at
    minute ``(t + offset) % week``.
    """

    starts: tuple[float, ...]
    ends: tuple[float, ...]
    offset: float = 0.0

    @staticmethod
    def daily(start_hour: float, end_hour: float, offset: float = 0.0) -> DutyHours:
        """The same hours every day; ``end_hour <= start_hour`` runs past midnight."""
        return DutyHours.weekly([(start_hour, end_hour)] * 7, offset)

    @staticmethod
    def weekly(hours: list[tuple[float, float] | None], offset: float = 0.0) -> DutyHours:
        """Hours per weekday (Monday first; None for a day off); an end at or before the start
        runs into the next day."""
        spans = []
        for day, span in enumerate(hours):
            if span is None:
                continue
            a = day * MINUTES_PER_DAY + span[0] * MINUTES_PER_HOUR
            b = day * MINUTES_PER_DAY + span[1] * MINUTES_PER_HOUR
            if b <= a:
                b += MINUTES_PER_DAY
            spans.append((a % MINUTES_PER_WEEK, a % MINUTES_PER_WEEK + (b - a)))
        return DutyHours.merged(spans, offset)

    @staticmethod
    def merged(spans: list[tuple[float, float]], offset: float = 0.0) -> DutyHours:
        """Duty hours from (start, end) minutes of the week, wrapping and overlapping allowed."""
        pieces = []
        for a, b in spans:
            if b - a >= MINUTES_PER_WEEK:
                return DutyHours((0.0,), (MINUTES_PER_WEEK,), offset)
            if b > MINUTES_PER_WEEK:
                pieces += [(a, MINUTES_PER_WEEK), (0.0, b - MINUTES_PER_WEEK)]
            else:
                pieces.append((a, b))
        out: list[list[float]] = []
        for a, b in sorted(pieces):
            if out and a <= out[-1][1]:
                out[-1][1] = max(out[-1][1], b)
            else:
                out.append([a, b])
        return DutyHours(tuple(a for a, _ in out), tuple(b for _, b in out), offset)

    def on_duty(self, t: float) -> bool:
        """True when ``t`` lies in a duty interval."""
        return self.next_on_duty(t) == t

    def next_on_duty(self, t: float) -> float:
        """The earliest time at or after ``t`` that is on duty (``inf`` if never)."""
        if not self.starts:
            return math.inf
        x = (t + self.offset) % MINUTES_PER_WEEK
        i = bisect.bisect_right(self.ends, x)  # the first interval that ends after x
        if i < len(self.ends):
            a = self.starts[i]
            return t if x >= a else t + (a - x)
        return t + (MINUTES_PER_WEEK - x) + self.starts[0]


class Servers:
    """Teams of identical FCFS servers, each team with its duty hours (None: always on duty).

    :meth:`assign` must be called with non-decreasing arrival times (SimPy's clock ensures it);
    :meth:`schedule` adds an arrival at a later time, placed in order when the clock gets there.
    Every customer's arrival, start and end are recorded.
    """

    def __init__(self, teams: list[tuple[int, DutyHours | None]], infinite: bool = False) -> None:
        self.infinite = infinite
        self.teams = [([0.0] * n, duty) for n, duty in teams if n > 0]
        self.size = sum(n for n, _ in teams)
        # one entry per customer, in compact typed columns (8 bytes a time, not a Python float)
        self.arrive = array("d")
        self.start = array("d")
        self.end = array("d")
        self.kind = array("b")
        self.who = array("q")
        self._pending: list[tuple[float, int, float, int, int]] = []  # (time, order, service, kind, who)
        self._settled = 0  # customers before this one have all started by the last queue_length
        self._order = 0

    @property
    def available(self) -> bool:
        """False when there are no servers at all (customers must go elsewhere)."""
        return self.infinite or self.size > 0

    def assign(self, t: float, service: float, kind: int = 0, who: int = -1) -> tuple[int, float]:
        """A customer arriving at ``t`` needing ``service`` minutes: return (record index, start).
        ``kind`` and ``who`` (a person) are recorded as given."""
        self.flush(t)
        return self._place(t, service, kind, who)

    def schedule(self, t: float, service: float, kind: int = 0, who: int = -1) -> None:
        """A customer who will arrive at ``t`` (now or later), placed when the clock gets there."""
        self._order += 1
        heapq.heappush(self._pending, (t, self._order, service, kind, who))

    def schedule_many(
        self, times: np.ndarray, services: np.ndarray, kind: int = 0, who: np.ndarray | None = None
    ) -> None:
        """Many customers at once (background load)."""
        persons = [-1] * len(times) if who is None else who.tolist()
        for t, s, w in zip(times.tolist(), services.tolist(), persons, strict=True):
            self._order += 1
            self._pending.append((t, self._order, s, kind, w))
        heapq.heapify(self._pending)

    def flush(self, t: float) -> None:
        """Place the scheduled customers who arrived up to ``t``, in arrival order."""
        pending = self._pending
        if not pending or pending[0][0] > t:
            return
        if self.infinite or len(self.teams) != 1:
            while pending and pending[0][0] <= t:
                a, _, s, k, w = heapq.heappop(pending)
                self._place(a, s, k, w)
            return
        # one team (every station): the loop of _place and _earliest, inlined (the background load
        # of a year passes here, about a million customers at 1.2 million people)
        heap, duty = self.teams[0]
        next_on_duty = duty.next_on_duty if duty is not None else None
        pop, replace = heapq.heappop, heapq.heapreplace
        arrive, start, end = self.arrive.append, self.start.append, self.end.append
        kinds, whos = self.kind.append, self.who.append
        while pending and pending[0][0] <= t:
            a, _, s, k, w = pop(pending)
            b = heap[0]
            begin = a if a >= b else b
            if next_on_duty is not None:
                begin = next_on_duty(begin)
            if begin < math.inf:
                replace(heap, begin + s)
            arrive(a)
            start(begin)
            end(begin + s)
            kinds(k)
            whos(w)

    def queue_length(self, now: float) -> int:
        """Customers waiting at ``now`` (arrived, not yet started). Calls must come with
        non-decreasing ``now`` (the daily series)."""
        self.flush(now)
        start = np.frombuffer(self.start, dtype=np.float64)[self._settled :]
        late = np.flatnonzero(start > now)
        self._settled += int(late[0]) if len(late) else len(start)
        return len(late)

    def _place(self, t: float, service: float, kind: int, who: int) -> tuple[int, float]:
        start = t if self.infinite else self._earliest(t, service)
        k = len(self.arrive)
        self.arrive.append(t)
        self.start.append(start)
        self.end.append(start + service)
        self.kind.append(kind)
        self.who.append(who)
        return k, start

    def _earliest(self, t: float, service: float) -> float:
        best, best_heap = math.inf, None
        for heap, duty in self.teams:
            s = max(t, heap[0])
            if duty is not None:
                s = duty.next_on_duty(s)
            if s < best:
                best, best_heap = s, heap
        if best_heap is not None:
            heapq.heapreplace(best_heap, best + service)
        return best

    def records(self, now: float = math.inf) -> dict[str, np.ndarray]:
        """Arrival, start and end (minutes) of every customer placed, NaN where not reached by
        ``now``; ``kind`` and ``who`` as given by the caller."""
        start = np.frombuffer(self.start, dtype=np.float64)
        end = np.frombuffer(self.end, dtype=np.float64)
        return {
            "arrive": np.frombuffer(self.arrive, dtype=np.float64).copy(),
            "start": np.where(start <= now, start, np.nan),
            "end": np.where(end <= now, end, np.nan),
            "kind": np.frombuffer(self.kind, dtype=np.int8).copy(),
            "who": np.frombuffer(self.who, dtype=np.int64).copy(),
        }

    def busy_minutes(self, lo: float, hi: float) -> float:
        """Server minutes spent serving within [lo, hi)."""
        start = np.frombuffer(self.start, dtype=np.float64)
        end = np.frombuffer(self.end, dtype=np.float64)
        overlap = np.clip(np.minimum(end, hi) - np.maximum(start, lo), 0.0, None)
        return float(overlap[np.isfinite(overlap)].sum())
