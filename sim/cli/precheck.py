"""Checking every job of a command line before Hydra starts any.

``sim -m a=1,2 b=x,y`` runs the product of the sweeps (and of the sweep an experiment file
sets in ``hydra.sweeper.params``); one bad combination must not fail after the others have
run. Composing with Hydra costs about half a second, so each distinct choice of config
groups (``scenario=...``, ``population=...``) is composed once and every combination of the
other values is applied to that composition as a plain dict, then validated and checked for
feasibility: thousands of combinations take seconds.

An optimising sweeper (``hydra/sweeper=optuna``) runs values the pre-check cannot list: an
``interval(a,b)`` is checked at its two ends, and a ``range(a,b)`` also at ``b`` (Optuna's
integer and stepped distributions include their upper end). Command-line ``hydra/...`` and
``hydra.*`` overrides are composed too, so that an experiment may set the options of the
sweeper the command line picks.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.object_type import ObjectType
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, OverrideType, RangeSweep, ValueType

from sim.compose import Composed, compose_checked, composition_error, register_schema
from sim.config import ConfigError, from_dict
from sim.config.load import config_dir
from sim.config.schema import KPI_SPEC, SimConfig
from sim.runner import check


def _interval_ends(key: str, ov: Override) -> list[str]:
    """The two ends of an ``interval(a,b)`` sweep (``tag(log, ...)``: both above 0)."""
    interval = ov.value()
    text = f"interval({interval.start},{interval.end})"
    if "log" in interval.tags and interval.start <= 0:
        raise ConfigError(key.lstrip("+~"), f"a log interval must start above 0 (got {text})")
    if interval.start > interval.end:
        raise ConfigError(key.lstrip("+~"), f"{text} starts above its end")
    return [f"{key}={interval.start}", f"{key}={interval.end}"]


def _range_end(ov: Override) -> list[Any]:
    """Optuna's end of a ``range(a,b,step)`` sweep: ``b`` when the steps land on it (its integer and
    stepped distributions include the upper end; a shuffled range is a plain choice)."""
    value = ov.value()
    if not isinstance(value, RangeSweep) or value.shuffle or not value.step:
        return []
    steps = (value.stop - value.start) / value.step
    return [value.stop] if steps > 0 and math.isclose(steps, round(steps)) else []


def _values(ov: Override, optimiser: str = "") -> list[str]:
    """The override strings of one command-line item: one, or one per value of a sweep (an
    interval of an optimiser is checked at its two ends, and refused by the ``basic`` sweeper;
    Optuna also runs a range's end)."""
    key = ov.get_key_element()  # with its prefix: +, ++ or ~
    if not ov.is_sweep_override():
        return [ov.input_line]
    if ov.value_type == ValueType.INTERVAL_SWEEP:
        if optimiser == "basic":
            raise ConfigError(
                key.lstrip("+~"),
                "interval(a,b) needs an optimising sweeper (hydra/sweeper=optuna and an objective; "
                "docs/sweeps.md): the basic sweeper runs lists and ranges only",
            )
        return _interval_ends(key, ov)
    out = [f"{key}={v}" for v in ov.sweep_string_iterator()]
    if optimiser == "optuna" and ov.value_type == ValueType.RANGE_SWEEP:
        out += [f"{key}={v}" for v in _range_end(ov) if f"{key}={v}" not in out]
    return out


@dataclass(frozen=True)
class GroupOptions:
    """The options of a config group, for ``glob(...)`` sweeps (Hydra's config loader, on the
    config folder and the search path of the command line)."""

    directory: str
    search: tuple[str, ...] = ()

    def get_group_options(
        self, group_name: str, results_filter: ObjectType | None = ObjectType.CONFIG, *_: Any, **__: Any
    ) -> list[str]:
        """The config names of ``group_name`` (what ``glob`` filters)."""
        register_schema()
        GlobalHydra.instance().clear()
        with initialize_config_dir(version_base="1.3", config_dir=self.directory):
            loader = GlobalHydra.instance().config_loader()
            return loader.get_group_options(group_name, results_filter, "config", list(self.search))


def sweep_items(
    overrides: list[str],
    params: dict[str, str] | None = None,
    optimiser: str = "",
    directory: str | None = None,
) -> list[list[str]]:
    """For each key of the command line and of the experiment's ``hydra.sweeper.params``
    (the command line wins), the override strings it takes (``optimiser``: the sweeper, which
    decides which values of a range run)."""
    search = tuple(o for o in overrides if _is_search_path(o))
    texts = [*overrides, *(params or {}).values()]
    loader = GroupOptions(directory or config_dir(), search) if any("glob(" in t for t in texts) else None
    parser = OverridesParser.create(config_loader=loader)  # type: ignore[arg-type]
    items: dict[str, list[str]] = {}
    for key, value in (params or {}).items():
        (ov,) = parser.parse_overrides([f"{key}={value}"])
        items[ov.get_key_element()] = _values(ov, optimiser)
    for ov in parser.parse_overrides(overrides):
        items[ov.get_key_element()] = _values(ov, optimiser)
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


def _is_hydra(override: str) -> bool:
    """True for an override of Hydra's own config (``hydra/sweeper=optuna``, ``hydra.sweeper.n_trials=5``,
    ``hydra.searchpath=[...]``): composed with the config, never applied as a value."""
    return override.lstrip("+~").startswith(("hydra/", "hydra."))


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


def _kpi_error(spec: str | None) -> str | None:
    """Why the KPI of ``spec`` (``<kpi>`` or ``<kpi>:<group>``) is not registered; None when it is."""
    from sim.metrics.registry import KPIS, discover_plugins

    match = KPI_SPEC.fullmatch(spec or "")
    if spec is None or match is None:
        return None
    discover_plugins()
    name = match["kpi"]
    if name in KPIS:
        return None
    near = difflib.get_close_matches(name, list(KPIS), n=1)
    hint = f"; did you mean {near[0]}?" if near else " (docs/kpis.md lists them)"
    return f"no KPI named {name!r}{hint}"


def check_objective(config: SimConfig, sweeper: str | None = None) -> None:
    """Check that ``objective`` and ``constraint.kpi`` name registered KPIs, and that an optimising
    ``sweeper`` (any but ``basic``) has an objective to optimise. Raises :class:`ConfigError`."""
    for key, spec in (("objective", config.objective), ("constraint.kpi", config.constraint.kpi)):
        msg = _kpi_error(spec)
        if msg:
            raise ConfigError(key, msg)
    if sweeper not in (None, "basic") and config.objective is None:
        raise ConfigError(
            "objective",
            f"hydra/sweeper={sweeper} optimises the number each job returns: set objective=<kpi> or "
            "<kpi>:<group> (docs/sweeps.md, Optimising with a sweeper)",
        )


# configs that an optional extra of sim installs: (the config as an error names it, its override, the extra)
EXTRAS = (
    ("'optuna'", "hydra/sweeper=optuna", "optuna"),
    ("'hydra/launcher/ray'", "hydra/launcher=ray_cluster", "ray"),
)


def _with_hint(err: ConfigError, intervals: set[str], overrides: tuple[str, ...] = ()) -> ConfigError:
    """``err`` with a hint: the extra that installs a missing plugin (set on the command line,
    ``overrides``, or in a file), or ``int(interval(...))`` for an interval over a whole-number key."""
    if "pip install -e" in err.message or "; interval(a,b)" in err.message:
        return err  # hinted already
    missing = "no config " in err.message or "Could not load " in err.message
    for word, choice, extra in EXTRAS:
        if missing and word in err.message:
            hint = f"; {choice} needs the {extra} extra: pip install -e '.[{extra}]'"
            where = next((f"command line: {o}" for o in overrides if o.lstrip("+~") == choice), "")
            return ConfigError(err.key, err.message.rstrip(".") + hint, where)
    if err.key in intervals and "Integer" in err.message:
        hint = "; interval(a,b) draws real numbers: write int(interval(a,b)) for whole numbers"
        return ConfigError(err.key, err.message.rstrip(".") + hint, err.source)
    return err


def _intervals(overrides: list[str], params: dict[str, str]) -> set[str]:
    """The keys swept with ``interval(...)`` on the command line or in ``hydra.sweeper.params``."""
    texts = [*overrides, *(f"{k}={v}" for k, v in params.items())]
    return {t.split("=", 1)[0].lstrip("+~") for t in texts if "interval(" in t}


MAX_COMPOSED = 24  # more combinations of config-group choices than this: each choice checked once


def precheck(overrides: list[str], multirun: bool, directory: str | None = None, out_dir: str = "") -> int:
    """Compose, validate and check every job of a command line; return how many jobs there are.
    Raises :class:`ConfigError` (key and where it was set) for the first bad one. A sweep with
    more than ``MAX_COMPOSED`` combinations of config-group choices (98 places times 3 scenarios)
    composes each choice once, beside the first choice of every other group (a composition costs
    about 0.4 s): an option that is bad on its own is found before any job runs; one that fails
    only with a particular choice of another group fails as that job."""
    try:
        return _precheck(overrides, multirun, directory, out_dir)
    except ConfigError as err:
        raise _with_hint(err, _intervals(overrides, {}), tuple(overrides)) from None


def _precheck(overrides: list[str], multirun: bool, directory: str | None, out_dir: str) -> int:
    directory = directory or config_dir()
    try:
        first_items = sweep_items(overrides, directory=directory)
    except ConfigError:
        raise
    except Exception as exc:
        raise composition_error(exc, overrides, directory) from None
    first = compose_checked([values[0] for values in first_items], directory)
    params = first.sweep_params if multirun else {}
    sweeper = first.choices.get("hydra/sweeper") if multirun else None
    try:
        items = sweep_items(overrides, params, sweeper or "", directory)
    except ConfigError:
        raise
    except Exception as exc:
        raise composition_error(exc, overrides, directory) from None
    groups = {g for g in first.choices if not g.startswith("hydra")}
    composed: dict[tuple[str, ...], Composed] = {}
    count, replications = 0, 1
    composing = [[o for o in values if _is_group(o, groups) or _is_hydra(o)] for values in items]
    if all(len(values) == 1 for values in items) and items == first_items:
        # one job (``sim ...``, or a sweep of one): the first composition is that job's, values and
        # all, so it is not composed a second time
        config = check_combination(first, [])
        try:
            check_objective(config, sweeper)
        except ConfigError as err:
            raise err.at(first.source(err.key)) from None
        replications, count = config.replications, 1
        return _checked_output(first, multirun, out_dir, count, replications)
    every = math.prod(max(len(c), 1) for c in composing) <= MAX_COMPOSED
    first_part = tuple(c[0] for c in composing if c)
    try:
        for combo in combinations(items):
            # config groups and Hydra's own config (sweeper, search path) are composed; the rest are values
            group_part = tuple(o for o in combo if _is_group(o, groups) or _is_hydra(o))
            values = [o for o in combo if not (_is_group(o, groups) or _is_hydra(o))]
            count += 1
            if not every and sum(a != b for a, b in zip(group_part, first_part, strict=False)) > 1:
                continue
            if group_part not in composed:
                composed[group_part] = compose_checked(list(group_part), directory)
            config = check_combination(composed[group_part], values)
            try:
                check_objective(config, sweeper)
            except ConfigError as err:
                raise err.at(composed[group_part].source(err.key)) from None
            replications = max(replications, config.replications)
    except ConfigError as err:
        raise _with_hint(err, _intervals(overrides, params), tuple(overrides)) from None
    return _checked_output(first, multirun, out_dir, count, replications)


def _checked_output(first: Composed, multirun: bool, out_dir: str, count: int, replications: int) -> int:
    """``count`` when the results of ``count`` jobs can be written; raises :class:`ConfigError` if not."""
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    problem = output_problem(out_dir or first.dirs["sweep" if multirun else "run"], count, replications)
    if problem:
        raise ConfigError(key, problem)
    return count
