"""Calibration check: the model beside the Danish targets of ``configs/calibration/targets.yaml``.

The targets are the table of ``../shared/calibration/README.md`` as data. Each one is
measured in one of three ways (``measure`` in the YAML):

- ``run``: the mean over replications of a KPI of a normal run (one simulated year after
  warm-up by default);
- ``ageing``: the growth of a population group in a run that starts on 1 January of the
  ageing run's ``start_year`` and lasts ``years`` years and one day, read from the daily
  ``population`` time series on the first measured day and ``years`` later;
- ``mortality``: life expectancy at birth from ``sim.population.mortality.life_expectancy``.

A target whose KPI the model does not emit is "not simulated yet" (or "not available" for
the ageing series and the mortality function); with ``strict=True`` those fail too. Use::

    from sim.calibration import check_calibration
    table = check_calibration(size=10_000, replications=2, scopes=["demography"])
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from sim.calendar import DAYS_PER_YEAR
from sim.config.schema import SimConfig

SCOPES = ("demography", "prevalence", "contacts", "practice", "admissions")
MEASURES = ("run", "ageing", "mortality")
TOLERANCE_KINDS = ("absolute", "relative", "range")
PASS, FAIL, NOT_YET, NOT_AVAILABLE = "pass", "FAIL", "not simulated yet", "not available"
COLUMNS = [
    "name", "scope", "kpi", "group", "target", "tolerance", "simulated", "ci_low", "ci_high", "n",
    "status", "low", "high", "unit", "measure", "note", "source",
]  # fmt: skip
CONFIDENCE = 0.95
_EPS = 1e-9  # relative slack on the bounds, so 7.1 * 1.1 counts as inside [.., 7.81]


def targets_path() -> Path:
    """``targets.yaml`` under ``$SIM_CONFIG_DIR`` or the repository's ``configs/calibration``."""
    env = os.environ.get("SIM_CONFIG_DIR")
    root = Path(env) if env else Path(__file__).resolve().parents[1] / "configs"
    return root / "calibration" / "targets.yaml"


# ------------------------------------------------------------------ targets
@dataclass(frozen=True)
class Tolerance:
    """How far from the target a simulated value may be: ``absolute`` (± amount in the target's
    unit), ``relative`` (± amount percent of the target) or ``range`` (inside [low, high])."""

    kind: str
    amount: float = math.nan
    low: float = math.nan
    high: float = math.nan

    def bounds(self, value: float | None) -> tuple[float, float]:
        """The interval of accepted values around ``value``."""
        if self.kind == "range":
            return self.low, self.high
        if value is None:
            raise ValueError(f"an {self.kind} tolerance needs a target value")
        half = self.amount if self.kind == "absolute" else abs(value) * self.amount / 100.0
        return value - half, value + half

    def label(self, unit: str = "") -> str:
        """Short text such as ``±1 pt``, ``±10%`` or ``40-60``."""
        if self.kind == "range":
            return f"{self.low:g}-{self.high:g}"
        if self.kind == "relative":
            return f"±{self.amount:g}%"
        suffix = {"percent": " pt", "years": " y"}.get(unit, "")
        return f"±{self.amount:g}{suffix}"

    @classmethod
    def parse(cls, data: Any, where: str) -> Tolerance:
        """Read ``{absolute: x}``, ``{relative: x}`` or ``{range: [lo, hi]}``."""
        if not isinstance(data, Mapping) or len(data) != 1 or next(iter(data)) not in TOLERANCE_KINDS:
            raise ValueError(
                f"{where}: tolerance must be one of {{absolute: x}}, {{relative: x}}, "
                f"{{range: [low, high]}} (got {data!r})"
            )
        ((kind, amount),) = data.items()
        if kind == "range":
            if not isinstance(amount, Sequence) or len(amount) != 2 or float(amount[0]) > float(amount[1]):
                raise ValueError(f"{where}: range must be [low, high] with low <= high (got {amount!r})")
            return cls(kind, low=float(amount[0]), high=float(amount[1]))
        if float(amount) < 0:
            raise ValueError(f"{where}: {kind} tolerance must be >= 0 (got {amount})")
        return cls(kind, amount=float(amount))


