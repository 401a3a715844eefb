"""Turning plain mappings into a validated :class:`SimConfig`, and hashing configs.

Composing the YAML files of ``configs/`` with Hydra is at the edge, in :mod:`sim.compose`
(``sim.load_config``): nothing here imports Hydra.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.config.schema import SimConfig
from sim.config.validation import build, to_dict


def config_dir() -> str:
    """The directory of the configs: ``$SIM_CONFIG_DIR``, or the package's own ``sim/configs/``
    (shipped in the wheel, so an installed sim finds them; ``configs/`` at the top of the
    repository is a link to it)."""
    env = os.environ.get("SIM_CONFIG_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / "configs"
    return str(path.resolve())


def from_dict(data: Mapping[str, Any]) -> SimConfig:
    """Build and validate a :class:`SimConfig` from a plain (nested) mapping; a real place's
    ``population.size`` above a positive ``population.max_size`` is lowered to it."""
    population = data.get("population")
    if isinstance(population, Mapping) and population.get("real_size"):
        size, cap = population.get("size"), population.get("max_size")
        if isinstance(size, int) and isinstance(cap, int) and 0 < cap < size:
            data = {**data, "population": {**population, "size": cap}}
    return build(SimConfig, data)


def config_hash(config: SimConfig) -> str:
    """A short stable hash of every parameter value (for the manifest and caches)."""
    text = json.dumps(to_dict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
