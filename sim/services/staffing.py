"""Applying the workforce and list decisions: GPs in the practices and diaries, people on lists.

The ``workforce`` and ``list_management`` rules decide (GP ages per practice, the practice each
person lists with); the functions here act on the world: they staff the practices, shut a
practice left without GPs and list its patients elsewhere, open the region's clinic, and record
what changed. The model calls them at the start, at each yearly tick and when people arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.organisation import REGION_CLINIC

if TYPE_CHECKING:
    from sim.services.practice import Practice
    from sim.world import World


def _set_gps(world: World, practice: Practice, ages: np.ndarray) -> None:
    """Staff ``practice`` with GPs of ``ages`` and give its diary their capacity and units."""
    practice.set_gps(ages)
    world.diaries.weekly[practice.index] = practice.weekly_capacity()
    world.diaries.set_units(practice.index, len(practice.gp_ages))


def staff_practices(world: World) -> None:
    """Give every practice the GPs the ``workforce`` rule decides at the start."""
    for index, ages in world.rules["workforce"].staff(world).items():
        _set_gps(world, world.practices[index], ages)


def list_everyone(world: World) -> None:
    """List the living population where the ``list_management`` rule decides."""
    pop = world.population
    who = np.flatnonzero(pop.alive)
    pop.list_with(who, world.rules["list_management"].list_everyone(world, who))


def list_newcomers(world: World, who: np.ndarray) -> None:
    """List ``who`` (born, moved in or left without a GP) where the ``list_management`` rule decides."""
    choice = world.rules["list_management"].list_newcomers(world, who)
    world.population.list_with(who, choice.astype(np.int32))


def yearly_staffing(world: World, day: int) -> None:
    """Apply the ``workforce`` rule's yearly decision: new GPs in each practice (a practice left
    without GPs shuts and its patients list elsewhere), then the region's clinic if the rule
    opens or enlarges it; record the GPs retired and recruited."""
    rule = world.rules["workforce"]
    decision = rule.yearly(world, day)
    if decision is None:
        world.recorder.workforce_change(day, 0, 0)
        return
    for index, ages in sorted(decision.gps.items()):
        practice = world.practices[index]
        _set_gps(world, practice, ages)
        if len(practice.gp_ages) == 0:
            _shut(world, practice)
        world.diaries.refresh(index, world.calendar.weekday)
    world.recorder.workforce_change(day, decision.retired, decision.recruited)
    extra = rule.region_clinic(world)
    if extra is not None:
        _open_region_clinic(world, extra)


def _shut(world: World, practice: Practice) -> None:
    """Shut ``practice``: its diary closes and its patients list elsewhere."""
    world.diaries.closed[practice.index] = True
    pop = world.population
    patients = np.flatnonzero(pop.alive & (pop.practice == practice.index))
    pop.list_with(patients, -1)
    list_newcomers(world, patients)
    world.recorder.practice_shut(practice.index)


def _open_region_clinic(world: World, extra_ages: np.ndarray) -> None:
    """Add GPs of ``extra_ages`` to the region's clinic, open it and list everyone without a GP there."""
    pop = world.population
    unlisted = np.flatnonzero(pop.alive & (pop.practice < 0))
    clinic = next(p for p in world.practices if p.kind == REGION_CLINIC)
    _set_gps(world, clinic, np.concatenate([clinic.gp_ages, extra_ages]))
    world.diaries.closed[clinic.index] = False
    world.diaries.refresh(clinic.index, world.calendar.weekday)
    pop.list_with(unlisted, clinic.index)
