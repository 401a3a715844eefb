"""Collating a sweep: the jobs of a Hydra multirun into one study's tidy tables.

A sweep directory holds one sub-directory per job, each with ``manifest.json`` and, when
the job succeeded, ``kpis.parquet`` (or ``kpis.csv``) and ``timeseries.parquet``. A job
is named by its *variant*: its scenario, plus ``key=value`` for every override that takes
more than one value across the sweep (for example ``acute_function |
services.acute_function.shifts.day.nurses=4``). Failed jobs are listed, never fatal: a job
whose manifest says ok but whose tables are missing or cannot be read is a failed job too.
Two ok jobs of one variant that ran different configurations (their manifests' config
hashes differ) are an error, as pooling them would mislabel one of them.

Tables (DESIGN section 6):

- ``summary``: mean and t-based 95% confidence interval over replications, per variant,
  metric and group;
- ``differences``: differences against the reference variant, paired by replication (both
  runs share their random numbers), with t-based confidence intervals;
- ``jobs`` and ``failures``: one row per job, with its status and swept parameters.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

from sim.metrics.economics import COST_EFFECT_COLUMNS as COST_COLUMNS
from sim.metrics.economics import cost_effectiveness
from sim.metrics.places import PLACE_COLUMNS, place_table, reference_of
from sim.metrics.stats import mean_ci

log = logging.getLogger(__name__)

BASELINE = "baseline"
KEYS = ["variant", "scenario", "metric", "group", "unit"]
JOB_COLUMNS = ["job", "dir", "variant", "scenario", "status", "wall_seconds", "overrides"]
SUMMARY_COLUMNS = [*KEYS, "mean", "ci_low", "ci_high", "n"]
DIFF_COLUMNS = [*KEYS[:2], "reference", *KEYS[2:], "mean_diff", "ci_low", "ci_high", "n", "rel_diff"]
# the columns a job's tables must have to be collated
KPI_COLUMNS = ("scenario", "replication", "seed", "metric", "group", "value", "unit")
TS_COLUMNS = ("scenario", "replication", "day", "metric", "group", "value")
NO_KPIS = "the manifest says ok but kpis.parquet/kpis.csv is missing"


class CollateError(ValueError):
    """The sweep cannot be collated as it is (two configurations under one variant name)."""


class TableError(Exception):
    """A job's table that cannot be used; the message names the file and the reason."""


def one_line(exc: BaseException) -> str:
    """An exception as ``Type: first line of its message``, for a status or a console line."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0].strip()}" if lines else type(exc).__name__


@dataclass
class Job:
    """One job of a sweep, as its manifest describes it."""

    job: str
    dir: Path
    status: str
    manifest: dict = field(default_factory=dict)
    kpis: pd.DataFrame | None = field(default=None, repr=False)
    timeseries: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def scenario(self) -> str:
        """The scenario the job ran (from its manifest, or its overrides when it failed early)."""
        if "scenario" in self.manifest:
            return str(self.manifest["scenario"])
        return self.overrides.get("scenario", "unknown")

    @property
    def overrides(self) -> dict[str, str]:
        """The job's command-line overrides as ``{key: value}``."""
        out = {}
        items = self.manifest.get("overrides", [])
        for item in items if isinstance(items, list) else []:
            key, _, value = str(item).partition("=")
            out[key.lstrip("+~")] = value
        return out


@dataclass
class Study:
    """The collated tables of one sweep."""

    jobs: pd.DataFrame
    kpis: pd.DataFrame
    timeseries: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    scenarios: pd.DataFrame
    manifests: list[dict]
    reference: str
    places: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PLACE_COLUMNS))  # real places
    # cost per avoided avoidable admission against the reference (sim.metrics.economics)
    cost_effectiveness: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=COST_COLUMNS))

    @property
    def failures(self) -> pd.DataFrame:
        """The jobs that did not finish ``ok``."""
        return self.jobs[self.jobs["status"] != "ok"]


def _job_sort_key(path: Path) -> tuple[int, str]:
    """Job folders in numeric order, named ones after them."""
    return (int(path.name), "") if path.name.isdigit() else (1 << 30, path.name)


