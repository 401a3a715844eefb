"""The model's links between general practice and the acute pathway, as a mixin of ``SimModel``.

Unmet same-day needs escalated to out-of-hours care or the ED. (GP follow-ups after discharge
are in :mod:`sim.services.followups`, readmissions in the hospital, death times in the
population plan and frailty on the population.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.rng import occurrence
from sim.services.ooh import CALL_DRAWS

if TYPE_CHECKING:
    from sim.model import SimModel

ESCALATED_ED_HOURS = (10.0, 20.0)  # assumption: unmet same-day needs reach the ED between 10:00 and 20:00
ED_MINOR = 1  # kind of an ED visit that is not a modelled episode (an unmet same-day need)


class AcutePathwayLinks:
    """Methods of ``SimModel`` that join the practices' day to the acute pathway."""

    def _route_escalated(self: SimModel, persons: np.ndarray, day: int) -> None:
        """Unmet same-day requests taken elsewhere: the ED during the day, or the out-of-hours GP
        in the evening (the ED when there is no out-of-hours service).
        Background out-of-hours calls come from their own stream (``demand.ooh``, placed by the
        service's daily step just before); each escalated
        call's draws are keyed by (person, day, occurrence) in ``demand.escalated``, so neither
        kind of call shifts the other's draws (common random numbers)."""
        draws = self.streams.keyed("demand.escalated")
        keys = (persons, day, occurrence(persons))
        u = draws.uniforms(("to_ed", "ed_time", "ed_service", *CALL_DRAWS), *keys)
        to_ed = u[:, 0] < self.config.services.ooh.escalated_to_ed_share
        if self.ooh is None or not self.config.services.ooh.enabled:
            to_ed[:] = True
        if self.ooh is not None:
            self.ooh.add_escalated(day, persons[~to_ed], u[~to_ed, 3:], self.population)
        lo, hi = ESCALATED_ED_HOURS
        times = day * MINUTES_PER_DAY + (lo + u[to_ed, 1] * (hi - lo)) * MINUTES_PER_HOUR
        minutes = self.hospital.ed.durations(u[to_ed, 2])
        self.hospital.ed.queue.schedule_many(times, minutes, ED_MINOR, persons[to_ed])
