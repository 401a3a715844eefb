"""sim: a patient-flow simulator of Danish primary care.

Use without Hydra::

    import sim
    config = sim.load_config(["scenario=health_houses", "population.size=20000"])
    results = sim.run(config)
    results.kpis  # tidy table: scenario, replication, seed, metric, group, value, unit

``sim.load_config`` composes ``configs/`` with Hydra (:mod:`sim.compose`, at the edge); it is
imported when first used, so ``import sim`` and :mod:`sim.config` do not import Hydra.
"""

from typing import TYPE_CHECKING, Any

from sim.config import ConfigError, SimConfig, from_dict
from sim.runner import Results, run, run_replication

if TYPE_CHECKING:
    from sim.compose import load_config

__all__ = ["ConfigError", "Results", "SimConfig", "from_dict", "load_config", "run", "run_replication"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``sim.load_config``, imported (with Hydra) the first time it is asked for."""
    if name == "load_config":
        from sim.compose import load_config

        globals()[name] = load_config
        return load_config
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