def find_jobs(sweep: Path) -> list[Job]:
    """Every job directory under ``sweep`` (a directory with a manifest or Hydra's job files)."""
    dirs = {p.parent for p in sweep.rglob("manifest.json")} | {p.parent for p in sweep.rglob(".hydra")}
    jobs = []
    for d in sorted(dirs, key=_job_sort_key):
        path = d / "manifest.json"
        if not path.exists():
            jobs.append(Job(d.name, d, "error: no manifest (the job did not finish)"))
            continue
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:  # ValueError: bad JSON, or bytes that are not UTF-8
            jobs.append(Job(d.name, d, f"error: unreadable manifest ({one_line(exc)})"))
            continue
        if not isinstance(manifest, dict):
            jobs.append(Job(d.name, d, "error: unreadable manifest (not a JSON object)"))
            continue
        jobs.append(Job(d.name, d, str(manifest.get("status", "unknown")), manifest))
    return jobs


def swept_keys(jobs: list[Job]) -> list[str]:
    """Override keys, other than the scenario, that take more than one value across ``jobs``."""
    values: dict[str, set[str]] = {}
    for job in jobs:
        for key, value in job.overrides.items():
            values.setdefault(key, set()).add(value)
    keys = [k for k, v in values.items() if len(v) > 1 or any(k not in j.overrides for j in jobs)]
    return [k for k in keys if k not in ("scenario", "experiment") and not k.startswith("hydra")]


def variant_name(job: Job, keys: list[str]) -> str:
    """A readable label of ``job``: its scenario and its value of every swept key."""
    parts = [f"{k}={job.overrides[k]}" for k in keys if k in job.overrides]
    return " | ".join([job.scenario, *parts])


def job_table(jobs: list[Job], keys: list[str]) -> pd.DataFrame:
    """One row per job: status, wall time, overrides and a column per swept key."""
    rows = []
    for job in jobs:
        row = {
            "job": job.job,
            "dir": str(job.dir),
            "variant": variant_name(job, keys),
            "scenario": job.scenario,
            "status": job.status,
            "wall_seconds": job.manifest.get("wall_seconds", np.nan),
            "overrides": " ".join(job.manifest.get("overrides", [])),
        }
        rows.append(row | {k: job.overrides.get(k, "") for k in keys})
    return pd.DataFrame(rows, columns=[*JOB_COLUMNS, *keys])


def read_table(job_dir: Path, name: str, columns: Sequence[str]) -> pd.DataFrame | None:
    """A job's ``name.parquet`` (else ``name.csv``), None when it has neither; raise
    :class:`TableError` when the file cannot be read or lacks one of ``columns``."""
    path = next((p for p in (job_dir / f"{name}.parquet", job_dir / f"{name}.csv") if p.exists()), None)
    if path is None:
        return None
    try:
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:  # ArrowInvalid, OSError, parser errors...: the job fails, not the collation
        raise TableError(f"cannot read {path.name}: {one_line(exc)}") from exc
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise TableError(f"{path.name} lacks the column(s) {', '.join(missing)}")
    if not is_numeric_dtype(table["value"]):
        raise TableError(f"{path.name}: the column value is not numeric")
    return table


def load_job(job: Job) -> None:
    """Read the KPI and time-series tables of an ``ok`` job into it; a KPI table that is missing,
    or a table that cannot be read, makes the job a failure whose status says why."""
    if job.status != "ok":
        return
    try:
        kpis = read_table(job.dir, "kpis", KPI_COLUMNS)
        if kpis is None:
            raise TableError(NO_KPIS)
        job.timeseries = read_table(job.dir, "timeseries", TS_COLUMNS)
        job.kpis = kpis
    except TableError as exc:
        job.status, job.kpis, job.timeseries = f"error: {exc}", None, None
        log.info("job %s: %s", job.job, exc)


def check_variants(jobs: list[Job], keys: list[str]) -> None:
    """Raise :class:`CollateError` when two ``ok`` jobs of one variant ran different configurations
    (different ``config_hash`` in their manifests): pooling them would mislabel one."""
    first: dict[str, Job] = {}
    for job in jobs:
        digest = job.manifest.get("config_hash")
        if job.status != "ok" or digest is None:
            continue
        name = variant_name(job, keys)
        other = first.setdefault(name, job)
        if other.manifest["config_hash"] != digest:
            raise CollateError(
                f"jobs {other.job} and {job.job} are both variant {name!r} but ran different configs "
                f"(config hash {other.manifest['config_hash']} vs {digest}); "
                "give each scenario file its own scenario.name"
            )


