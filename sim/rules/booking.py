"""Booking: putting today's requests into the practices' diaries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.organisation import GP
from sim.config.validation import Validated, one_of, probability
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.model import SimModel


class BookingRule(Rule):
    """Books requests into diaries; returns the day offset of each booking or -1 (unmet).

    After each call, ``with_named`` marks the requests booked with the patient's named GP.
    """

    family = "booking"
    with_named: np.ndarray = np.zeros(0, dtype=bool)

    def in_priority(self, requests: Requests, idx: np.ndarray) -> np.ndarray:
        """Positions ``idx`` in the order in which they are served: oldest need first (the day
        the need arose, or the original due day of a control), ties in arrival order; under
        ``priority: arrival``, arrival order only (today's new requests before controls)."""
        if getattr(self.params, "priority", "oldest_first") == "arrival":
            return idx
        return idx[np.argsort(requests.need_day[idx], kind="stable")]

    def book(
        self,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        minutes: np.ndarray,
        model: SimModel,
    ) -> np.ndarray:
        """Day offset (0 = today) at which each request is seen, or -1 when no slot is found."""
        raise NotImplementedError


@dataclass(frozen=True)
class FirstAvailableParams(Validated):
    """Parameters of first-available booking."""

    # order in which a day's routine requests are served: "oldest_first" (controls past their
    # due day and needs put off before today's new requests; an assumption: practices recall
    # patients whose control is late) or "arrival" (new requests first, controls after them)
    priority: str = one_of("oldest_first", ("oldest_first", "arrival"))


@register
class FirstAvailable(BookingRule):
    """Same-day needs take today's carve-out, then any free time today; routine needs take
    the first free time within the practice's booking horizon, served oldest need first
    (``priority``)."""

    name = "first_available"
    Params = FirstAvailableParams

    def setup(self, model: SimModel) -> None:
        super().setup(model)
        self.horizon = np.array([p.spec.diary.booking_horizon_days for p in model.practices])

    def by_horizon(self, practice: np.ndarray, idx: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """Requests ``idx`` grouped by their practice's booking horizon: (horizon, positions in idx)."""
        horizons = self.horizon[practice[idx]]
        for h in np.unique(horizons):
            yield int(h), np.flatnonzero(horizons == h)

    def book(
        self,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        minutes: np.ndarray,
        model: SimModel,
    ) -> np.ndarray:
        diaries = model.diaries
        offset = np.full(len(requests), -1, dtype=np.int32)
        urgent = np.flatnonzero(requests.same_day)
        offset[urgent] = diaries.book(practice[urgent], role[urgent], minutes[urgent], "same_day", 0)
        spill = urgent[offset[urgent] < 0]
        offset[spill] = diaries.book(practice[spill], role[spill], minutes[spill], "routine", 0)
        routine = self.in_priority(requests, np.flatnonzero(~requests.same_day))
        for h, pos in self.by_horizon(practice, routine):
            sel = routine[pos]
            offset[sel] = diaries.book(practice[sel], role[sel], minutes[sel], "routine", h)
        self.with_named = np.zeros(len(requests), dtype=bool)
        return offset


@dataclass(frozen=True)
class ContinuityParams(FirstAvailableParams):
    """Parameters of the continuity-preferring booking rule."""

    share: float = probability(1.0)  # share of patients who insist on their own GP for routine needs


@register
class ContinuityFirst(FirstAvailable):
    """Routine GP needs are booked with the patient's named GP (their share of the practice's
    GP time) within the booking horizon; only when that GP has no time within reach, or for
    patients who do not mind (``1 - share``), the first available GP. Same-day needs and
    nurse work are booked as under first available."""

    name = "continuity"
    Params = ContinuityParams

    def book(
        self,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        minutes: np.ndarray,
        model: SimModel,
    ) -> np.ndarray:
        diaries, pop = model.diaries, model.population
        offset = np.full(len(requests), -1, dtype=np.int32)
        urgent = np.flatnonzero(requests.same_day)  # same-day needs first, as under first available
        offset[urgent] = super().book(
            requests.subset(urgent), practice[urgent], role[urgent], minutes[urgent], model
        )
        named = (~requests.same_day) & (role == GP) & (self.rng.random(len(requests)) < self.params.share)
        idx = self.in_priority(requests, np.flatnonzero(named))
        unit = named_gp(pop.gp_draw[requests.person[idx]], diaries.n_units()[practice[idx]])
        for h, pos in self.by_horizon(practice, idx):
            sel = idx[pos]
            offset[sel] = diaries.book_named(practice[sel], unit[pos], minutes[sel], h)
        with_named = named & (offset >= 0)
        rest = np.flatnonzero(~requests.same_day & ~with_named)
        offset[rest] = super().book(requests.subset(rest), practice[rest], role[rest], minutes[rest], model)
        self.with_named = with_named
        return offset


def named_gp(draw: np.ndarray, n_units: np.ndarray) -> np.ndarray:
    """Index of each patient's named GP among the practice's ``n_units`` GPs."""
    return np.minimum((draw * n_units).astype(np.int64), np.maximum(n_units - 1, 0))
