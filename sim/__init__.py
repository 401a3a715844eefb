"""sim: a patient-flow simulator of Danish primary care.

Use without Hydra::

    import sim
    config = sim.load_config(["scenario=health_houses", "population.size=20000"])
    results = sim.run(config)
    results.kpis  # tidy table: scenario, replication, seed, metric, group, value, unit
"""

from sim.config import ConfigError, SimConfig, from_dict, load_config
from sim.runner import Results, run, run_replication

__all__ = ["ConfigError", "Results", "SimConfig", "from_dict", "load_config", "run", "run_replication"]
__version__ = "0.1.0"