def load_tables(jobs: list[Job], keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The KPI and time-series tables of the ``ok`` jobs (read by :func:`load_job`), with their
    variant in front."""
    kpis, series = [], []
    for job in jobs:
        if job.status != "ok" or job.kpis is None:
            continue
        variant = variant_name(job, keys)
        kpis.append(job.kpis.assign(variant=variant))
        if job.timeseries is not None:
            series.append(job.timeseries.assign(variant=variant))
    k = pd.concat(kpis, ignore_index=True) if kpis else pd.DataFrame(columns=["variant"])
    ts = pd.concat(series, ignore_index=True) if series else pd.DataFrame(columns=["variant"])
    front = lambda df: df[["variant", *[c for c in df.columns if c != "variant"]]]  # noqa: E731
    return front(k), front(ts)


def summarise(kpis: pd.DataFrame) -> pd.DataFrame:
    """Mean and t-based 95% CI over replications per variant, scenario, metric, group, unit
    (those of these columns that ``kpis`` has)."""
    keys = [c for c in KEYS if c in kpis.columns]
    rows = []
    for key, part in kpis.groupby(keys, sort=False, dropna=False):
        rows.append((*key, *mean_ci(part["value"].to_numpy())))
    return pd.DataFrame(rows, columns=[*keys, "mean", "ci_low", "ci_high", "n"])


def choose_reference(variants: list[str], scenarios: dict[str, str], wanted: str | None = None) -> str:
    """The variant differences are taken against: ``wanted`` (a variant or a scenario name),
    else the first variant of the ``baseline`` scenario, else the first variant."""
    if wanted:
        for v in variants:
            if wanted in (v, scenarios[v]):
                return v
        raise ValueError(f"--baseline {wanted!r} is neither a variant nor a scenario of the sweep")
    return next((v for v in variants if scenarios[v] == BASELINE), variants[0] if variants else "")


def paired_differences(kpis: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Differences of every variant from its reference (:func:`reference_of`), paired by
    replication and seed."""
    pair = ["replication", "seed", "metric", "group"]
    variants = list(dict.fromkeys(kpis["variant"]))
    rows = []
    for (variant, scenario), part in kpis.groupby(["variant", "scenario"], sort=False):
        against = reference_of(variant, reference, variants)
        if against is None:
            continue
        ref = kpis[kpis["variant"] == against][[*pair, "value"]].rename(columns={"value": "ref"})
        both = part.merge(ref, on=pair, how="inner")
        for (metric, group, unit), cell in both.groupby(
            ["metric", "group", "unit"], sort=False, dropna=False
        ):
            diff = (cell["value"] - cell["ref"]).to_numpy(dtype=float)
            mean, low, high, n = mean_ci(diff)
            base = mean_ci(cell["ref"].to_numpy())[0]
            rel = mean / base if base and np.isfinite(base) else np.nan
            rows.append((variant, scenario, against, metric, group, unit, mean, low, high, n, rel))
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def scenario_table(jobs: list[Job]) -> pd.DataFrame:
    """Each scenario of the sweep with its one-sentence description for planners."""
    seen: dict[str, str] = {}
    for job in jobs:
        scenario = job.manifest.get("config", {}).get("scenario", {})
        if scenario.get("name") and scenario["name"] not in seen:
            seen[scenario["name"]] = scenario.get("description", "")
    return pd.DataFrame(sorted(seen.items()), columns=["scenario", "description"])


def collate(sweep: Path, reference: str | None = None) -> Study:
    """Collate the jobs under ``sweep`` into a :class:`Study` (failed jobs listed, not fatal);
    raise :class:`CollateError` when one variant name covers two configurations."""
    jobs = find_jobs(sweep)
    if not jobs:
        raise FileNotFoundError(f"{sweep}: no job directories (no manifest.json below it)")
    for job in jobs:  # before the variants and the reference are chosen: failed jobs are out
        load_job(job)
    keys = swept_keys(jobs)
    check_variants(jobs, keys)
    table = job_table(jobs, keys)
    kpis, series = load_tables(jobs, keys)
    summary = summarise(kpis) if len(kpis) else pd.DataFrame(columns=SUMMARY_COLUMNS)
    ok = table[table["status"] == "ok"]
    variants = list(dict.fromkeys(ok["variant"]))
    ref = choose_reference(variants, dict(zip(ok["variant"], ok["scenario"], strict=True)), reference)
    diffs = paired_differences(kpis, ref) if len(kpis) else pd.DataFrame(columns=DIFF_COLUMNS)
    variants_of = zip(jobs, table["variant"], strict=True)
    finished = [(v, j.scenario, j.manifest) for j, v in variants_of if j.status == "ok"]
    return Study(
        jobs=table,
        kpis=kpis,
        timeseries=series,
        summary=summary,
        differences=diffs,
        scenarios=scenario_table(jobs),
        manifests=[{"job": j.job} | j.manifest | {"status": j.status} for j in jobs],
        reference=ref,
        places=place_table(finished, kpis, ref),
        cost_effectiveness=cost_effectiveness(kpis, ref),
    )
