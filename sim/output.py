"""Writing the results of a run: KPI and time-series tables and the manifest.

Tables are written under temporary names and renamed when complete, and the manifest is
written last, so a directory never holds a ``kpis.*`` that looks valid but is not. A run
that fails writes only a manifest whose status names the error.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.load import config_hash
from sim.config.schema import SimConfig
from sim.config.validation import to_dict

log = logging.getLogger(__name__)

PACKAGES = ("sim", "mesa", "simpy", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "hydra-core")
RESULT_FILES = (
    "kpis.csv",
    "kpis.parquet",
    "kpis_by_year.csv",
    "timeseries.csv",
    "timeseries.parquet",
    "kpis.png",
    "timeseries.png",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the results."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The commit of the source tree that ran, with ``+dirty`` when it has changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _atomic(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


LATEST = "latest"


def point_latest(folder: Path) -> Path | None:
    """Point ``<parent>/latest`` at ``folder`` (a relative symbolic link, replaced atomically), so
    a study or sweep named by time is found without its time; None where links cannot be made."""
    folder = folder.resolve()
    if folder.name == LATEST:
        return None
    link = folder.parent / LATEST
    tmp = folder.parent / f".{LATEST}.tmp{os.getpid()}"
    try:
        if link.exists() and not link.is_symlink():
            log.warning("%s is a folder, not a link (an older layout): not pointed at %s", link, folder.name)
            return None  # a real folder named latest is never replaced
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(folder.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("cannot point %s at %s: %s", link, folder.name, exc.strerror or exc)
        return None
    return link


def clear_results(outdir: Path) -> None:
    """Remove result tables from ``outdir`` (before a run, or after a failure)."""
    for name in RESULT_FILES:
        (outdir / name).unlink(missing_ok=True)


def write_tables(
    kpis: pd.DataFrame,
    timeseries: pd.DataFrame | None,
    outdir: Path,
    csv: bool = True,
    by_year: pd.DataFrame | None = None,
) -> None:
    """Write ``kpis`` (csv and parquet), ``timeseries`` (parquet, and csv if asked) and the KPIs
    of each measured year (``kpis_by_year.csv``) when there are any."""
    outdir.mkdir(parents=True, exist_ok=True)
    if by_year is not None and len(by_year):
        _atomic(outdir / "kpis_by_year.csv", lambda p: by_year.to_csv(p, index=False))
    _atomic(outdir / "kpis.parquet", lambda p: kpis.to_parquet(p, index=False))
    _atomic(outdir / "kpis.csv", lambda p: kpis.to_csv(p, index=False))
    if timeseries is not None:
        _atomic(outdir / "timeseries.parquet", lambda p: timeseries.to_parquet(p, index=False))
        if csv:
            _atomic(outdir / "timeseries.csv", lambda p: timeseries.to_csv(p, index=False))


def write_manifest(
    outdir: Path,
    status: str,
    wall_seconds: float,
    config: SimConfig | None = None,
    overrides: list[str] | None = None,
    info: dict[str, Any] | None = None,
) -> None:
    """Write ``manifest.json``: config hash, seeds, versions, commit, wall time and status."""
    manifest: dict[str, Any] = {
        "status": status,
        "wall_seconds": round(wall_seconds, 3),
        "git_commit": git_commit(),
        "packages": package_versions(),
        "overrides": overrides or [],
    }
    if config is not None:
        from sim.config.feasibility import warnings

        manifest["warnings"] = warnings(config)
    if config is not None:
        streams = sorted({s for r in (info or {}).get("replications", []) for s in r.get("streams", [])})
        manifest |= {
            "scenario": config.scenario.name,
            "experiment": config.experiment.name,
            "config_hash": config_hash(config),
            "seeds": {
                "seed": config.seed,
                "replications": list(range(config.replications)),
                "streams": streams,
                "rule": "stream seed = SeedSequence(seed, replication, blake2b(stream name))",
            },
            "config": to_dict(config),
        }
    if info:
        manifest["replications"] = [
            {k: v for k, v in r.items() if k != "streams"} for r in info.get("replications", [])
        ]
    outdir.mkdir(parents=True, exist_ok=True)
    _atomic(outdir / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2, default=str)))
