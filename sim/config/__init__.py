"""Configuration: the parameter schema, validation and hashing, without Hydra.

Composing ``configs/`` from YAML with Hydra is :func:`sim.load_config` (:mod:`sim.compose`).
"""

from sim.config.load import config_dir, config_hash, from_dict
from sim.config.schema import AGE_BANDS, CHANNELS, SimConfig
from sim.config.validation import ConfigError, build, to_dict

__all__ = [
    "AGE_BANDS",
    "CHANNELS",
    "ConfigError",
    "SimConfig",
    "build",
    "config_dir",
    "config_hash",
    "from_dict",
    "to_dict",
]
