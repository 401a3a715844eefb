"""List management: which practice people list with, and which practices are closed to new patients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules.base import Rule, register
from sim.services.lists import assign_nearest_with_room

if TYPE_CHECKING:
    from sim.world import World


class ListManagementRule(Rule):
    """Decides where the starting population and newcomers list, and which practices take new
    patients. It returns its choices; the caller (:mod:`sim.services.staffing`) writes them."""

    family = "list_management"

    def list_everyone(self, world: World, who: np.ndarray) -> np.ndarray:
        """The practice (index, -1: none) of each of ``who``, the starting population."""
        raise NotImplementedError

    def list_newcomers(self, world: World, who: np.ndarray) -> np.ndarray:
        """The practice (index, -1: none) of each of ``who``: people born, moved in or left
        without a GP (not listed at the time of the call)."""
        raise NotImplementedError

    def open_to_new(self, world: World) -> np.ndarray:
        """Boolean per practice: it takes new patients."""
        raise NotImplementedError

    def listed(self, world: World) -> np.ndarray:
        """Living residents listed with each practice."""
        return world.population.listed_counts(len(world.practices)).astype(float)


@register
class NearestOpen(ListManagementRule):
    """Lists start near each practice's norm (``organisation.list_size_per_gp`` per GP FTE),
    spread between practices (``list_spread``); people list with the nearest practice with
    room. A practice closes to new patients once its list reaches ``close_at_share_of_norm``
    of its norm. Newcomers go to the nearest open practice; when none has room, the region
    allocates them to the nearest practice below ``workforce.forced_list_max_share_of_norm``
    of its norm; people it cannot place stay without a GP."""

    name = "default"

    def setup(self, world: World) -> None:
        super().setup(world)
        self.px = np.array([p.x for p in world.practices])
        self.py = np.array([p.y for p in world.practices])

    def norm(self, world: World) -> np.ndarray:
        """Each practice's list norm: its GP FTE times the patients per GP FTE."""
        return np.array([p.gp_fte for p in world.practices]) * world.config.organisation.list_size_per_gp

    def threshold(self, world: World) -> np.ndarray:
        """List size at which each practice closes to new patients."""
        return self.norm(world) * world.config.organisation.close_at_share_of_norm

    def open_to_new(self, world: World) -> np.ndarray:
        working = ~world.diaries.closed
        return working & (self.listed(world) < self.threshold(world))

    def list_everyone(self, world: World, who: np.ndarray) -> np.ndarray:
        pop, org = world.population, world.config.organisation
        spread, norm = org.list_spread, self.norm(world)
        target = norm * np.exp(spread * self.rng.standard_normal(len(norm)) - spread**2 / 2)
        target *= len(who) / target.sum()
        room = np.ceil(target)
        return assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)

    def list_newcomers(self, world: World, who: np.ndarray) -> np.ndarray:
        pop = world.population
        open_ = self.open_to_new(world)
        listed = self.listed(world)
        room = np.where(open_, np.maximum(self.threshold(world) - listed, 1.0), 0.0)
        choice = assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)
        forced = choice < 0
        if forced.any():
            cap = world.config.organisation.workforce.forced_list_max_share_of_norm * self.norm(world)
            listed += np.bincount(choice[~forced], minlength=len(listed))
            room = np.where(~world.diaries.closed, np.floor(np.maximum(cap - listed, 0.0)), 0.0)
            choice[forced] = assign_nearest_with_room(
                pop.x[who[forced]], pop.y[who[forced]], self.px, self.py, room, self.rng
            )
        return choice
