"""sim: a patient-flow simulator of Danish primary care.

Use without Hydra::

    import sim
    config = sim.load_config(["scenario=health_houses", "population.size=20000"])
    results = sim.run(config)
    results.kpis  # tidy table: scenario, replication, seed, metric, group, value, unit

The names below are imported the first time they are asked for (``sim.run`` brings in the
model with Mesa, SimPy and pandas; ``sim.load_config`` brings in Hydra, :mod:`sim.compose`),
so that ``import sim`` and :mod:`sim.config` stay light (the command line's help, a sweep job's
start).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.compose import load_config
    from sim.config import ConfigError, SimConfig, from_dict
    from sim.runner import Results, run, run_replication

__all__ = ["ConfigError", "Results", "SimConfig", "from_dict", "load_config", "run", "run_replication"]
__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "ConfigError": "sim.config",
    "SimConfig": "sim.config",
    "from_dict": "sim.config",
    "Results": "sim.runner",
    "run": "sim.runner",
    "run_replication": "sim.runner",
    "load_config": "sim.compose",
}


def __getattr__(name: str) -> Any:
    """A public name of the API, imported from its module the first time it is asked for (or a
    submodule, ``sim.runner``, imported when first named)."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    try:
        return import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
