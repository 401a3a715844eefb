"""Travel on the synthetic municipality's map: straight-line distance at a door-to-door speed.

Homes (:mod:`sim.population.synth`) and sites (practices, the out-of-hours clinic, the acute
team's base, the hospital) have coordinates in km from the main town's centre. Every travel
time of the model is the straight-line distance divided by a speed: :func:`travel_minutes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.calendar import MINUTES_PER_HOUR

if TYPE_CHECKING:
    from sim.config.schema import SimConfig
    from sim.population.state import Population


def travel_minutes(
    x: np.ndarray | float,
    y: np.ndarray | float,
    to_x: np.ndarray | float,
    to_y: np.ndarray | float,
    speed_kmh: np.ndarray | float,
) -> np.ndarray:
    """One-way travel time (minutes) from (x, y) to (to_x, to_y), km apart in a straight line,
    at ``speed_kmh`` (arrays broadcast)."""
    return np.hypot(x - to_x, y - to_y) / speed_kmh * MINUTES_PER_HOUR


class Site(Protocol):
    """Anything with a position on the map (a practice)."""

    @property
    def x(self) -> float: ...

    @property
    def y(self) -> float: ...


class Map(Protocol):
    """What :func:`practice_travel_minutes` reads of a model: people, practices and the areas' speeds."""

    @property
    def population(self) -> Population: ...

    @property
    def practices(self) -> Sequence[Site]: ...

    @property
    def config(self) -> SimConfig: ...


def area_speeds(model: Map) -> np.ndarray:
    """Door-to-door travel speed (km/h) of each area type, indexed by ``Population.area``."""
    return np.array([a.speed_kmh for a in model.config.population.geography.areas.values()])


def practice_travel_minutes(model: Map, person: np.ndarray, practice: np.ndarray) -> np.ndarray:
    """One-way travel time (minutes) between each person's home and their practice, at the
    speed of the person's area type."""
    pop = model.population
    px = np.array([p.x for p in model.practices])[practice]
    py = np.array([p.y for p in model.practices])[practice]
    return travel_minutes(pop.x[person], pop.y[person], px, py, area_speeds(model)[pop.area[person]])
