"""A small study directory, as ``sim collate`` writes it, built from real runs of the model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from sim.config.load import config_dir
from sim.metrics.stats import mean_ci
from sim.output import git_commit, package_versions, write_manifest, write_tables
from sim.report import plot_style

SIZE, REPLICATIONS, YEARS, WARMUP = 2000, 2, 0.5, 14
NURSES = "services.acute_function.shifts.day.nurses"
# (scenario, swept overrides other than the scenario)
JOBS = (("baseline", {}), ("health_houses", {}), ("ageing_2035", {}), ("baseline", {NURSES: "3"}))
FAILED = ("gp_shortage", "error: RuntimeError('a job that failed, for the failures table')")
SUMMARY_KEYS = ["variant", "scenario", "metric", "group", "unit"]


def variant_name(scenario: str, params: dict[str, str]) -> str:
    """The variant label of a job, as collate writes it."""
    return " | ".join([scenario, *(f"{k}={v}" for k, v in params.items())])


def summary_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """Mean and t-based 95% CI over replications per variant and KPI."""
    rows = [
        (*key, *mean_ci(part["value"].to_numpy())) for key, part in kpis.groupby(SUMMARY_KEYS, sort=False)
    ]
    return pd.DataFrame(rows, columns=[*SUMMARY_KEYS, "mean", "ci_low", "ci_high", "n"])


def differences_table(kpis: pd.DataFrame, reference: str = "baseline") -> pd.DataFrame:
    """Paired differences by replication of every variant against the ``reference`` variant."""
    keys = ["replication", "metric", "group"]
    ref = kpis[kpis["variant"] == reference][[*keys, "value"]].rename(columns={"value": "ref"})
    rows = []
    for variant, part in kpis[kpis["variant"] != reference].groupby("variant", sort=False):
        paired = part.merge(ref, on=keys)
        for (scenario, metric, group, unit), cell in paired.groupby(SUMMARY_KEYS[1:], sort=False):
            mean, low, high, n = mean_ci((cell["value"] - cell["ref"]).to_numpy())
            base = cell["ref"].mean()
            rel = mean / base if base else float("nan")
            rows.append((variant, scenario, reference, metric, group, unit, mean, low, high, n, rel))
    columns = ["variant", "scenario", "reference", "metric", "group", "unit"]
    return pd.DataFrame(rows, columns=[*columns, "mean_diff", "ci_low", "ci_high", "n", "rel_diff"])


def _run_job(
    root: Path, job: int, scenario: str, params: dict[str, str]
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    overrides = [f"scenario={scenario}", *(f"{k}={v}" for k, v in params.items())]
    fixed = [
        f"population.size={SIZE}",
        f"replications={REPLICATIONS}",
        f"years={YEARS}",
        f"warmup_days={WARMUP}",
    ]
    config = sim.load_config([*overrides, *fixed, "services.reference_population=0"])
    results = sim.run(config)
    outdir = root / "multirun" / str(job)
    write_tables(results.kpis, results.timeseries, outdir, csv=False)
    write_manifest(outdir, "ok", 1.0, config, overrides, results.info)
    manifest = json.loads((outdir / "manifest.json").read_text())
    manifest.pop("config")  # the study manifest leaves the full config in the job's own manifest
    variant = variant_name(scenario, params)
    kpis = results.kpis.assign(variant=variant)
    ts = results.timeseries.assign(variant=variant)
    return {"job": job, "dir": str(outdir), **manifest}, kpis, ts


def _job_row(job: int, folder: str, scenario: str, params: dict, status: str, wall: float) -> dict:
    """One row of jobs.csv: the job, its variant, status, overrides and swept parameter value."""
    overrides = " ".join([f"scenario={scenario}", *(f"{k}={v}" for k, v in params.items())])
    row = {"job": job, "dir": folder, "variant": variant_name(scenario, params), "scenario": scenario}
    return row | {
        "status": status,
        "wall_seconds": wall,
        "overrides": overrides,
        NURSES: params.get(NURSES, ""),
    }


def build_study(root: Path) -> Path:
    """Run the jobs at a small size and write a study directory under ``root``; return it."""
    out = root / "study"
    out.mkdir(parents=True)
    manifests, kpis, ts, jobs = [], [], [], []
    for job, (scenario, params) in enumerate(JOBS):
        manifest, k, t = _run_job(root, job, scenario, params)
        manifests.append(manifest)
        kpis.append(k)
        ts.append(t)
        jobs.append(_job_row(job, manifest["dir"], scenario, params, "ok", 1.0))
    scenario, status = FAILED
    failed_dir = str(root / "multirun" / str(len(JOBS)))
    jobs.append(_job_row(len(JOBS), failed_dir, scenario, {}, status, 0.5))
    manifests.append({"job": len(JOBS), "status": status, "scenario": scenario, "wall_seconds": 0.5})
    manifests[-1]["overrides"] = [f"scenario={scenario}"]
    kpis = pd.concat(kpis, ignore_index=True)
    order = ["variant", "scenario", "replication", "seed", "metric", "group", "value", "unit"]
    kpis[order].to_parquet(out / "kpis.parquet", index=False)
    ts = pd.concat(ts, ignore_index=True)
    ts[["variant", "scenario", "replication", "day", "metric", "group", "value"]].to_parquet(
        out / "timeseries.parquet", index=False
    )
    summary_table(kpis).to_csv(out / "summary.csv", index=False)
    differences_table(kpis).to_csv(out / "differences.csv", index=False)
    jobs = pd.DataFrame(jobs)
    jobs.to_csv(out / "jobs.csv", index=False)
    jobs[jobs["status"] != "ok"].to_csv(out / "failures.csv", index=False)
    names = ["baseline", "health_houses", "ageing_2035", "gp_shortage"]
    descriptions = [
        OmegaConf.load(Path(config_dir(), "scenario", f"{s}.yaml")).scenario.description for s in names
    ]
    pd.DataFrame({"scenario": names, "description": descriptions}).to_csv(out / "scenarios.csv", index=False)
    study = {
        "study": "report_test",
        "source": str(root / "multirun"),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "packages": package_versions(),
        "experiment": {
            "name": "report_test",
            "description": "Scenarios and a staffing variant for the test.",
        },
        "jobs": manifests,
    }
    (out / "manifest.json").write_text(json.dumps(study, indent=2, default=str))
    return out


@pytest.fixture(scope="session")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A study directory of four small jobs (three scenarios, one staffing variant) and a failure."""
    return build_study(tmp_path_factory.mktemp("report"))


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[plt.Figure]:
    """Every figure a plot function saves, kept open for inspection."""
    saved: list[plt.Figure] = []

    def keep(fig: plt.Figure, path: Path) -> Path:
        saved.append(fig)
        fig.savefig(path, dpi=30)
        return Path(path)

    monkeypatch.setattr(plot_style, "save", keep)
    yield saved
    for fig in saved:
        plt.close(fig)
