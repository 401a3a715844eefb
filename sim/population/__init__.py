"""The simulated population: person arrays, their synthesis and their yearly change."""

from sim.population.dynamics import YearChange, yearly_update
from sim.population.state import Population, band_of
from sim.population.synth import synthesise

__all__ = ["Population", "YearChange", "band_of", "synthesise", "yearly_update"]