@dataclass(frozen=True)
class Target:
    """One calibration target (see the header of ``targets.yaml`` for the fields)."""

    name: str
    description: str
    scope: str
    measure: str
    kpi: str
    group: str
    unit: str
    value: float | None
    tolerance: Tolerance
    source: tuple[str, ...]
    scale: float = 1.0
    provisional: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """Accepted interval of the simulated value (in ``unit``)."""
        return self.tolerance.bounds(self.value)

    def within(self, simulated: float) -> bool:
        """True when ``simulated`` lies inside the accepted interval (bounds included)."""
        low, high = self.bounds
        slack = _EPS * max(1.0, abs(low), abs(high))
        return bool(low - slack <= simulated <= high + slack)


@dataclass(frozen=True)
class AgeingRun:
    """The projection run: from 1 January ``start_year`` over ``years`` years."""

    start_year: int = 2020
    years: int = 10

    @property
    def days(self) -> int:
        """Measured days: ``years`` years and one more, so the last day follows the last yearly tick."""
        return self.years * DAYS_PER_YEAR + 1


@dataclass(frozen=True)
class Targets:
    """All targets of the file and the settings of the ageing run."""

    targets: tuple[Target, ...]
    ageing: AgeingRun = field(default_factory=AgeingRun)

    def select(self, scopes: Iterable[str] | None = None) -> tuple[Target, ...]:
        """Targets of ``scopes`` (all when None), in file order."""
        if scopes is None:
            return self.targets
        wanted = set(scopes)
        unknown = wanted - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown scope {sorted(unknown)} (choose from {', '.join(SCOPES)})")
        return tuple(t for t in self.targets if t.scope in wanted)


def _target(name: str, data: Mapping[str, Any]) -> Target:
    where = f"targets.{name}"
    required = {"description", "scope", "measure", "kpi", "group", "unit", "value", "tolerance", "source"}
    missing = required - set(data)
    if missing:
        raise ValueError(f"{where}: missing {', '.join(sorted(missing))}")
    extra = set(data) - required - {"scale", "provisional"}
    if extra:
        raise ValueError(f"{where}: unknown key {', '.join(sorted(extra))}")
    if data["scope"] not in SCOPES:
        raise ValueError(f"{where}.scope: must be one of {', '.join(SCOPES)} (got {data['scope']!r})")
    if data["measure"] not in MEASURES:
        raise ValueError(f"{where}.measure: must be one of {', '.join(MEASURES)} (got {data['measure']!r})")
    source = data["source"]
    target = Target(
        name=name,
        description=" ".join(str(data["description"]).split()),
        scope=data["scope"],
        measure=data["measure"],
        kpi=str(data["kpi"]),
        group=str(data["group"]),
        unit=str(data["unit"]),
        value=None if data["value"] is None else float(data["value"]),
        tolerance=Tolerance.parse(data["tolerance"], f"{where}.tolerance"),
        source=(source,) if isinstance(source, str) else tuple(source),
        scale=float(data.get("scale", 1.0)),
        provisional=bool(data.get("provisional", False)),
    )
    target.tolerance.bounds(target.value)  # raises when an absolute or relative tolerance has no value
    return target


def parse_targets(data: Mapping[str, Any]) -> Targets:
    """Build :class:`Targets` from the mapping of ``targets.yaml``."""
    ageing = AgeingRun(**data.get("ageing_run", {}))
    return Targets(tuple(_target(name, spec) for name, spec in data["targets"].items()), ageing)


def load_targets(path: str | Path | None = None) -> Targets:
    """Read and check ``targets.yaml`` (default: :func:`targets_path`)."""
    with open(path or targets_path(), encoding="utf-8") as fh:
        return parse_targets(yaml.safe_load(fh))


