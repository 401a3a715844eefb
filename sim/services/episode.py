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

from dataclasses import dataclass

import numpy as np

from sim.rng import KeyedDraws

OUTCOMES = ("home", "primary_care", "ed_discharged", "admitted", "died", "open")

# The named uniform draws of an episode: column j of ``EpisodeState.u`` is the draw named
# ``DRAWS[j]``. Each is keyed by the episode's identity and its own name (see
# :func:`episode_uniforms`), never by its position or an episode counter, so scenarios share
# them (common random numbers) and a new name leaves every other draw unchanged.
DRAWS = (
    "treat",
    "admit",
    "stay",
    "triage",
    "home",
    "readmit",
    "visit",
    "iv",
    "refer",
    "gp_followup",
    "team_followup",
    "ed_service",  # service time in the emergency department
    "ooh_triage",  # service times at the out-of-hours GP
    "ooh_clinic",
    "ooh_home",
)
# their columns, in the order of DRAWS (the unpacking fails if a name has no column)
(U_TREAT, U_ADMIT, U_STAY, U_TRIAGE, U_HOME, U_READMIT, U_VISIT, U_IV, U_REFER, U_GP_FOLLOWUP,
 U_TEAM_FOLLOWUP, U_ED_SERVICE, U_OOH_TRIAGE, U_OOH_CLINIC, U_OOH_HOME) = range(len(DRAWS))  # fmt: skip
N_UNIFORMS = len(DRAWS)


def episode_uniforms(
    draws: KeyedDraws,
    person: np.ndarray | int,
    group: np.ndarray | int,
    day: np.ndarray | int,
    occurrence: np.ndarray | int,
    generation: np.ndarray | int,
    names: tuple[str, ...] | None = None,
    before: tuple[str, ...] = (),
) -> np.ndarray:
    """The named draws (columns, one per name) of episodes identified by person, group key
    (:func:`sim.rng.name_key` of the group's name), day of onset of the original need, its
    occurrence that day (the same person may have two episodes of one group on a day) and
    its generation (0 for a new need, 1 for its readmission, 2 for a readmission of that).
    ``names`` defaults to :data:`DRAWS`; the draws named in ``before`` come first (columns
    depend on their name only, so adding them changes no other column)."""
    names = (*before, *(DRAWS if names is None else names))
    return draws.uniforms(names, person, group, day, occurrence, generation)


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
    u: np.ndarray  # the named draws, one column per name in DRAWS
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

    def passes(self, service: str) -> None:
        """Note that the episode reached ``service``."""
        self.path = f"{self.path}>{service}" if self.path else service

    def finish(self, outcome: str, now: float) -> None:
        """End the episode with ``outcome`` at time ``now``."""
        self.outcome, self.end_time = outcome, now
