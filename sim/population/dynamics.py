"""Yearly population change: ageing, deaths, births and net migration.

Deaths use an annual probability per age band (``population.mortality_per_1000``).
Births add newborns; net migration adds (or removes) people with the age mix of the
configured bands. Each step draws from its own named stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import AGE_BANDS, PopulationConfig
from sim.population.state import Population
from sim.population.synth import make_persons
from sim.rng import Streams


@dataclass(frozen=True)
class YearChange:
    """Counts from one yearly update (for the conservation check)."""

    deaths: int
    births: int
    immigrants: int
    emigrants: int
    new_indices: np.ndarray


def age_one_year(pop: Population) -> None:
    """Everyone alive grows one year older."""
    pop.age[pop.alive] += 1.0
    pop.touch()


def apply_deaths(pop: Population, cfg: PopulationConfig, rng: np.random.Generator) -> np.ndarray:
    """Kill people with the annual death probability of their age band; return who died."""
    q = np.array([cfg.mortality_per_1000.get(b, 0.0) for b in AGE_BANDS]) / 1000.0
    alive = np.flatnonzero(pop.alive)
    dead = alive[rng.random(len(alive)) < q[pop.band()[alive]]]
    pop.alive[dead] = False
    pop.touch()
    return dead


def yearly_update(pop: Population, cfg: PopulationConfig, streams: Streams) -> YearChange:
    """Age, kill, give birth and migrate, in that order, once per simulated year."""
    age_one_year(pop)
    dead = apply_deaths(pop, cfg, streams("population.deaths"))
    n_alive = pop.count_alive()
    rng = streams("population.migration")
    births = int(streams("population.births").poisson(cfg.births_per_1000 * n_alive / 1000.0))
    net = cfg.net_migration_per_1000 * n_alive / 1000.0
    immigrants = int(rng.poisson(max(net, 0.0)))
    emigrants = min(int(rng.poisson(max(-net, 0.0))), n_alive - 0)
    if emigrants:
        leaving = rng.choice(np.flatnonzero(pop.alive), size=emigrants, replace=False)
        pop.alive[leaving] = False
    newborns = make_persons(cfg, births, streams("population.newborns"), np.zeros(births))
    movers = make_persons(cfg, immigrants, streams("population.immigrants"))
    idx_born = pop.append(newborns)
    idx_moved = pop.append(movers)
    return YearChange(len(dead), births, immigrants, emigrants, np.concatenate([idx_born, idx_moved]))
