"""What a service or a rule may read and use of the simulation: the narrow :class:`World`.

The model (:mod:`sim.model`) is one :class:`World`; nothing below it names the
model. A service or rule is handed the world in ``setup(world)`` (rules), as its Mesa model
(services, through :attr:`sim.services.base.Service.world`) or as an argument, and reads only
what this protocol lists:

=====================  ===========================================================================
``config``             the run's frozen, validated parameters
``env``                SimPy's environment: the one clock (``env.now``, minutes since day 0)
``calendar``           days, weekdays, warm-up and the measured window
``streams``            the named random streams and keyed draws (common random numbers)
``population``         the person arrays (ages, conditions, homes, listed practice, ...)
``plan``               this year's drawn population events (death times)
``recorder``           where what happens is written (:class:`sim.metrics.records.Recorder`)
``rules``              the selected rule of each family, by family name
``services``           the service of each route, by route name (the other services by name)
``practices``          the general practices (Mesa agents), by index
``diaries``            the practices' diaries (offered and booked minutes)
``followups``          GP follow-ups asked for at discharge
``group_names``        the names of the acute episode groups, in order
``episode_groups``     their parameters, in the same order
``capacity_scale``     the run's population over the services' reference population
=====================  ===========================================================================

Because it is a protocol, a test can hand a rule or a service a small stand-in with just
these attributes instead of a whole model (``tests/unit/test_world.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import simpy

    from sim.calendar import Calendar
    from sim.config.schema import EpisodeGroupConfig, SimConfig
    from sim.metrics.records import Recorder
    from sim.population.dynamics import EventPlan
    from sim.population.state import Population
    from sim.rng import Streams
    from sim.services.base import Service
    from sim.services.diary import Diaries
    from sim.services.followups import GPFollowUps
    from sim.services.practice import Practice

WORLD_ATTRIBUTES = (
    "config",
    "env",
    "calendar",
    "streams",
    "population",
    "plan",
    "recorder",
    "rules",
    "services",
    "practices",
    "diaries",
    "followups",
    "group_names",
    "episode_groups",
    "capacity_scale",
)


@runtime_checkable
class World(Protocol):
    """The state a service or rule may read and use (see the module docstring)."""

    config: SimConfig
    env: simpy.Environment
    calendar: Calendar
    streams: Streams
    population: Population
    plan: EventPlan
    recorder: Recorder
    rules: dict[str, Any]
    services: dict[str, Service]
    practices: list[Practice]
    diaries: Diaries
    followups: GPFollowUps
    group_names: tuple[str, ...]
    episode_groups: tuple[EpisodeGroupConfig, ...]
    capacity_scale: float
