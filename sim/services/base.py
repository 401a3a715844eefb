"""Services of the acute pathway: one base class, registered by the route name they serve.

An acute episode is passed from service to service: each service's :meth:`Service.handle` is a
SimPy generator that does what the service does with the episode (a consultation, a visit, a
stay) and returns the route it goes to next, or None when the episode has ended there. The
pathway (:mod:`sim.services.pathway`) is the loop ``while route: route = yield from
services[route].handle(episode)``: it names no provider, so a new provider is a new
:class:`Service` subclass with its route, registered with :func:`register_service`.

Services are Mesa agents: the model finds the services of a run through Mesa's registry of
agents (:func:`route_table`), not through a list of its own.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, ClassVar

import mesa
import simpy

if TYPE_CHECKING:
    from sim.services.episode import EpisodeState

SERVICES: dict[str, type[Service]] = {}  # route name -> the service class that handles it


class Service(mesa.Agent):
    """A provider an acute episode can be routed to, by the name in :attr:`route`."""

    route: ClassVar[str] = ""  # the route name episodes use to reach this service

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """SimPy process body: serve episode ``ep``; return the next route, or None when it ended."""
        raise NotImplementedError
        yield  # pragma: no cover - makes this a generator


def register_service(cls: type[Service]) -> type[Service]:
    """Class decorator: make ``cls`` the service of route ``cls.route``."""
    if not cls.route:
        raise TypeError(f"{cls.__name__} has no route name")
    if cls.route in SERVICES and SERVICES[cls.route] is not cls:
        raise TypeError(f"route {cls.route!r} is served by {SERVICES[cls.route].__name__} already")
    SERVICES[cls.route] = cls
    return cls


def route_table(model: mesa.Model) -> dict[str, Service]:
    """The service of each route in ``model``, found among its Mesa agents (one per route)."""
    table: dict[str, Service] = {}
    for agent_type, agents in model.agents_by_type.items():
        if issubclass(agent_type, Service):
            for agent in agents:
                if agent.route in table:
                    raise ValueError(f"two services serve route {agent.route!r}")
                table[agent.route] = agent
    return table
