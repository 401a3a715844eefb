"""What a job of a sweep returns to an optimising sweeper (Optuna): a KPI's statistic over the
replications, penalised when a constraint KPI leaves its bounds (``objective``,
``objective_stat`` and ``constraint`` in the config; docs/sweeps.md "Optimising with a sweeper")."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pandas as pd
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.config import ConfigError
from sim.config.schema import SimConfig

log = logging.getLogger("sim")


def _direction() -> str:
    """``hydra.sweeper.direction`` of the running job's sweeper: ``maximize``, else ``minimize``."""
    sweeper = getattr(HydraConfig.get(), "sweeper", None)
    direction = sweeper.get("direction") if isinstance(sweeper, DictConfig) else None
    name = str(getattr(direction, "name", direction)).lower()  # a Direction enum or its name
    return "maximize" if name.endswith("maximize") else "minimize"


def _stat(values: pd.Series, stat: str) -> float:
    """``stat`` (an ``objective_stat``) of one KPI's values over the replications; NaN when none."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return math.nan
    if stat.startswith("p"):
        return float(values.quantile(int(stat[1:]) / 100))
    return float(getattr(values, stat)())


def kpi_stat(kpis: pd.DataFrame, spec: str, stat: str, key: str) -> float:
    """``stat`` over the replications of KPI ``spec`` (``<kpi>`` or ``<kpi>:<group>``) in a job's
    KPI table; without a group, the KPI's only group, else ``all``, else ``total``. A KPI or group
    the table lacks raises :class:`ConfigError` naming ``key``."""
    kpi, _, group = spec.partition(":")
    rows = kpis[kpis["metric"] == kpi]
    if rows.empty:
        raise ConfigError(key, f"the run wrote no KPI {kpi!r} (docs/kpis.md says when each is written)")
    groups = list(dict.fromkeys(rows["group"].astype(str)))
    if not group:
        group = groups[0] if len(groups) == 1 else next((g for g in ("all", "total") if g in groups), "")
        if not group:
            raise ConfigError(key, f"{kpi} has the groups {', '.join(groups)}: name one ({kpi}:<group>)")
    if group not in groups:
        raise ConfigError(key, f"{kpi} has no group {group!r} (groups: {', '.join(groups)})")
    return _stat(rows.loc[rows["group"].astype(str) == group, "value"], stat)


def breach(value: float, low: float | None, high: float | None) -> float:
    """How far ``value`` lies outside ``[low, high]``, relative to the bound it breaks (0 inside)."""
    if high is not None and value > high:
        return (value - high) / (abs(high) or 1.0)
    if low is not None and value < low:
        return (low - value) / (abs(low) or 1.0)
    return 0.0


def objective_value(config: SimConfig, kpis: pd.DataFrame, direction: str = "minimize") -> float | None:
    """What a job returns to a sweeper: the ``objective`` KPI's ``objective_stat`` over the
    replications of ``kpis``; when the ``constraint`` KPI breaks its bounds, plus (maximize: minus)
    ``constraint.penalty`` times 1 + the relative breach. None without an objective, and when
    either statistic is undefined (no replication wrote a value): Optuna records a failed trial
    for None (for NaN, hydra-optuna-sweeper 1.3 stops the study)."""
    if config.objective is None:
        return None
    stat, bound = config.objective_stat, config.constraint
    value = kpi_stat(kpis, config.objective, stat, "objective")
    held = kpi_stat(kpis, bound.kpi, stat, "constraint.kpi") if bound.kpi is not None else 0.0
    if math.isnan(value) or math.isnan(held):
        key = "objective" if math.isnan(value) else "constraint.kpi"
        log.warning("%s: no replication wrote a value; the job returns no objective", key)
        return None
    if bound.kpi is None:
        log.info("objective %s (%s) = %.6g", config.objective, stat, value)
        return value
    over = breach(held, bound.min, bound.max)
    penalised = value
    if over > 0:
        penalised += (-1 if direction == "maximize" else 1) * bound.penalty * (1 + over)
    log.info(
        "objective %s (%s) = %.6g; constraint %s = %.6g %s; returned %.6g",
        config.objective,
        stat,
        value,
        bound.kpi,
        held,
        "broken" if over > 0 else "kept",
        penalised,
    )
    return penalised


def job_objective(config: SimConfig, outdir: Path) -> float | None:
    """The objective of the job whose KPI table is in ``outdir`` (None without an objective)."""
    if config.objective is None:
        return None
    path = outdir / "kpis.parquet"
    kpis = pd.read_parquet(path) if path.exists() else pd.read_csv(outdir / "kpis.csv", dtype={"group": str})
    return objective_value(config, kpis, _direction())
