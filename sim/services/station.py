"""A multi-server first-come-first-served service in continuous time, for SimPy processes.

Used for the emergency department and the out-of-hours GP service.
Every customer's arrival, start and end are recorded, so waits, utilisation and
Little's law can be checked on any run. Set up with Poisson arrivals, exponential
service and ``c`` servers it is an M/M/c queue (validated against Erlang C).
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy
from scipy.special import ndtri

from sim.config.schema import DistributionConfig, StationConfig
from sim.config.services import scaled
from sim.services.queue import DutyHours, Servers


def duration_sampler(cfg: DistributionConfig, rng: np.random.Generator) -> Callable[[], float]:
    """A function that draws one duration (minutes) from ``cfg`` using ``rng``."""
    if cfg.dist == "fixed":
        return lambda: cfg.mean
    if cfg.dist == "exponential":
        return lambda: float(rng.exponential(cfg.mean))
    sigma2 = np.log1p(cfg.cv**2)
    mu = np.log(cfg.mean) - sigma2 / 2
    return lambda: float(rng.lognormal(mu, np.sqrt(sigma2)))


def duration_quantile(cfg: DistributionConfig, u: np.ndarray | float) -> np.ndarray:
    """Durations (minutes) from ``cfg`` at the uniform draws ``u`` (inverse transform), so a
    duration can come from draws made with the customer (common random numbers)."""
    u = np.asarray(u, dtype=float)
    if cfg.dist == "fixed":
        return np.full(u.shape, cfg.mean)
    if cfg.dist == "exponential":
        return -cfg.mean * np.log1p(-u)
    sigma2 = np.log1p(cfg.cv**2)
    return np.exp(np.log(cfg.mean) - sigma2 / 2 + np.sqrt(sigma2) * ndtri(u))


class Station:
    """``servers`` identical servers (times ``scale``, see :func:`scaled`) and one FCFS queue, on
    duty always or during ``duty``; ``infinite`` means no queue. A SimPy-facing wrapper of
    :class:`Servers`."""

    def __init__(
        self,
        env: simpy.Environment,
        name: str,
        cfg: StationConfig,
        rng: np.random.Generator,
        duty: DutyHours | None = None,
        scale: float = 1.0,
    ) -> None:
        self.env = env
        self.name = name
        self.infinite = cfg.infinite
        self.servers = scaled(cfg.servers, scale)
        self.queue = Servers([(self.servers, duty)], infinite=cfg.infinite)
        self.draw = duration_sampler(cfg.service, rng)
        self._service, self._rng = cfg.service, rng

    def duration(self, u: float) -> float:
        """One service time at the uniform draw ``u``, made with the customer (common random
        numbers: it does not depend on who else was served before)."""
        return float(duration_quantile(self._service, u))

    def durations(self, u: np.ndarray) -> np.ndarray:
        """Service times at the uniform draws ``u`` (one per customer)."""
        return duration_quantile(self._service, u)

    def draw_many(self, n: int) -> np.ndarray:
        """``n`` service times at once (for customers placed without a process)."""
        return duration_quantile(self._service, self._rng.random(n))

    @property
    def available(self) -> bool:
        """False when the station has no servers at all (customers must go elsewhere)."""
        return self.queue.available

    def serve(self, service_minutes: float | None = None) -> Generator[simpy.Event, None, int]:
        """SimPy process body: queue, be served, leave. Returns the customer's record index."""
        duration = self.draw() if service_minutes is None else service_minutes
        k, start = self.queue.assign(self.env.now, duration)
        yield self.env.timeout(start + duration - self.env.now)
        return k

    def queue_length(self) -> int:
        """Customers waiting now."""
        return self.queue.queue_length(self.env.now)

    def records(self) -> dict[str, np.ndarray]:
        """Arrival, start and end time (minutes) of every customer; NaN where not reached yet."""
        return self.queue.records(self.env.now)
