"""The state of one acute episode as it moves through the services, and its outcomes.

Every episode ends in exactly one outcome:

- ``home``: treated at home by the municipal acute function;
- ``primary_care``: treated by the own GP or the out-of-hours GP;
- ``ed_discharged``: seen in the emergency department and sent home;
- ``admitted``: admitted to hospital (discharged, or still in bed when the run ends);
- ``died``: the person died before the episode ended (deaths come from the population's
  life table, so an episode does not add mortality of its own);
- ``open``: still on its way when the run ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OUTCOMES = ("home", "primary_care", "ed_discharged", "admitted", "died", "open")


@dataclass(slots=True)
class EpisodeState:
    """What happens to one acute episode; times in minutes since the start of the run."""

    id: int
    person: int
    band: int
    group: int
    severe: bool
    practice: int
    onset: float
    u: np.ndarray  # the named draws, one column per name (see ``columns`` and :meth:`draw`)
    window: float = 0.0  # minutes in which home or primary care can still prevent an admission
    readmission_of: int = -1  # the episode whose discharge this readmission follows
    route: str = ""  # where the episode went first: practice, ooh, acute or ed
    path: str = ""  # every service it passed, joined by '>' (e.g. "ooh>acute>ed")
    ed_visit: int = -1  # index into the ED's records, -1 when never there
    team_visit: int = -1  # index into the acute team's records
    admit_time: float = np.nan  # when the ED decided to admit
    bed_time: float = np.nan  # when the patient got a bed (later than admit_time when beds are short)
    discharge_time: float = np.nan
    end_time: float = np.nan  # when the outcome was reached
    followup_time: float = np.inf  # first follow-up after discharge (GP or acute team)
    outcome: str = "open"
    # identity of the draws (with person and group): the original need's onset day, its
    # occurrence that day and the generation (readmissions inherit day and occurrence)
    need_day: int = -1
    occurrence: int = 0
    generation: int = 0
    columns: dict[str, int] = field(default_factory=dict)  # draw name -> column of ``u`` (shared)

    def draw(self, name: str) -> float:
        """The episode's uniform draw ``name``, keyed by its identity and the name (see
        :mod:`sim.demand.draws`); a service or rule that reads it names it in its ``draws``."""
        try:
            return float(self.u[self.columns[name]])
        except KeyError:
            message = f"episode draw {name!r} is not declared: add it to the draws of its reader"
            raise KeyError(message) from None

    def passes(self, service: str) -> None:
        """Note that the episode reached ``service``."""
        self.path = f"{self.path}>{service}" if self.path else service

    def finish(self, outcome: str, now: float) -> None:
        """End the episode with ``outcome`` at time ``now``."""
        self.outcome, self.end_time = outcome, now
