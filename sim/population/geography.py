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


BLOCK = 1 << 20  # people per block of practice_travel_minutes (its temporaries: a few 8 MB arrays)


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
    px = np.array([p.x for p in model.practices])
    py = np.array([p.y for p in model.practices])
    speed = area_speeds(model)
    out = np.empty(len(person), np.float64)
    for start in range(0, len(person), BLOCK):  # in blocks: the same values, a fraction of the memory
        who, where = person[start : start + BLOCK], practice[start : start + BLOCK]
        out[start : start + BLOCK] = travel_minutes(
            pop.x[who], pop.y[who], px[where], py[where], speed[pop.area[who]]
        )
    return out
