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

    def listed(self, model: SimModel) -> np.ndarray:
        """Living residents listed with each practice."""
        pop = model.population
        listed = pop.practice[pop.alive & (pop.practice >= 0)]
        return np.bincount(listed, minlength=len(model.practices)).astype(float)


@register
class NearestOpen(ListManagementRule):
    """Lists start near each practice's norm (``organisation.list_size_per_gp`` per GP FTE),
    spread between practices (``list_spread``); people list with the nearest practice with
    room. A practice closes to new patients once its list reaches ``close_at_share_of_norm``
    of its norm. Newcomers go to the nearest open practice; when none has room, the region
    allocates them to the nearest practice below ``workforce.forced_list_max_share_of_norm``
    of its norm; people it cannot place stay without a GP."""

    name = "default"

    def setup(self, model: SimModel) -> None:
        super().setup(model)
        self.px = np.array([p.x for p in model.practices])
        self.py = np.array([p.y for p in model.practices])

    def norm(self, model: SimModel) -> np.ndarray:
        """Each practice's list norm: its GP FTE times the patients per GP FTE."""
        return np.array([p.gp_fte for p in model.practices]) * model.config.organisation.list_size_per_gp

    def threshold(self, model: SimModel) -> np.ndarray:
        """List size at which each practice closes to new patients."""
        return self.norm(model) * model.config.organisation.close_at_share_of_norm

    def open_to_new(self, model: SimModel) -> np.ndarray:
        working = ~model.diaries.closed
        return working & (self.listed(model) < self.threshold(model))

    def list_everyone(self, model: SimModel) -> None:
        pop, org = model.population, model.config.organisation
        who = np.flatnonzero(pop.alive)
        spread, norm = org.list_spread, self.norm(model)
        target = norm * np.exp(spread * self.rng.standard_normal(len(norm)) - spread**2 / 2)
        target *= len(who) / target.sum()
        room = np.ceil(target)
        pop.practice[who] = assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)

    def list_newcomers(self, model: SimModel, who: np.ndarray) -> None:
        pop = model.population
        open_ = self.open_to_new(model)
        listed = self.listed(model)
        room = np.where(open_, np.maximum(self.threshold(model) - listed, 1.0), 0.0)
        choice = assign_nearest_with_room(pop.x[who], pop.y[who], self.px, self.py, room, self.rng)
        forced = choice < 0
        if forced.any():
            cap = model.config.organisation.workforce.forced_list_max_share_of_norm * self.norm(model)
            listed += np.bincount(choice[~forced], minlength=len(listed))
            room = np.where(~model.diaries.closed, np.floor(np.maximum(cap - listed, 0.0)), 0.0)
            choice[forced] = assign_nearest_with_room(
                pop.x[who[forced]], pop.y[who[forced]], self.px, self.py, room, self.rng
            )
        pop.practice[who] = choice.astype(np.int32)
