"""Hydra at the edge: the config directory, the registered schema, and composition.

This is one of the few modules that import Hydra; the library itself works on the plain
dataclasses of :mod:`sim.config`.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any

from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from sim.config.load import config_dir
from sim.config.schema import SimConfig

SCHEMA_NAME = "sim_schema"
# The mutable schema classes live here so that pickle (joblib and other launchers send the
# config store to worker processes) finds them by reference: sim.cli.compose.mirrors.<Name>.
mirrors = types.SimpleNamespace()


def _mirror_type(tp: Any) -> Any:
    if dataclasses.is_dataclass(tp):
        return mirror(tp)
    if typing.get_origin(tp) is dict:
        key, value = typing.get_args(tp)
        return dict[key, _mirror_type(value)]
    return tp


def _mirror_value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = mirror(type(value))
        return cls(**{f.name: _mirror_value(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, dict):
        return {k: _mirror_value(v) for k, v in value.items()}
    return value


@functools.cache
def mirror(cls: type) -> type:
    """A mutable copy of frozen dataclass ``cls`` (same names, types and defaults) for Hydra.

    OmegaConf marks nodes made from frozen dataclasses read-only, which would stop YAML
    and command-line overrides from merging; values are validated later by building the
    frozen classes from the composed config.
    """
    hints = typing.get_type_hints(cls)
    specs = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default = dataclasses.field(default=f.default)
        else:
            factory = f.default_factory
            default = dataclasses.field(default_factory=lambda factory=factory: _mirror_value(factory()))
        specs.append((f.name, _mirror_type(hints[f.name]), default))
    made = dataclasses.make_dataclass(cls.__name__, specs)
    made.__module__ = __name__
    made.__qualname__ = f"mirrors.{cls.__name__}"
    setattr(mirrors, cls.__name__, made)
    return made


mirror(SimConfig)  # build every schema class at import, in worker processes too


def register_schema() -> None:
    """Register the schema of :class:`SimConfig` that ``config.yaml`` starts from."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=mirror(SimConfig))


def compose_config(overrides: list[str], directory: str | None = None) -> dict[str, Any]:
    """Compose ``config.yaml`` with ``overrides`` and return it as a plain dict (no ``hydra`` key)."""
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=directory or config_dir()):
        cfg = compose(config_name="config", overrides=overrides)
    data = OmegaConf.to_container(cfg, resolve=True)
    data.pop("hydra", None)
    return data
