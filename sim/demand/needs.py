"""Care needs of one day: requests to general practice and acute deteriorations.

Needs are drawn in daily batches from the population arrays. The cost grows with the
number of needs, not with persons x days: for each age band the number of needs is
Poisson with the band's total rate, and the persons are then drawn from the band.
Every draw comes from a ``demand.*`` stream and depends only on the population, never on
the services, so changing capacity leaves the needs unchanged (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.calendar import DAYS_PER_YEAR
from sim.config.schema import AGE_BANDS, CHANNELS, DemandConfig
from sim.population.state import Population
from sim.rng import occurrence

WORKDAYS_PER_WEEK = 5


FORGONE = np.iinfo(np.int32).min  # ``need_day`` of a need the patient forgoes (days may be negative)


@dataclass(frozen=True)
class Requests:
    """Requests to general practice made on one day (one entry per request)."""

    day: int
    person: np.ndarray  # int32
    band: np.ndarray  # int8
    same_day: np.ndarray  # bool: wants to be seen today
    channel: np.ndarray  # int8, index into CHANNELS
    nurse_eligible: np.ndarray  # bool: a practice nurse could handle it
    need_day: np.ndarray  # int32: the day the need arose (earlier than ``day`` if put off)
    control: np.ndarray  # int8: index of the chronic control this is (into demand.controls), -1 if none

    def __len__(self) -> int:
        return len(self.person)

    def subset(self, mask: np.ndarray) -> Requests:
        """The requests selected by ``mask`` (boolean or index array)."""
        return Requests(
            self.day,
            self.person[mask],
            self.band[mask],
            self.same_day[mask],
            self.channel[mask],
            self.nurse_eligible[mask],
            self.need_day[mask],
            self.control[mask],
        )

    @staticmethod
    def concat(parts: list[Requests], day: int) -> Requests:
        """One batch of the requests in ``parts``, all made on ``day``."""

        def cat(name: str) -> np.ndarray:
            return np.concatenate([getattr(p, name) for p in parts])

        return Requests(
            day,
            cat("person"),
            cat("band"),
            cat("same_day"),
            cat("channel"),
            cat("nurse_eligible"),
            cat("need_day"),
            cat("control"),
        )


@dataclass(frozen=True)
class Episodes:
    """Acute deteriorations with onset on one day (one entry per episode)."""

    person: np.ndarray  # int32
    band: np.ndarray  # int8
    onset: np.ndarray  # float64, minutes since the start of the run
    group: np.ndarray  # int16, index into the configured episode groups
    severe: np.ndarray  # bool
    window: np.ndarray  # float64, minutes in which home or primary care can still prevent admission
    u: np.ndarray  # float64 (n, draws): the named draws (sim.demand.draws)
    occurrence: np.ndarray  # int64: earlier episodes of the same person and group that day

    def __len__(self) -> int:
        return len(self.person)


def _draw_people(
    by_band: list[np.ndarray], per_person_rate: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw persons who have a need today: Poisson count per band, persons uniform in band."""
    persons, bands = [], []
    for b, idx in enumerate(by_band):
        k = int(rng.poisson(per_person_rate[b] * len(idx))) if len(idx) else 0
        persons.append(idx[rng.integers(0, len(idx), size=k)] if k else np.empty(0, np.int64))
        bands.append(np.full(k, b, dtype=np.int8))
    return np.concatenate(persons).astype(np.int32), np.concatenate(bands)


def practice_requests(
    pop: Population, cfg: DemandConfig, day: int, weekday: int, rng: np.random.Generator
) -> Requests:
    """Requests to general practice made on ``day``; made on weekdays only.

    The yearly rate per person is spread over working days, so the yearly total holds.
    """
    rate = np.array([cfg.contacts_per_year.get(b, 0.0) for b in AGE_BANDS])
    if weekday >= WORKDAYS_PER_WEEK:
        rate = rate * 0.0
    per_day = rate / DAYS_PER_YEAR * 7 / WORKDAYS_PER_WEEK
    person, band = _draw_people(pop.alive_by_band(), per_day, rng)
    n = len(person)
    mix = np.array([cfg.channel_mix.get(c, 0.0) for c in CHANNELS])
    at_home = pop.home_care[person] & (rng.random(n) < cfg.home_visit_share_home_care)
    return Requests(
        day=day,
        person=person,
        band=band,
        same_day=rng.random(n) < cfg.same_day_share,
        channel=np.where(
            at_home, CHANNELS.index("home_visit"), rng.choice(len(CHANNELS), size=n, p=mix / mix.sum())
        ).astype(np.int8),
        nurse_eligible=rng.random(n) < cfg.nurse_eligible_share,
        need_day=np.full(n, day, np.int32),
        control=np.full(n, -1, np.int8),
    )


def request_keys(requests: Requests) -> tuple[np.ndarray, ...]:
    """Stable identity of each request for keyed draws: (person and control, the day it is made,
    the day the need arose, and its occurrence among the same person's and control's requests)."""
    who = requests.person.astype(np.int64) * 64 + requests.control.astype(np.int64) + 1
    return (
        who,
        np.full(len(requests), requests.day, np.int64),
        requests.need_day.astype(np.int64),
        occurrence(who),
    )
