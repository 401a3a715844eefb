"""The acute pathway of one episode, as a SimPy process.

An episode starts at its onset time. The ``escalation`` rule routes it first: to the own
practice (when it is open and has same-day GP time), to the out-of-hours GP (when the
practice is closed and the service is open), straight to the acute team, or to the
emergency department. From there each service handles it and names the next route, or ends
it (:mod:`sim.services.base`): the own practice and the out-of-hours GP treat it or refer
it on (the rule's ``refer``: acute team or hospital), the acute team treats at home or sends
the patient to the hospital, and the hospital ends every episode it receives. The loop below
names no provider. See :mod:`sim.services.episode` for the outcomes.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState
    from sim.world import World


class AtOnset(simpy.Process):
    """A SimPy process whose body starts ``delay`` minutes from now, on one event: the timeout
    resumes the generator for the first time, where ``env.process`` would schedule an
    initialising event now and the body a timeout of its own (two events per episode)."""

    def __init__(self, env: simpy.Environment, generator: Generator[simpy.Event, None, None], delay: float):
        # what Process.__init__ does, with the start at a timeout instead of an Initialize event
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._target = env.timeout(delay)
        self._target.callbacks.append(self._resume)


def start_at_onset(world: World, ep: EpisodeState) -> AtOnset:
    """Start the pathway of episode ``ep`` at its onset (now, if the onset has passed)."""
    env = world.env
    return AtOnset(env, episode(world, ep), max(ep.onset - env.now, 0.0))


def episode(world: World, ep: EpisodeState) -> Generator[simpy.Event, None, None]:
    """SimPy process body: the pathway of episode ``ep`` from onset (now) to its outcome."""
    env = world.env
    if not world.population.alive[ep.person]:
        ep.finish("died", env.now)
        return
    route = ep.route = world.rules["escalation"].route(ep, world)
    while route:
        route = yield from world.services[route].handle(ep)
