"""Configuration: the parameter schema, validation, and loading from YAML without Hydra."""

from sim.config.load import config_hash, from_dict, load_config
from sim.config.schema import AGE_BANDS, CHANNELS, SimConfig
from sim.config.validation import ConfigError, build, to_dict

__all__ = [
    "AGE_BANDS",
    "CHANNELS",
    "ConfigError",
    "SimConfig",
    "build",
    "config_hash",
    "from_dict",
    "load_config",
    "to_dict",
]
