"""Checking every job of a command line before Hydra starts any.

``sim -m a=1,2 b=x,y`` runs the product of the sweeps (and of the sweep an experiment file
sets in ``hydra.sweeper.params``); one bad combination must not fail after the others have
run. Composing with Hydra costs about half a second, so each distinct choice of config
groups (``scenario=...``, ``population=...``) is composed once and every combination of the
other values is applied to that composition as a plain dict, then validated and checked for
feasibility: thousands of combinations take seconds.
"""

from __future__ import annotations

import copy
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, ValueType

from sim.compose import Composed, compose_checked, composition_error
from sim.config import ConfigError, from_dict
from sim.config.load import config_dir
from sim.config.schema import SimConfig
from sim.runner import check

PREFIX = {OverrideType.ADD: "+", OverrideType.FORCE_ADD: "++", OverrideType.DEL: "~"}


def _values(ov: Override) -> list[str]:
    """The override strings of one command-line item: one, or one per value of a sweep (an
    interval sweep of an optimiser is checked at its two ends)."""
    key = PREFIX.get(ov.type, "") + ov.get_key_element()
    if not ov.is_sweep_override():
        return [ov.input_line]
    if ov.value_type == ValueType.INTERVAL_SWEEP:
        interval = ov.value()
        return [f"{key}={interval.start}", f"{key}={interval.end}"]
    return [f"{key}={v}" for v in ov.sweep_string_iterator()]


def sweep_items(overrides: list[str], params: dict[str, str] | None = None) -> list[list[str]]:
    """For each key of the command line and of the experiment's ``hydra.sweeper.params``
    (the command line wins), the override strings it takes."""
    parser = OverridesParser.create()
    items: dict[str, list[str]] = {}
    for key, value in (params or {}).items():
        (ov,) = parser.parse_overrides([f"{key}={value}"])
        items[ov.get_key_element()] = _values(ov)
    for ov in parser.parse_overrides(overrides):
        items[ov.get_key_element()] = _values(ov)
    return list(items.values())


def combinations(items: list[list[str]]) -> Iterator[list[str]]:
    """Every combination of the values of ``items`` (the jobs of the sweep)."""
    for combo in itertools.product(*items):
        yield list(combo)


def _apply(data: dict[str, Any], override: str) -> None:
    """Apply one value override (``a.b=1``, ``+a.c=2``, ``~a.b``) to composed ``data`` in place."""
    (ov,) = OverridesParser.create().parse_overrides([override])
    *path, last = ov.key_or_group.split(".")
    node = data
    for part in path:
        if not isinstance(node, dict) or (ov.type == OverrideType.CHANGE and part not in node):
            raise ConfigError(ov.key_or_group, f"no key {part!r} to change (+key=value adds one)")
        node = node.setdefault(part, {})
    if not isinstance(node, dict):
        raise ConfigError(ov.key_or_group, "is not inside a mapping")
    if ov.type == OverrideType.DEL:
        node.pop(last, None)
    else:
        node[last] = ov.value()


def _is_group(override: str, groups: set[str]) -> bool:
    key = override.split("=", 1)[0].lstrip("+~")
    return key in groups or "${" in override  # interpolations are left to Hydra


def check_combination(base: Composed, values: list[str]) -> SimConfig:
    """Apply the value overrides ``values`` to ``base``, validate and check the result."""
    data = copy.deepcopy(base.data)
    where = Composed(data, [*base.overrides, *values], base.choices, base.directory)
    try:
        for item in values:
            _apply(data, item)
        config = from_dict(data)
        check(config, warn=False)
    except ConfigError as err:
        raise (err if err.source else err.at(where.source(err.key))) from None
    return config


# what one job writes at most, besides its share of the disk: tables, plots and manifest
BYTES_PER_JOB = 20e6
BYTES_PER_REPLICATION = 3e6


def output_problem(raw_dir: str, jobs: int, replications: int) -> str | None:
    """Why results cannot be written under ``raw_dir`` (the unresolved ``hydra.run.dir`` or
    ``hydra.sweep.dir``): no write access or too little free disk; None when they can."""
    fixed = Path(raw_dir.split("${", 1)[0] or ".")
    if "${" in raw_dir and not raw_dir.startswith(str(fixed) + "/"):
        fixed = fixed.parent  # the interpolation is inside the last part of the name
    existing = fixed.absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot write results under {raw_dir}: {existing} is not a folder"
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".sim-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"cannot write results under {raw_dir}: {existing}: {exc.strerror or exc}"
    need = jobs * (BYTES_PER_JOB + BYTES_PER_REPLICATION * replications)
    free = shutil.disk_usage(existing).free
    if free < need:
        return (
            f"only {free / 1e6:.0f} MB free on the disk of {existing}; the results of {jobs} job(s) "
            f"need about {need / 1e6:.0f} MB"
        )
    return None


def _is_search_path(override: str) -> bool:
    """True for ``hydra.searchpath=[...]``: where config groups are looked for."""
    return override.lstrip("+").startswith("hydra.searchpath=")


def precheck(overrides: list[str], multirun: bool, directory: str | None = None, out_dir: str = "") -> int:
    """Compose, validate and check every job of a command line; return how many were checked.
    Raises :class:`ConfigError` (key and where it was set) for the first bad one."""
    directory = directory or config_dir()
    try:
        first_items = sweep_items(overrides)
    except Exception as exc:
        raise composition_error(exc, overrides, directory) from None
    first = compose_checked([values[0] for values in first_items], directory)
    params = first.sweep_params if multirun else {}
    items = sweep_items(overrides, params)
    groups = {g for g in first.choices if not g.startswith("hydra")}
    composed: dict[tuple[str, ...], Composed] = {}
    count, replications = 0, 1
    for combo in combinations(items):
        # config groups and the search path they are found on are composed; the rest are values
        group_part = tuple(o for o in combo if _is_group(o, groups) or _is_search_path(o))
        values = [o for o in combo if not (_is_group(o, groups) or _is_search_path(o))]
        if group_part not in composed:
            composed[group_part] = compose_checked(list(group_part), directory)
        replications = max(replications, check_combination(composed[group_part], values).replications)
        count += 1
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    problem = output_problem(out_dir or first.dirs["sweep" if multirun else "run"], count, replications)
    if problem:
        raise ConfigError(key, problem)
    return count
