"""Reading a study directory written by ``sim collate`` (summary, differences, jobs, manifest).

A study directory holds ``summary.csv`` at least; every other table is optional and read as
an empty table when missing. The full configuration of each job is taken from the study
manifest when it carries one, else from the job's own ``manifest.json`` in its run directory.
A table that cannot be read, or lacks a column the report needs, and a manifest that is not a
JSON object raise :class:`DamagedStudyError` naming the file and the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import is_numeric_dtype

from sim.metrics.collate import one_line

log = logging.getLogger(__name__)

REQUIRED = "summary.csv"
TEXT_COLUMNS = {"variant": str, "scenario": str, "reference": str, "metric": str, "group": str, "unit": str}


# columns each table must have when it has rows ("a|b": one of them), and those that are numbers
SUMMARY_NEEDS = ("variant|scenario", "metric", "group", "mean", "ci_low", "ci_high")
DIFFERENCES_NEEDS = ("variant", "metric", "group", "unit", "mean_diff", "ci_low", "ci_high", "n")
KPIS_NEEDS = ("variant|scenario", "metric", "group", "value")
TIMESERIES_NEEDS = ("variant|scenario", "day", "metric", "group", "value")
PLACES_NEEDS = ("place", "name", "kommunekode", "scenario", "reference", "metric", "mean", "diff", "scale")
NUMBERS = ("mean", "ci_low", "ci_high", "mean_diff", "n", "value", "day")


class NotAStudyError(ValueError):
    """The directory is not a study directory written by ``sim collate``."""


class DamagedStudyError(NotAStudyError):
    """A file of the study directory cannot be read, or lacks what the report needs."""

    def __init__(self, path: Path, reason: str) -> None:
        """The error of file ``path`` of a study directory: ``<study>: <file>: <reason>``."""
        super().__init__(f"{path.parent}: {path.name}: {reason}")


@dataclass
class Study:
    """The tables and manifest of one study directory."""

    path: Path
    summary: pd.DataFrame
    differences: pd.DataFrame
    kpis: pd.DataFrame
    timeseries: pd.DataFrame
    jobs: pd.DataFrame
    failures: pd.DataFrame
    scenarios: pd.DataFrame
    manifest: dict[str, Any]
    places: pd.DataFrame = field(default_factory=pd.DataFrame)  # real places (sim.metrics.places)
    job_records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The study's name (its manifest's, else its directory's)."""
        return str(self.manifest.get("study") or self.path.name)

    @property
    def configs(self) -> list[dict[str, Any]]:
        """The full configurations of the jobs that recorded one."""
        return [r["config"] for r in self.job_records if isinstance(r.get("config"), dict)]


def _check(table: pd.DataFrame, path: Path, needs: Sequence[str]) -> pd.DataFrame:
    """``table``, when it has the columns ``needs`` and its number columns hold numbers."""
    if table.empty and not len(table.columns):
        return table
    missing = [c.split("|")[0] for c in needs if not any(a in table.columns for a in c.split("|"))]
    if missing:
        raise DamagedStudyError(path, f"lacks the column(s) {', '.join(missing)}")
    for column in (c for c in NUMBERS if c in table.columns and len(table)):
        if not is_numeric_dtype(table[column]):
            raise DamagedStudyError(path, f"the column {column} does not hold numbers")
    return table


def _csv(path: Path, text: bool = False, needs: Sequence[str] = (), required: bool = False) -> pd.DataFrame:
    """A CSV table, or an empty one when the file is missing or (unless ``required``) empty."""
    if not path.exists():
        return pd.DataFrame()
    try:
        if text:
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        table = pd.read_csv(path, dtype=TEXT_COLUMNS, keep_default_na=False, na_values=["", "nan", "NaN"])
    except pd.errors.EmptyDataError as exc:
        if required:
            raise DamagedStudyError(path, "the file is empty") from exc
        return pd.DataFrame()
    except Exception as exc:  # parser errors, bytes that are not text, OSError
        raise DamagedStudyError(path, one_line(exc)) from exc
    if required and not len(table.columns):
        raise DamagedStudyError(path, "the file is empty")
    return _check(table, path, needs if (required or len(table)) else ())


def _parquet(path: Path, needs: Sequence[str] = ()) -> pd.DataFrame:
    """A parquet table, or an empty one when the file is missing."""
    if not path.exists():
        return pd.DataFrame()
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # ArrowInvalid (not parquet, truncated), OSError
        raise DamagedStudyError(path, one_line(exc)) from exc
    return _check(table, path, needs if len(table) else ())


