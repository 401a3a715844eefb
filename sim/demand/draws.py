"""The named uniform draws an acute episode carries from its onset (common random numbers).

Demand draws them when it creates an episode (:mod:`sim.demand.episodes`, and readmissions in
:mod:`sim.acute_links`); the services and rules read them by column (``U_*``). They live here,
below the services and the rules, so that demand and the rules need not import the services.
"""

from __future__ import annotations

import numpy as np

from sim.rng import KeyedDraws

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
