"""Turning plain mappings into a validated :class:`SimConfig`, and hashing configs."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sim.config.schema import SimConfig
from sim.config.validation import ConfigError, build, to_dict


def config_dir() -> str:
    """The directory of the configs: ``$SIM_CONFIG_DIR`` or the repository's ``configs/``."""
    env = os.environ.get("SIM_CONFIG_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "configs"
    return str(path.resolve())


def from_dict(data: Mapping[str, Any]) -> SimConfig:
    """Build and validate a :class:`SimConfig` from a plain (nested) mapping."""
    return build(SimConfig, data)


def config_hash(config: SimConfig) -> str:
    """A short stable hash of every parameter value (for the manifest and caches)."""
    text = json.dumps(to_dict(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_config(
    overrides: str | Sequence[str] = (),
    config_dir: str | None = None,
    check: Callable[[SimConfig], None] | None = None,
) -> SimConfig:
    """Compose ``configs/`` with Hydra-style ``overrides`` (one string or a list) and return the
    validated config (``check``, when given, checks it further: ``sim.runner.check``). Every
    bad configuration raises :class:`ConfigError` naming the key and where it was set (the
    override, or the file and line).

    Hydra is imported lazily so that the rest of the library works without it.
    """
    from sim.cli.compose import compose_checked

    composed = compose_checked(overrides, config_dir)
    try:
        config = from_dict(composed.data)
        if check is not None:
            check(config)
    except ConfigError as err:
        raise (err if err.source else err.at(composed.source(err.key))) from None
    return config
