"""Calibration check: the model beside the Danish targets of ``configs/calibration/targets.yaml``.

The targets are the table of ``sim/data/sources/calibration.md`` as data, with the age
structure and ageing path of issue 11. Each one is measured in one of four ways (``measure``
in the YAML):

- ``run``: the mean over replications of a KPI of a normal run (one simulated year after
  warm-up by default);
- ``ageing``: the growth of a population group in a run that starts on 1 January of the
  ageing run's ``start_year`` and lasts ``years`` years and one day, read from the daily
  ``population`` time series on the first measured day and ``years`` later (or from year ``a``
  to year ``b`` of the run when the target gives ``years: [a, b]``);
- ``mortality``: life expectancy at birth from ``sim.population.mortality.life_expectancy``;
- ``synthesis``: the share of an age group (``group`` such as ``65-69`` or ``90+``) in the
  population synthesised at the start, one per replication (no run needed).

A target whose KPI the model does not emit is "not simulated yet" (or "not available" for
the ageing series and the mortality function); with ``strict=True`` those fail too. Use::

    from sim.calibration import check_calibration
    table = check_calibration(size=10_000, replications=2, scopes=["demography"])
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calendar import DAYS_PER_YEAR
from sim.calibration.targets import (
    COLUMNS,
    FAIL,
    NOT_AVAILABLE,
    NOT_YET,
    PASS,
    AgeingRun,
    Target,
    Targets,
    load_targets,
)
from sim.config.schema import SimConfig
from sim.metrics.stats import mean_ci
from sim.population.mortality import life_expectancy
from sim.population.synth import synthesise
from sim.rng import Streams

# a context manager per run that yields the run's progress callback (sim.cli.progress.job_progress)
Progress = Callable[[SimConfig, str], AbstractContextManager[Callable[[int], None]]]


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
    """Life expectancy at birth (``group`` male or female) from the model's mortality curve."""
    params = config.population.mortality
    value = life_expectancy(params.female if target.group == "female" else params.male)
    return Measurement((float(value) * target.scale,))


def age_range(group: str) -> tuple[float, float]:
    """Ages [low, high) of an age group written ``65-69`` or ``90+``."""
    try:
        if group.endswith("+"):
            return float(group[:-1]), np.inf
        low, high = group.split("-")
        return float(low), float(high) + 1.0
    except ValueError:
        raise ValueError(f"age group must be written like 65-69 or 90+ (got {group!r})") from None


def measure_age_share(config: SimConfig, target: Target) -> Measurement:
    """Share of age group ``target.group`` among the people synthesised at the start of each
    replication (stream ``population.synthesis``, as a run draws them), times ``scale``."""
    low, high = age_range(target.group)
    values = []
    for replication in range(config.replications):
        streams = Streams(config.seed, replication)
        pop = synthesise(config.population, streams("population.synthesis"))
        age = pop.age_on(0)[pop.alive]
        values.append(float(np.mean((age >= low) & (age < high))) * target.scale)
    return Measurement(tuple(values))


summarise = mean_ci  # mean, t-based interval and count over replications


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
        from sim.compose import load_config

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
    progress: Progress | None = None,
) -> Calibration:
    """Run what the selected targets need and compare: the normal run if any target is measured
    from KPIs, the ageing run if any is measured from the projection. ``progress(config, label)``,
    where given, is a context manager yielding each run's progress callback."""
    from sim.runner import run

    def shown(run_config: SimConfig, label: str) -> AbstractContextManager[Callable[[int], None] | None]:
        return progress(run_config, label) if progress else contextlib.nullcontext(None)

    targets = targets or load_targets()
    selected = targets.select(scopes)
    config = calibration_config(config, overrides, size, replications)
    measures = {t.measure for t in selected}
    kpis = ageing_ts = pd.DataFrame()
    found: dict[str, Measurement] = {}
    if "run" in measures:
        with shown(config, "calibration: the normal run") as step:
            kpis = run(config, workers=workers, progress=step).kpis
        found |= {t.name: measure_kpi(kpis, t) for t in selected if t.measure == "run"}
    if "ageing" in measures:
        ageing = ageing_config(config, targets.ageing)
        with shown(ageing, f"calibration: the ageing run ({targets.ageing.years} years)") as step:
            ageing_ts = run(ageing, workers=workers, progress=step).timeseries
        for t in selected:
            if t.measure == "ageing":
                start, end = t.years or (0, targets.ageing.years)
                first = ageing.warmup_days + start * DAYS_PER_YEAR
                found[t.name] = measure_growth(ageing_ts, t, first, end - start)
        ageing_ts = ageing_ts[ageing_ts["metric"] == "population"].reset_index(drop=True)
    found |= {t.name: measure_life_expectancy(config, t) for t in selected if t.measure == "mortality"}
    found |= {t.name: measure_age_share(config, t) for t in selected if t.measure == "synthesis"}
    return Calibration(compare(selected, found, strict), kpis, ageing_ts, config)


def check_calibration(**kwargs: Any) -> pd.DataFrame:
    """The calibration table (see :func:`run_calibration` for the arguments)."""
    return run_calibration(**kwargs).table
