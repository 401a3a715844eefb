"""Reading a study directory written by ``sim collate`` (summary, differences, jobs, manifest).

A study directory holds ``summary.csv`` at least; every other table is optional and read as
an empty table when missing. The full configuration of each job is taken from the study
manifest when it carries one, else from the job's own ``manifest.json`` in its run directory.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

REQUIRED = "summary.csv"
TEXT_COLUMNS = {"variant": str, "scenario": str, "reference": str, "metric": str, "group": str, "unit": str}


class NotAStudyError(ValueError):
    """The directory is not a study directory written by ``sim collate``."""


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
    job_records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The study's name (its manifest's, else its directory's)."""
        return str(self.manifest.get("study") or self.path.name)

    @property
    def configs(self) -> list[dict[str, Any]]:
        """The full configurations of the jobs that recorded one."""
        return [r["config"] for r in self.job_records if isinstance(r.get("config"), dict)]


def _csv(path: Path, text: bool = False) -> pd.DataFrame:
    """A CSV table, or an empty one when the file is missing or has no columns."""
    if not path.exists():
        return pd.DataFrame()
    try:
        if text:
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        return pd.read_csv(path, dtype=TEXT_COLUMNS, keep_default_na=False, na_values=["", "nan", "NaN"])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def _parquet(path: Path) -> pd.DataFrame:
    """A parquet table, or an empty one when the file is missing."""
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _job_manifest(folder: str, study: Path, source: str) -> dict[str, Any]:
    """The ``manifest.json`` of a job's run directory, looked for as given and beside the study."""
    if not folder:
        return {}
    for base in (Path(), study, Path(source or ".")):
        candidate = base / folder / "manifest.json"
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text())
            except (OSError, json.JSONDecodeError) as exc:
                log.warning("cannot read %s: %s", candidate, exc)
                return {}
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
    """Read the study directory at ``path``; raise :class:`NotAStudyError` when it is not one."""
    path = Path(path)
    if not (path / REQUIRED).is_file():
        raise NotAStudyError(
            f"{path} is not a study directory (no {REQUIRED}); make one with "
            f"'sim collate <multirun dir> --out {path}'"
        )
    manifest_file = path / "manifest.json"
    manifest = json.loads(manifest_file.read_text()) if manifest_file.is_file() else {}
    jobs = _csv(path / "jobs.csv", text=True)
    return Study(
        path=path,
        summary=_csv(path / REQUIRED),
        differences=_csv(path / "differences.csv"),
        kpis=_parquet(path / "kpis.parquet"),
        timeseries=_parquet(path / "timeseries.parquet"),
        jobs=jobs,
        failures=_csv(path / "failures.csv", text=True),
        scenarios=_csv(path / "scenarios.csv", text=True),
        manifest=manifest,
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
