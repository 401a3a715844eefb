"""Where services outside general practice sit: the acute team's base, the satellite clinic."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sim.calendar import MINUTES_PER_DAY

if TYPE_CHECKING:
    from sim.services.practice import Practice
    from sim.world import World

log = logging.getLogger(__name__)
TOWN_CENTRE = (0.0, 0.0)


def hospital_site(world: World) -> tuple[float, float]:
    """The hospital: ``population.geography.hospital_distance_km`` east of the town centre."""
    return (world.config.population.geography.hospital_distance_km, 0.0)


def week_offset(world: World) -> float:
    """Minutes from the start of the week (Monday 00:00) to day 0, for weekly duty hours."""
    return world.calendar.weekday(0) * MINUTES_PER_DAY


def largest_house(practices: list[Practice]) -> tuple[float, float] | None:
    """The site of the health house with the most GP FTE (None when there is no house)."""
    houses = [p for p in practices if p.kind == "health_house" and p.gp_fte > 0]
    if not houses:
        return None
    best = max(houses, key=lambda p: p.gp_fte)
    return (best.x, best.y)


def acute_base(world: World, hospital: tuple[float, float]) -> tuple[float, float]:
    """The acute team's base: the main town's centre, the largest health house or the hospital."""
    base = world.config.services.acute_function.base
    if base == "hospital":
        return hospital
    if base == "health_house":
        site = largest_house(world.practices)
        if site is not None:
            return site
        log.warning(
            "services.acute_function.base is health_house but there is no health house; using the town"
        )
    return TOWN_CENTRE
