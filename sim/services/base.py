"""Services of the acute pathway: one base class, registered by the route name they serve.

An acute episode is passed from service to service: each service's :meth:`Service.handle` is a
SimPy generator that does what the service does with the episode (a consultation, a visit, a
stay) and returns the route it goes to next, or None when the episode has ended there. The
pathway (:mod:`sim.services.pathway`) is the loop ``while route: route = yield from
services[route].handle(episode)``: it names no provider, so a new provider is a new
:class:`Service` subclass with its route, registered with :func:`register_service`.

Services are Mesa agents: the model finds the services of a run through Mesa's registry of
agents (:func:`route_table`, :func:`services_of`), not through a list of its own. Which services
exist comes from YAML: the **core services** (``core = True``) are registered by ``name`` and
built, in order, from the list ``services.providers``, each by its :meth:`Service.from_config`
from its own config block (:func:`make_providers`); plug-ins from ``services.plugins``.

Lifecycle (every service, core or plug-in; the model calls each hook on all services through
Mesa's ``AgentSet``): built before day 0 with the world; :meth:`Service.setup` once every
service and rule exists; :meth:`Service.step` each day (in the day step "Escalation" of
:mod:`sim.model`, after general practice's day); :meth:`Service.handle` for each episode routed
to it; :meth:`Service.finish` when the run ends, to close its records; then :meth:`Service.kpis`
(its own KPI rows, from its records over the measured period, each registered in
:mod:`sim.metrics.registry`) and :meth:`Service.cost` (its cost over the measured period, one
part of ``cost_dkk_per_capita``, named by :attr:`Service.cost_component`). No KPI reads a
service's live state: what ``finish`` kept is what the KPIs read.

A **plug-in service** is one module in ``sim/services/`` and one YAML block::

    services:
      plugins:
        rehabilitation: {params: {share: 0.5}}

Its class has a ``name`` (the key of the block), a frozen ``Params`` dataclass (the block's
``params``, validated like a rule's) and any of the hooks above, and :meth:`Service.discharge_visit`
(a visit after a hospital discharge that changes the readmission hazard). The model builds every
enabled plug-in before day 0 (:func:`make_plugins`); nothing else names it.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import simpy
from mesa.agent import AgentSet

from sim.config.discovery import import_modules
from sim.config.validation import ConfigError, build

if TYPE_CHECKING:
    from sim.config.services import PluginConfig
    from sim.services.episode import EpisodeState
    from sim.world import World

SERVICES: dict[str, type[Service]] = {}  # route name -> the service class that handles it
PLUGINS: dict[str, type[Service]] = {}  # plug-in name -> its service class
PROVIDERS: dict[str, type[Service]] = {}  # core service name (services.providers) -> its class
Row = tuple[str, str, float, str]  # a KPI row: metric, group, value, unit


@dataclass(frozen=True)
class NoParams:
    """Parameters of a service that takes none."""


class Service(mesa.Agent):
    """A provider an acute episode can be routed to, by the name in :attr:`route`."""

    route: ClassVar[str] = ""  # the route name episodes use to reach this service ("": none)
    # its name: a core service's in services.providers (core = True), a plug-in's in services.plugins
    name: ClassVar[str] = ""
    core: ClassVar[bool] = False
    Params: ClassVar[type] = NoParams
    draws: ClassVar[tuple[str, ...]] = ()  # the episode draws it reads (``episode.draw(name)``)
    cost_component: ClassVar[str] = ""  # its group of the KPI cost_dkk_per_capita ("": no cost)

    def __init__(self, world: World) -> None:
        super().__init__(world)  # type: ignore[arg-type]  # the world is the Mesa model that runs it

    @property
    def world(self) -> World:
        """What this service may read and use of the simulation (:class:`sim.world.World`)."""
        return self.model  # type: ignore[return-value]

    def handle(self, ep: EpisodeState) -> Generator[simpy.Event, None, str | None]:
        """SimPy process body: serve episode ``ep``; return the next route, or None when it ended."""
        raise NotImplementedError
        yield  # pragma: no cover - makes this a generator

    def discharge_visit(self, ep: EpisodeState) -> tuple[float, float] | None:
        """A visit after ``ep``'s discharge (now) that changes its readmission hazard: (minutes
        after discharge, hazard ratio from then on), or None."""
        return None

    @classmethod
    def from_config(cls, world: World) -> Service:
        """Build the core service from its block of ``world.config.services`` (core services)."""
        raise NotImplementedError(f"{cls.__name__} is not a core service")

    def setup(self) -> None:
        """Once before day 0, when every service and rule exists."""

    def step(self, day: int) -> None:
        """The service's part of day ``day`` (after general practice's booking and escalation)."""

    def finish(self) -> None:
        """When the run ends: close and keep the records the KPIs and the cost read."""

    def kpis(self) -> list[Row]:
        """The service's own KPI rows over the measured period (each registered by name)."""
        return []

    def cost(self) -> float:
        """The service's cost over the measured period in DKK (part :attr:`cost_component`)."""
        return 0.0


def register_service(cls: type[Service]) -> type[Service]:
    """Class decorator: make ``cls`` the service of route ``cls.route`` and the core service or
    plug-in ``cls.name``."""
    if not cls.route and not cls.name:
        raise TypeError(f"{cls.__name__} has neither a route nor a name")
    for key, table in ((cls.route, SERVICES), (cls.name, PROVIDERS if cls.core else PLUGINS)):
        if key and key in table and table[key] is not cls:
            raise TypeError(f"{key!r} is registered to {table[key].__name__} already")
        if key:
            table[key] = cls
    return cls


def discover() -> None:
    """Import every module in ``sim.services`` so that their services register themselves."""
    import_modules("sim.services")


def plugin_params(plugins: dict[str, PluginConfig]) -> dict[str, Any]:
    """The validated ``Params`` of every enabled plug-in; errors name the config key."""
    discover()
    out = {}
    for name, block in plugins.items():
        cls = PLUGINS.get(name)
        if cls is None:
            known = ", ".join(sorted(PLUGINS)) or "none"
            message = f"no plug-in service named {name!r} (known: {known})"
            raise ConfigError(f"services.plugins.{name}", message)
        if block.enabled:
            out[name] = build(cls.Params, block.params, f"services.plugins.{name}.params")
    return out


def make_providers(world: World, providers: list[str]) -> None:
    """Build the core services named in ``providers`` (``services.providers``), in that order,
    each from its own config block."""
    discover()
    for name in providers:
        PROVIDERS[name].from_config(world)


def make_plugins(model: mesa.Model, plugins: dict[str, PluginConfig]) -> None:
    """Build every enabled plug-in service of ``plugins`` as an agent of ``model``."""
    for name, params in plugin_params(plugins).items():
        PLUGINS[name](model, params)


def services_of(model: mesa.Model) -> AgentSet:
    """Every service agent of ``model`` (core and plug-in), in the order they were made, as a
    Mesa ``AgentSet`` (``do``, ``map``, ``select``)."""
    return model.agents.select(lambda agent: isinstance(agent, Service))


def route_table(model: mesa.Model) -> dict[str, Service]:
    """The service of each route in ``model``, found among its Mesa agents (one per route)."""
    table: dict[str, Service] = {}
    for agent in services_of(model):
        if not agent.route:
            continue
        if agent.route in table:
            raise ValueError(f"two services serve route {agent.route!r}")
        table[agent.route] = agent
    return table
