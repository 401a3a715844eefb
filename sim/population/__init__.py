"""The simulated population: person arrays, their synthesis, mortality and yearly change."""

from sim.population.dynamics import EVENT_NAMES, EventPlan, plan_year, project
from sim.population.state import Population, band_of
from sim.population.synth import derive, synthesise

__all__ = [
    "EVENT_NAMES",
    "EventPlan",
    "Population",
    "band_of",
    "derive",
    "plan_year",
    "project",
    "synthesise",
]
