"""Booking: putting today's requests into the practices' diaries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.config.organisation import GP
from sim.config.validation import Validated, one_of, probabilities, probability
from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.world import World


class Booked(NamedTuple):
    """A booking rule's answer, per request: the day offset of its slot (0 = today, -1: no
    slot), and whether it was booked with the patient's named GP."""

    offset: np.ndarray
    with_named: np.ndarray


class BookingRule(Rule):
    """Books requests into the diaries (through :meth:`Diaries.book` and
    :meth:`Diaries.book_named`, which keep the diaries' arithmetic) in the order and pools the
    rule chooses; returns its answer as a :class:`Booked` record."""

    family = "booking"

    def in_priority(self, requests: Requests, idx: np.ndarray) -> np.ndarray:
        """Positions ``idx`` in the order in which they are served: oldest need first (the day
        the need arose, or the original due day of a control), ties in arrival order; under
        ``priority: arrival``, arrival order only (today's new requests before controls)."""
        if getattr(self.params, "priority", "oldest_first") == "arrival":
            return idx
        day = requests.need_day[idx]
        if len(day) and int(day.max()) - int(day.min()) < np.iinfo(np.int16).max:
            day = (day - day.min()).astype(np.int16)  # the same order, by NumPy's O(n) radix sort
        return idx[np.argsort(day, kind="stable")]

    def book(
        self,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        minutes: np.ndarray,
        world: World,
    ) -> Booked:
        """Per request: the day offset (0 = today) at which it is seen, or -1 when no slot is
        found, and whether it is booked with the named GP."""
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

    def setup(self, world: World) -> None:
        super().setup(world)
        self.horizon = np.array([p.spec.diary.booking_horizon_days for p in world.practices])

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
        world: World,
    ) -> Booked:
        diaries = world.diaries
        offset = np.full(len(requests), -1, dtype=np.int32)
        urgent = np.flatnonzero(requests.same_day)
        offset[urgent] = diaries.book(practice[urgent], role[urgent], minutes[urgent], "same_day", 0)
        spill = urgent[offset[urgent] < 0]
        offset[spill] = diaries.book(practice[spill], role[spill], minutes[spill], "routine", 0)
        routine = self.in_priority(requests, np.flatnonzero(~requests.same_day))
        for h, pos in self.by_horizon(practice, routine):
            sel = routine[pos]
            offset[sel] = diaries.book(practice[sel], role[sel], minutes[sel], "routine", h)
        return Booked(offset, np.zeros(len(requests), dtype=bool))


@dataclass(frozen=True)
class ContinuityParams(FirstAvailableParams):
    """Parameters of the continuity-preferring booking rule."""

    share: float = probability(1.0)  # share of patients who ask for their named GP for routine needs
    # the share in practices of a type, where it differs (e.g. {health_house: 0.5}); types of
    # organisation.practice_types or region_clinic
    share_by_type: dict[str, float] = probabilities(dict)


@register
class ContinuityFirst(FirstAvailable):
    """Routine GP needs are booked with the patient's named GP (their share of the practice's
    GP time) within the booking horizon; only when that GP has no time within reach, or for
    patients who do not mind (``1 - share``), the first available GP. Same-day needs and
    nurse work are booked as under first available."""

    name = "continuity"
    Params = ContinuityParams

    def setup(self, world: World) -> None:
        super().setup(world)
        by_type = self.params.share_by_type
        self.share = np.array([by_type.get(p.kind, self.params.share) for p in world.practices])

    def asks_for_named(self, person: np.ndarray, practice: np.ndarray, world: World) -> np.ndarray:
        """Whether each patient asks for their named GP at their practice: a trait of the
        patient (a uniform keyed by the person, the same in every scenario and on every request)
        under the practice's share (``share``, or ``share_by_type`` of its type)."""
        share = self.share[practice]
        if len(share) == 0 or share.min() >= 1.0:
            return np.ones(len(person), bool)
        u = world.streams.keyed("rules.booking.named_gp").uniform("asks", person.astype(np.int64))
        return u < share

    def book(
        self,
        requests: Requests,
        practice: np.ndarray,
        role: np.ndarray,
        minutes: np.ndarray,
        world: World,
    ) -> Booked:
        diaries, pop = world.diaries, world.population
        offset = np.full(len(requests), -1, dtype=np.int32)
        urgent = np.flatnonzero(requests.same_day)  # same-day needs first, as under first available
        offset[urgent] = super().book(
            requests.subset(urgent), practice[urgent], role[urgent], minutes[urgent], world
        ).offset
        named = (~requests.same_day) & (role == GP) & self.asks_for_named(requests.person, practice, world)
        idx = self.in_priority(requests, np.flatnonzero(named))
        unit = named_gp(pop.gp_draw[requests.person[idx]], diaries.n_units()[practice[idx]])
        for h, pos in self.by_horizon(practice, idx):
            sel = idx[pos]
            offset[sel] = diaries.book_named(practice[sel], unit[pos], minutes[sel], h)
        with_named = named & (offset >= 0)
        rest = np.flatnonzero(~requests.same_day & ~with_named)
        offset[rest] = super().book(
            requests.subset(rest), practice[rest], role[rest], minutes[rest], world
        ).offset
        return Booked(offset, with_named)


def named_gp(draw: np.ndarray, n_units: np.ndarray) -> np.ndarray:
    """Index of each patient's named GP among the practice's ``n_units`` GPs."""
    return np.minimum((draw * n_units).astype(np.int64), np.maximum(n_units - 1, 0))