def targets_table(targets: Targets) -> pd.DataFrame:
    """The targets as a tidy table (one row per target)."""
    rows = []
    for t in targets.targets:
        low, high = t.bounds
        rows.append({
            "name": t.name, "scope": t.scope, "measure": t.measure, "kpi": t.kpi, "group": t.group,
            "target": np.nan if t.value is None else t.value, "tolerance": t.tolerance.label(t.unit),
            "low": low, "high": high, "unit": t.unit, "source": ", ".join(t.source),
            "description": t.description,
        })  # fmt: skip
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ measuring
@dataclass(frozen=True)
class Measurement:
    """Simulated values of one target, one per replication; or why there are none."""

    values: tuple[float, ...] = ()
    missing: str | None = None  # NOT_YET or NOT_AVAILABLE
    note: str = ""


def measure_kpi(kpis: pd.DataFrame, target: Target) -> Measurement:
    """The target's KPI in every replication of a run, times ``scale``."""
    rows = kpis[(kpis["metric"] == target.kpi) & (kpis["group"].astype(str) == target.group)]
    if rows.empty:
        return Measurement(missing=NOT_YET, note=f"the model emits no KPI {target.kpi}[{target.group}]")
    rows = rows.sort_values("replication")
    return Measurement(tuple(float(v) * target.scale for v in rows["value"]))


def measure_growth(timeseries: pd.DataFrame, target: Target, first_day: int, years: int) -> Measurement:
    """Percent growth of series ``target.kpi`` [``target.group``] from ``first_day`` to ``years`` later.

    When the series stops before that day, its last day is used and the note says how far apart
    the two days are.
    """
    series = timeseries[
        (timeseries["metric"] == target.kpi) & (timeseries["group"].astype(str) == target.group)
    ]
    if series.empty:
        note = f"the time series has no {target.kpi}[{target.group}]"
        return Measurement(missing=NOT_AVAILABLE, note=note)
    values, notes = [], set()
    for _, rep in series.groupby("replication", sort=True):
        by_day = rep.set_index("day")["value"]
        if first_day not in by_day.index:
            notes.add(f"no value on the first measured day {first_day}")
            values.append(math.nan)
            continue
        last_day = first_day + years * DAYS_PER_YEAR
        if last_day not in by_day.index:
            last_day = int(by_day.index.max())
            notes.add(f"series ends {(last_day - first_day) / DAYS_PER_YEAR:.2f} years after the first day")
        start, end = float(by_day[first_day]), float(by_day[last_day])
        values.append(100.0 * (end / start - 1.0) if start > 0 else math.nan)
    return Measurement(tuple(values), note="; ".join(sorted(notes)))


def measure_life_expectancy(config: SimConfig, target: Target) -> Measurement:
    """Life expectancy at birth (``group`` male or female) from the model's mortality function."""
    try:
        module = importlib.import_module("sim.population.mortality")
    except ModuleNotFoundError as exc:
        if exc.name != "sim.population.mortality":
            raise
        return Measurement(missing=NOT_AVAILABLE, note="sim.population.mortality does not exist")
    function = getattr(module, "life_expectancy", None)
    params = getattr(config.population, "mortality", None)
    if function is None:
        return Measurement(missing=NOT_AVAILABLE, note="sim.population.mortality has no life_expectancy")
    if params is None:
        return Measurement(missing=NOT_AVAILABLE, note="the config has no population.mortality")
    female = target.group == "female"
    if "female" in inspect.signature(function).parameters:
        value = function(params, female=female)
    else:  # the per-sex form: life_expectancy(GompertzMakeham parameters of one sex)
        value = function(params.female if female else params.male)
    return Measurement((float(value) * target.scale,))


