"""List management: which practice people list with, and which practices are closed to new patients."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules.base import Rule, register
from sim.services.lists import assign_nearest_with_room

if TYPE_CHECKING:
    from sim.model import SimModel


class ListManagementRule(Rule):
    """Lists the starting population and newcomers; says which practices take new patients."""

    family = "list_management"

    def list_everyone(self, model: SimModel) -> None:
        """List the starting population."""
        raise NotImplementedError

    def list_newcomers(self, model: SimModel, who: np.ndarray) -> None:
        """List people who were born or moved in."""
        raise NotImplementedError

    def open_to_new(self, model: SimModel) -> np.ndarray:
        """Boolean per practice: it takes new patients."""
        raise NotImplementedError


@register
class NearestOpen(ListManagementRule):
    """Lists start near each practice's norm (``organisation.list_size_per_gp`` per GP FTE),
    spread between practices (``list_spread``); people list with the nearest practice with
    room. A practice closes to new patients once its list reaches ``close_at_share_of_norm``
    of its norm. Newcomers go to the nearest open practice; when every practice is closed,
    the nearest practice must take them (the region's allocation)."""

    name = "default"

    def setup(self, model: SimModel) -> None:
        super().setup(model)
        org = model.config.organisation
        self.norm = np.array([p.gp_fte * org.list_size_per_gp for p in model.practices])
        self.threshold = self.norm * org.close_at_share_of_norm
        self.px = np.array([p.x for p in model.practices])
        self.py = np.array([p.y for p in model.practices])

    def listed(self, model: SimModel) -> np.ndarray:
        """Living residents listed with each practice."""
        pop = model.population
        listed = pop.practice[pop.alive & (pop.practice >= 0)]
        return np.bincount(listed, minlength=len(model.practices)).astype(float)

    def open_to_new(self, model: SimModel) -> np.ndarray:
        working = ~model.diaries.closed
        return working & (self.listed(model) < self.threshold)

    def list_everyone(self, model: SimModel) -> None:
        pop, org = model.population, model.config.organisation
        who = np.flatnonzero(pop.alive)
        spread = org.list_spread
        target = self.norm * np.exp(spread * self.rng.standard_normal(len(self.norm)) - spread**2 / 2)
        target *= len(who) / target.sum()
        room = np.ceil(target)
        pop.practice[who] = assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)

    def list_newcomers(self, model: SimModel, who: np.ndarray) -> None:
        pop = model.population
        open_ = self.open_to_new(model)
        room = np.where(open_, np.maximum(self.threshold - self.listed(model), 1.0), 0.0)
        choice = assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)
        forced = choice < 0
        if forced.any():
            working = np.where(~model.diaries.closed, np.inf, 0.0)
            choice[forced] = assign_nearest_with_room(
                pop.x[who[forced]], pop.y[who[forced]], self.px, self.py, working, self.rng
            )
        pop.practice[who] = choice.astype(np.int32)
