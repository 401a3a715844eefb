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
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY
from sim.config.schema import OutpatientConfig, SatelliteConfig
from sim.metrics.rates import PER_1000, finite_mean, person_years, rate, window_minutes
from sim.population.state import Population
from sim.services.base import Row, Service, register_service
from sim.services.sites import hospital_site, largest_house

if TYPE_CHECKING:
    from sim.world import World

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


@register_service
class Satellite(Service):
    """Where outpatient controls take place, and whether patients come (a Mesa agent, not a
    step of the acute pathway)."""

    name, core = "satellite", True
    cost_component = "satellite"

    @classmethod
    def from_config(cls, world: World) -> Satellite:
        """From ``services.satellite`` and ``services.outpatient``, in the largest health house."""
        svc = world.config.services
        site = largest_house(world.practices)
        return cls(world, svc.satellite, svc.outpatient, hospital_site(world), site)

    def __init__(
        self,
        world: World,
        cfg: SatelliteConfig,
        outpatient: OutpatientConfig,
        hospital: tuple[float, float],
        site: tuple[float, float] | None,
    ) -> None:
        super().__init__(world)
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
        return Visits(person, control, site, km, km_h, self.outpatient.attends(u, km))

    def kpis(self) -> list[Row]:
        """Outpatient controls per 1000 a year by site, mean travel, travel saved by the satellite
        and attendance, of the controls in the measured period (from the recorder's visits)."""
        world = self.world
        cal = world.calendar
        _, py = person_years(world)
        visits = [v for d, v in world.recorder.outpatient_visits if cal.in_window(d)]
        if not visits:
            return []
        site = np.concatenate([v.site for v in visits])
        km = np.concatenate([v.km for v in visits])
        km_h = np.concatenate([v.km_hospital for v in visits])
        attended = np.concatenate([v.attended for v in visits])
        rows: list[Row] = [
            ("outpatient_visits_per_1000", name, 1000.0 * rate(np.count_nonzero(site == k), py), PER_1000)
            for k, name in enumerate(SITES)
        ]
        rows.append(("outpatient_travel_km_mean", "all", finite_mean(km), "km"))
        saved = (km_h - km)[(site == SATELLITE) & attended].sum() * 2  # there and back
        saved_rate = 1000.0 * rate(saved, py)
        rows.append(("outpatient_travel_km_saved_per_1000", "all", saved_rate, f"km {PER_1000}"))
        share = rate(attended.sum(), len(attended))
        rows.append(("outpatient_attendance_share", "all", share, "share of controls"))
        return rows

    def cost(self) -> float:
        """The satellite's sessions over the measured period times the price of a session."""
        lo, hi = window_minutes(self.world.calendar)
        years = (hi - lo) / MINUTES_PER_DAY / DAYS_PER_YEAR
        session = self.world.config.services.costs.satellite_session
        return self.cfg.sessions_per_week * 52 * session * years * self.open
