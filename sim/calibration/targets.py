"""Calibration targets: the Danish figures the baseline must reproduce, loaded from YAML."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim.calendar import DAYS_PER_YEAR
from sim.config.load import config_dir
from sim.metrics.stats import CONFIDENCE  # noqa: F401 - part of the calibration API

SCOPES = ("demography", "prevalence", "contacts", "practice", "admissions")
MEASURES = ("run", "ageing", "mortality", "synthesis")
TOLERANCE_KINDS = ("absolute", "relative", "range")
PASS, FAIL, NOT_YET, NOT_AVAILABLE = "pass", "FAIL", "not simulated yet", "not available"
COLUMNS = [
    "name", "scope", "kpi", "group", "target", "tolerance", "simulated", "ci_low", "ci_high", "n",
    "status", "low", "high", "unit", "measure", "note", "source",
]  # fmt: skip
_EPS = 1e-9  # relative slack on the bounds, so 7.1 * 1.1 counts as inside [.., 7.81]


def targets_path() -> Path:
    """``targets.yaml`` under ``$SIM_CONFIG_DIR`` or the repository's ``configs/calibration``."""
    return Path(config_dir()) / "calibration" / "targets.yaml"


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
    years: tuple[int, int] | None = None  # ageing: from year a to year b of the ageing run (default all)

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

    start_year: int = 2021
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
    extra = set(data) - required - {"scale", "provisional", "years"}
    if extra:
        raise ValueError(f"{where}: unknown key {', '.join(sorted(extra))}")
    if data["scope"] not in SCOPES:
        raise ValueError(f"{where}.scope: must be one of {', '.join(SCOPES)} (got {data['scope']!r})")
    if data["measure"] not in MEASURES:
        raise ValueError(f"{where}.measure: must be one of {', '.join(MEASURES)} (got {data['measure']!r})")
    source = data["source"]
    years = data.get("years")
    if years is not None:
        if data["measure"] != "ageing":
            raise ValueError(f"{where}.years: only for measure ageing")
        if (
            not isinstance(years, Sequence)
            or len(years) != 2
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
            or not 0 <= years[0] < years[1]
        ):
            rule = "whole years with 0 <= from < to"
            raise ValueError(f"{where}.years: must be [from, to], {rule} (got {years!r})")
        years = (int(years[0]), int(years[1]))
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
        years=years,
    )
    target.tolerance.bounds(target.value)  # raises when an absolute or relative tolerance has no value
    return target


def parse_targets(data: Mapping[str, Any]) -> Targets:
    """Build :class:`Targets` from the mapping of ``targets.yaml``."""
    ageing = AgeingRun(**data.get("ageing_run", {}))
    targets = tuple(_target(name, spec) for name, spec in data["targets"].items())
    for t in targets:
        if t.years is not None and t.years[1] > ageing.years:
            end = f"must end by the ageing run's {ageing.years} years"
            raise ValueError(f"targets.{t.name}.years: {end} (got {list(t.years)})")
    return Targets(targets, ageing)


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