def summarise(values: Sequence[float], level: float = CONFIDENCE) -> tuple[float, float, float, int]:
    """Mean, t-based confidence interval and count of the finite ``values`` (NaN interval if n < 2)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan, 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half, n


def evaluate(target: Target, measurement: Measurement, strict: bool = False) -> dict[str, Any]:
    """One row of the calibration table: the target beside its simulated mean and a status."""
    mean, ci_low, ci_high, n = summarise(measurement.values)
    note = measurement.note
    if measurement.missing is not None:
        status = FAIL if strict else measurement.missing
    elif n == 0:
        status, note = FAIL, note or "no finite simulated value"
    else:
        status = PASS if target.within(mean) else FAIL
    low, high = target.bounds
    return {
        "name": target.name, "scope": target.scope, "kpi": target.kpi, "group": target.group,
        "target": np.nan if target.value is None else target.value,
        "tolerance": target.tolerance.label(target.unit), "simulated": mean, "ci_low": ci_low,
        "ci_high": ci_high, "n": n, "status": status, "low": low, "high": high, "unit": target.unit,
        "measure": target.measure, "note": note, "source": ", ".join(target.source),
    }  # fmt: skip


def compare(
    targets: Sequence[Target], measurements: Mapping[str, Measurement], strict: bool = False
) -> pd.DataFrame:
    """The calibration table of ``targets`` given a measurement per target name."""
    rows = [evaluate(t, measurements.get(t.name, Measurement(missing=NOT_YET)), strict) for t in targets]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": int})


# ------------------------------------------------------------------ running
@dataclass
class Calibration:
    """The calibration table and the tables it was measured from (empty when not run)."""

    table: pd.DataFrame
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)
    ageing_timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    config: SimConfig | None = None

    @property
    def failed(self) -> bool:
        """True when any checked target failed."""
        return bool((self.table["status"] == FAIL).any())


def calibration_config(
    config: SimConfig | None = None,
    overrides: Sequence[str] = (),
    size: int | None = None,
    replications: int | None = None,
) -> SimConfig:
    """The config of the normal run: ``config`` (or the composed ``overrides``) with a size and
    replication count if given, and no time series (the normal run does not need them)."""
    if config is None:
        from sim.config import load_config

        config = load_config(list(overrides))
    population = config.population if size is None else dataclasses.replace(config.population, size=size)
    return dataclasses.replace(
        config,
        population=population,
        replications=config.replications if replications is None else replications,
        output=dataclasses.replace(config.output, timeseries=False),
    )


def ageing_config(config: SimConfig, ageing: AgeingRun) -> SimConfig:
    """The projection run of ``config``: from 1 January ``start_year`` for ``years`` years and one day."""
    return dataclasses.replace(
        config,
        start_year=ageing.start_year,
        years=ageing.days / DAYS_PER_YEAR,
        output=dataclasses.replace(config.output, timeseries=True),
    )


def run_calibration(
    config: SimConfig | None = None,
    *,
    overrides: Sequence[str] = (),
    size: int | None = None,
    replications: int | None = None,
    scopes: Iterable[str] | None = None,
    strict: bool = False,
    workers: int | None = None,
    targets: Targets | None = None,
) -> Calibration:
    """Run what the selected targets need and compare: the normal run if any target is measured
    from KPIs, the ageing run if any is measured from the projection."""
    from sim.runner import run

    targets = targets or load_targets()
    selected = targets.select(scopes)
    config = calibration_config(config, overrides, size, replications)
    measures = {t.measure for t in selected}
    kpis = ageing_ts = pd.DataFrame()
    found: dict[str, Measurement] = {}
    if "run" in measures:
        kpis = run(config, workers=workers).kpis
        found |= {t.name: measure_kpi(kpis, t) for t in selected if t.measure == "run"}
    if "ageing" in measures:
        ageing = ageing_config(config, targets.ageing)
        ageing_ts = run(ageing, workers=workers).timeseries
        first = ageing.warmup_days
        found |= {
            t.name: measure_growth(ageing_ts, t, first, targets.ageing.years)
            for t in selected
            if t.measure == "ageing"
        }
        ageing_ts = ageing_ts[ageing_ts["metric"] == "population"].reset_index(drop=True)
    found |= {t.name: measure_life_expectancy(config, t) for t in selected if t.measure == "mortality"}
    return Calibration(compare(selected, found, strict), kpis, ageing_ts, config)


def check_calibration(**kwargs: Any) -> pd.DataFrame:
    """The calibration table (see :func:`run_calibration` for the arguments)."""
    return run_calibration(**kwargs).table
