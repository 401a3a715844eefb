"""The hospital and the acute pathway of one episode, as a SimPy process.

An episode starts at its onset time, is routed by the ``escalation`` rule (own practice
the same day, or the emergency department), may be referred on from the practice, queues
for the ED, and is admitted or sent home by the ``admission`` rule. Every episode ends
in exactly one outcome: ``primary_care``, ``ed_discharged``, ``admitted`` or ``open``
(still in progress when the run ends).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np
import simpy

from sim.config.schema import HospitalConfig
from sim.rules.escalation import PRACTICE
from sim.services.station import Station

if TYPE_CHECKING:
    from sim.model import SimModel

OUTCOMES = ("primary_care", "ed_discharged", "admitted", "open")


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
    u: np.ndarray
    window: float = 0.0  # minutes in which home or primary care can still prevent an admission
    route: str = ""
    ed_visit: int = -1  # index into the ED station's records, -1 when never there
    admit_time: float = np.nan
    discharge_time: float = np.nan
    outcome: str = "open"


class Hospital(mesa.Agent):
    """The hospital: an emergency department (a :class:`Station`) and medical wards."""

    def __init__(self, model: SimModel, cfg: HospitalConfig, rng: np.random.Generator) -> None:
        super().__init__(model)
        self.cfg = cfg
        self.ed = Station(model.env, "ed", cfg.ed, rng)
        self.in_bed = 0

    def episode(self, ep: EpisodeState) -> Generator[simpy.Event, None, None]:
        """SimPy process: the pathway of episode ``ep`` from onset to its outcome."""
        model, env = self.model, self.model.env
        yield env.timeout(max(ep.onset - env.now, 0.0))
        ep.route = model.rules["escalation"].route(ep, model)
        if ep.route == PRACTICE:
            if ep.u[0] < model.episode_groups[ep.group].primary_care_treatable:
                ep.outcome = "primary_care"
                return
            yield env.timeout(self.cfg.referral_delay_minutes)
        ep.ed_visit = len(self.ed.arrive)  # serve() records this visit at this index, now
        yield from self.ed.serve()
        admitted, stay = model.rules["admission"].decide(ep, model)
        if not admitted:
            ep.outcome = "ed_discharged"
            return
        ep.outcome, ep.admit_time = "admitted", env.now
        self.in_bed += 1
        yield env.timeout(stay)
        self.in_bed -= 1
        ep.discharge_time = env.now
