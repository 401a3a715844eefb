"""Booking: putting today's requests into the practices' diaries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules.base import Rule, register

if TYPE_CHECKING:
    from sim.demand.needs import Requests
    from sim.model import SimModel


class BookingRule(Rule):
    """Books requests into diaries; returns the day offset of each booking or -1 (unmet)."""

    family = "booking"

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


@register
class FirstAvailable(BookingRule):
    """Same-day needs take today's carve-out, then any free time today; routine needs take
    the first free time within the practice's booking horizon."""

    name = "first_available"

    def setup(self, model: SimModel) -> None:
        super().setup(model)
        self.horizon = np.array([p.spec.diary.booking_horizon_days for p in model.practices])

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
        routine = np.flatnonzero(~requests.same_day)
        for h in np.unique(self.horizon[practice[routine]]) if len(routine) else ():
            sel = routine[self.horizon[practice[routine]] == h]
            offset[sel] = diaries.book(practice[sel], role[sel], minutes[sel], "routine", int(h))
        return offset
