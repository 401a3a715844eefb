"""Hydra at the edge: the registered schema, composition, and :func:`load_config`.

This is one of the few modules that import Hydra; the library itself works on the plain
dataclasses of :mod:`sim.config`, which imports nothing from here (nor from :mod:`sim.cli`).
It sits above the library and below the command line: ``sim.load_config`` (the Python API)
and :mod:`sim.cli` compose through it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import MissingConfigException
from omegaconf import OmegaConf

from sim.config import places
from sim.config.load import config_dir, from_dict
from sim.config.schema import SimConfig
from sim.config.sources import override_key, source_of
from sim.config.validation import ConfigError, name_error

SCHEMA_NAME = "sim_schema"
# The mutable schema classes live here so that pickle (joblib and other launchers send the
# config store to worker processes) finds them by reference: sim.compose.mirrors.<Name>.
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


def place_overrides(overrides: Sequence[str]) -> list[str]:
    """``overrides`` with every ``place=`` value that names a place (any case, the DST spelling
    ``Læsø``, the code ``360``, a sweep ``A,B``) replaced by the place's key, the name of its file
    ``configs/place/<key>.yaml``, also inside ``sweep(...)`` and ``choice(...)``; a name that is
    no known place is left as it is (a planner's own ``place/<name>.yaml`` in a ``--config-dir``:
    give it a name that is no place's, or the shipped place is taken)."""
    out = []
    for ov in overrides:
        key, eq, value = ov.partition("=")
        wrapped = re.fullmatch(r"(sweep|choice)\((.*)\)", value.strip())
        inner = wrapped.group(2) if wrapped else value
        if key != "place" or not eq or any(c in inner for c in "()[]{}=") or not inner.strip():
            out.append(ov)
            continue
        keys = []
        for name in (v.strip().strip("'\"") for v in inner.split(",")):
            try:
                keys.append(places.find(name).key)
            except KeyError:
                keys.append(name)
        joined = ",".join(keys)
        out.append(f"place={wrapped.group(1)}({joined})" if wrapped else f"place={joined}")
    return out


GROUP_MISSING = re.compile(r"In '([^']+)': Could not find '([^']+)'")
NAMES = ("scenario.name", "experiment.name")  # names that become folders


@dataclasses.dataclass
class Composed:
    """A composed configuration as plain dicts, with what is needed to say where a value came from."""

    data: dict[str, Any]
    overrides: list[str]
    choices: dict[str, str | None]
    directory: str
    sweep_params: dict[str, str] = dataclasses.field(default_factory=dict)  # hydra.sweeper.params
    dirs: dict[str, str] = dataclasses.field(default_factory=dict)  # hydra.run.dir, hydra.sweep.dir (raw)

    def source(self, key: str) -> str:
        """Where ``key`` was set (command line, file and line, or the schema's default)."""
        return source_of(key, self.overrides, self.choices, self.directory)


def _yaml_error(exc: yaml.YAMLError, directory: str) -> ConfigError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return ConfigError("", f"malformed YAML: {problem}")
    path = Path(mark.name)
    try:
        group = str(path.parent.relative_to(Path(directory))).replace("/", ".").strip(".")
    except ValueError:
        group = ""
    where = f"{path} line {mark.line + 1}"
    return ConfigError(group if group != "." else "", f"malformed YAML: {problem}", where)


def _bad_override(overrides: list[str]) -> str | None:
    parser = OverridesParser.create()
    for ov in overrides:
        try:
            parser.parse_overrides([ov])
        except Exception:
            return ov
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def composition_error(exc: BaseException, overrides: list[str], directory: str) -> ConfigError:
    """A :class:`ConfigError` naming the key (and the file or override) for a Hydra composition error."""
    for err in _chain(exc):
        if isinstance(err, ConfigError):
            return err
        if isinstance(err, yaml.YAMLError):
            return _yaml_error(err, directory)
    if isinstance(exc, MissingConfigException):
        m = GROUP_MISSING.search(str(exc))
        if m:
            group, option = m.group(2).rsplit("/", 1) if "/" in m.group(2) else (m.group(2), "")
            key = group.replace("/", ".")
            options = getattr(exc, "options", None) or []
            where = next((f"command line: {o}" for o in overrides if override_key(o) == key), "")
            if not where and m.group(1) != "config":
                where = f"{Path(directory) / m.group(1)}.yaml"
            if key == "place":
                return ConfigError(key, places.unknown_place_message(option), where)
            available = f" (available: {', '.join(options)})" if options else ""
            return ConfigError(key, f"no config {option!r} in group {group}{available}", where)
    bad = _bad_override(overrides)
    if bad is not None:
        return ConfigError(override_key(bad) or bad, f"cannot parse the override {bad!r}", "command line")
    for err in _chain(exc):
        key = getattr(err, "full_key", None)
        if key:
            msg = str(getattr(err, "msg", "") or err).strip().splitlines()[0]
            # OmegaConf names only the last part of a key added with +: take the override's
            full = [override_key(o) for o in overrides]
            key = next((k for k in full if k == key or k.endswith("." + key)), key)
            return ConfigError(key, msg, source_of(key, overrides, {}, directory))
    return ConfigError("", _first_line(exc))


def _compose(overrides: list[str], directory: str) -> Any:
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=directory):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def compose_checked(overrides: str | Sequence[str] = (), directory: str | None = None) -> Composed:
    """Compose ``config.yaml`` with ``overrides`` (one string or a list) into plain dicts (no
    ``hydra`` key), checking what Hydra does not: names that become folders hold no
    interpolation and every scenario file names its scenario. Raises :class:`ConfigError`."""
    overrides = place_overrides([overrides] if isinstance(overrides, str) else overrides)
    directory = str(Path(directory).resolve()) if directory else config_dir()
    try:
        cfg = _compose(overrides, directory)
    except Exception as exc:
        raise composition_error(exc, overrides, directory) from None
    choices = dict(OmegaConf.to_container(cfg.hydra.runtime.choices))
    node = cfg.hydra.sweeper.get("params")
    params = OmegaConf.to_container(node, resolve=False) if OmegaConf.is_config(node) else {}
    dirs = {m: str(OmegaConf.to_container(cfg.hydra[m], resolve=False)["dir"]) for m in ("run", "sweep")}
    done = Composed({}, overrides, choices, directory, {str(k): str(v) for k, v in params.items()}, dirs)
    raw = OmegaConf.to_container(cfg, resolve=False)
    for key in NAMES:
        section, name = key.split(".")
        value = raw.get(section, {}).get(name)
        if value == "" and section == "scenario":
            file = Path(directory) / "scenario" / f"{choices.get('scenario')}.yaml"
            raise ConfigError(
                key,
                f"the scenario file {file.name} does not set scenario.name: every scenario file must "
                "name its scenario (else its results would be labelled as another's)",
                str(file),
            )
        msg = name_error(value)
        if msg:
            raise ConfigError(key, msg, done.source(key))
    try:
        done.data = {
            k: OmegaConf.to_container(cfg[k], resolve=True, throw_on_missing=True)
            if OmegaConf.is_config(cfg[k])
            else cfg[k]
            for k in cfg
            if k != "hydra"
        }
    except Exception as exc:
        raise composition_error(exc, overrides, directory) from None
    return done


def compose_config(overrides: str | Sequence[str] = (), directory: str | None = None) -> dict[str, Any]:
    """Compose ``config.yaml`` with ``overrides`` and return it as a plain dict (no ``hydra`` key)."""
    return compose_checked(overrides, directory).data


def load_config(
    overrides: str | Sequence[str] = (),
    config_dir: str | None = None,
    check: Callable[[SimConfig], None] | None = None,
) -> SimConfig:
    """Compose ``configs/`` with Hydra-style ``overrides`` (one string or a list) and return the
    validated config (``check``, when given, checks it further: ``sim.runner.check``). Every
    bad configuration raises :class:`ConfigError` naming the key and where it was set (the
    override, or the file and line).

    ``sim.load_config`` imports this module (and so Hydra) only when first used, so that the
    rest of the library works without it.
    """
    composed = compose_checked(overrides, config_dir)
    try:
        config = from_dict(composed.data)
        if check is not None:
            check(config)
    except ConfigError as err:
        raise (err if err.source else err.at(composed.source(err.key))) from None
    return config
