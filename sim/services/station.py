"""A multi-server first-come-first-served service in continuous time (SimPy).

Used for the emergency department and, later, out-of-hours and acute-team services.
Every customer's arrival, start and end are recorded, so waits, utilisation and
Little's law can be checked on any run. Set up with Poisson arrivals, exponential
service and ``c`` servers it is an M/M/c queue (validated against Erlang C).
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from sim.config.schema import DistributionConfig, StationConfig


def duration_sampler(cfg: DistributionConfig, rng: np.random.Generator) -> Callable[[], float]:
    """A function that draws one duration (minutes) from ``cfg`` using ``rng``."""
    if cfg.dist == "fixed":
        return lambda: cfg.mean
    if cfg.dist == "exponential":
        return lambda: float(rng.exponential(cfg.mean))
    sigma2 = np.log1p(cfg.cv**2)
    mu = np.log(cfg.mean) - sigma2 / 2
    return lambda: float(rng.lognormal(mu, np.sqrt(sigma2)))


class Station:
    """``servers`` identical servers and one FIFO queue; ``infinite`` means no queue."""

    def __init__(
        self, env: simpy.Environment, name: str, cfg: StationConfig, rng: np.random.Generator
    ) -> None:
        self.env = env
        self.name = name
        self.infinite = cfg.infinite
        self.servers = cfg.servers
        self.resource = None if cfg.infinite else simpy.Resource(env, capacity=max(cfg.servers, 1))
        self.draw = duration_sampler(cfg.service, rng)
        self.arrive: list[float] = []
        self.start: list[float] = []
        self.end: list[float] = []

    @property
    def available(self) -> bool:
        """False when the station has no servers at all (customers must go elsewhere)."""
        return self.infinite or self.servers > 0

    def serve(self, service_minutes: float | None = None) -> Generator[simpy.Event, None, int]:
        """SimPy process body: queue, be served, leave. Returns the customer's record index."""
        duration = self.draw() if service_minutes is None else service_minutes
        k = len(self.arrive)
        self.arrive.append(self.env.now)
        self.start.append(np.nan)
        self.end.append(np.nan)
        if self.resource is None:
            self.start[k] = self.env.now
            yield self.env.timeout(duration)
        else:
            with self.resource.request() as req:
                yield req
                self.start[k] = self.env.now
                yield self.env.timeout(duration)
        self.end[k] = self.env.now
        return k

    def records(self) -> dict[str, np.ndarray]:
        """Arrival, start and end time (minutes) of every customer; NaN where not reached."""
        return {
            "arrive": np.array(self.arrive, dtype=float),
            "start": np.array(self.start, dtype=float),
            "end": np.array(self.end, dtype=float),
        }
