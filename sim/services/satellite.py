"""Hospital outpatient controls, at the hospital or at a satellite clinic in a health house.

A satellite (udgående sygehusfunktion) holds ``sessions_per_week`` sessions of
``patients_per_session`` controls, spread over the weekdays, in the largest health house.
Each day's outpatient controls are taken in the order they fell due: a patient who lives
nearer the satellite than the hospital is seen there while the day's places last, the
others at the hospital. Attendance falls with the distance travelled
(``services.outpatient``). Blood tests and other equipment named in
``satellite.equipment`` can be had at the satellite without a booking, so equipment trips
go to whichever of hospital and satellite is nearer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import OutpatientConfig, SatelliteConfig
from sim.population.state import Population

HOSPITAL, SATELLITE = 0, 1
SITES = ("hospital", "satellite")
WORKDAYS = 5


@dataclass
class Visits:
    """Outpatient controls of one day: where, how far (km) and whether the patient came."""

    person: np.ndarray
    control: np.ndarray
    site: np.ndarray
    km: np.ndarray
    km_hospital: np.ndarray  # the distance had the control been at the hospital
    attended: np.ndarray


class Satellite:
    """Where outpatient controls take place, and whether patients come."""

    def __init__(
        self,
        cfg: SatelliteConfig,
        outpatient: OutpatientConfig,
        hospital: tuple[float, float],
        site: tuple[float, float] | None,
    ) -> None:
        self.cfg = cfg
        self.outpatient = outpatient
        self.hospital = hospital
        self.site = site if cfg.sessions_per_week > 0 else None
        self._carry = 0.0  # the fraction of a place carried to the next weekday

    @property
    def open(self) -> bool:
        """True when there is a satellite."""
        return self.site is not None

    def distance(self, pop: Population, person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Kilometres from each person's home to the hospital and to the satellite (inf: none)."""
        km_h = np.hypot(pop.x[person] - self.hospital[0], pop.y[person] - self.hospital[1])
        if self.site is None:
            return km_h, np.full(len(person), np.inf)
        return km_h, np.hypot(pop.x[person] - self.site[0], pop.y[person] - self.site[1])

    def nearest_with(self, equipment: str, pop: Population, person: np.ndarray) -> np.ndarray:
        """Kilometres to the nearer place with ``equipment``: the hospital, or the satellite."""
        km_h, km_s = self.distance(pop, person)
        return np.minimum(km_h, km_s) if equipment in self.cfg.equipment else km_h

    def allocate(self, pop: Population, person: np.ndarray, control: np.ndarray, u: np.ndarray) -> Visits:
        """Place one weekday's outpatient controls; ``u`` are the patients' attendance draws."""
        km_h, km_s = self.distance(pop, person)
        site = np.full(len(person), HOSPITAL, np.int8)
        if self.open:
            self._carry += self.cfg.sessions_per_week * self.cfg.patients_per_session / WORKDAYS
            places = int(self._carry)
            nearer = np.flatnonzero(km_s < km_h)[:places]
            site[nearer] = SATELLITE
            self._carry -= places  # places left unused that day are lost; fractions carry over
        km = np.where(site == SATELLITE, km_s, km_h)
        no_show = self.outpatient.no_show_share + self.outpatient.no_show_per_10km * km / 10
        return Visits(person, control, site, km, km_h, u >= no_show)