def _manifest(path: Path) -> dict[str, Any]:
    """The study manifest (empty when missing); it must be a JSON object with a list of job objects."""
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:  # ValueError: bad JSON, or bytes that are not UTF-8
        raise DamagedStudyError(path, one_line(exc)) from exc
    if not isinstance(manifest, dict):
        raise DamagedStudyError(path, "not a JSON object")
    jobs = manifest.get("jobs", [])
    if not isinstance(jobs, list) or not all(isinstance(j, dict) for j in jobs):
        raise DamagedStudyError(path, "'jobs' is not a list of objects")
    for key in ("experiment", "packages"):
        if not isinstance(manifest.get(key, {}), dict):
            raise DamagedStudyError(path, f"{key!r} is not an object")
    return manifest


def _job_manifest(folder: str, study: Path, source: str) -> dict[str, Any]:
    """The ``manifest.json`` of a job's run directory, looked for as given and beside the study."""
    if not folder:
        return {}
    for base in (Path(), study, Path(source or ".")):
        candidate = base / folder / "manifest.json"
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text())
            except (OSError, ValueError) as exc:
                log.warning("cannot read %s: %s", candidate, one_line(exc))
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def job_records(jobs: pd.DataFrame, manifest: dict[str, Any], study: Path) -> list[dict[str, Any]]:
    """One record per job: its jobs.csv row, its manifest entry and, if found, its full config."""
    entries = manifest.get("jobs", []) or []
    by_job = {str(e.get("job")): e for e in entries if isinstance(e, dict) and "job" in e}
    rows = jobs.to_dict("records") if not jobs.empty else [{} for _ in entries]
    records = []
    for k, row in enumerate(rows):
        entry = by_job.get(str(row.get("job")), entries[k] if k < len(entries) and not by_job else {})
        record = {**entry, **{key: v for key, v in row.items() if v != ""}}
        if "config" not in record:
            folder = str(row.get("dir") or entry.get("dir") or "")
            config = _job_manifest(folder, study, str(manifest.get("source", ""))).get("config")
            if config is not None:
                record["config"] = config
        records.append(record)
    return records


def load_study(path: Path | str) -> Study:
    """Read the study directory at ``path``; raise :class:`NotAStudyError` when it is not one and
    :class:`DamagedStudyError` when one of its files cannot be read."""
    path = Path(path)
    if not (path / REQUIRED).is_file():
        raise NotAStudyError(
            f"{path} is not a study directory (no {REQUIRED}); make one with "
            f"'sim collate <multirun dir> --out {path}'"
        )
    manifest = _manifest(path / "manifest.json")
    jobs = _csv(path / "jobs.csv", text=True)
    return Study(
        path=path,
        summary=_csv(path / REQUIRED, needs=SUMMARY_NEEDS, required=True),
        differences=_csv(path / "differences.csv", needs=DIFFERENCES_NEEDS),
        kpis=_parquet(path / "kpis.parquet", KPIS_NEEDS),
        timeseries=_parquet(path / "timeseries.parquet", TIMESERIES_NEEDS),
        jobs=jobs,
        failures=_csv(path / "failures.csv", text=True),
        scenarios=_csv(path / "scenarios.csv", text=True),
        manifest=manifest,
        places=_csv(path / "places.csv", needs=PLACES_NEEDS),
        job_records=job_records(jobs, manifest, path),
    )


def _get(config: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted key of a nested config, or None."""
    value: Any = config
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _text(value: Any, thousands: bool) -> str:
    """A config value as text: whole floats without decimals, counts with thousands separators."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if thousands else str(value)
    return str(value)


def distinct(study: Study, dotted: str, thousands: bool = False) -> str:
    """The values of a config key over the jobs: ``1`` or ``1 (baseline, ...); 3 (gp_shortage)``."""
    seen: dict[str, list[str]] = {}
    for record in study.job_records:
        config = record.get("config")
        if not isinstance(config, dict):
            continue
        value = _get(config, dotted)
        if value is None:
            continue
        text = _text(value, thousands)
        seen.setdefault(text, []).append(str(record.get("variant") or record.get("scenario") or "?"))
    if not seen:
        return "not recorded"
    if len(seen) == 1:
        return next(iter(seen))
    return "; ".join(f"{v} ({', '.join(dict.fromkeys(names))})" for v, names in seen.items())
