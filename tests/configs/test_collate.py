"""Collating sweeps: paired differences, confidence intervals, failed jobs and re-runs.

The end-to-end test is the issue's definition of done at a tiny size: a joblib multirun of
``compare_organisation`` with one job made to fail, then ``sim collate``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cli.collate_cmd import main as collate_main
from sim.metrics.collate import collate

METRIC = ("avoidable_admissions_per_1000_65plus", "all", "per 1000 aged 65+ per year")


def fake_job(
    sweep: Path,
    num: int,
    scenario: str,
    values: list[float],
    status: str = "ok",
    experiment: str | None = None,
    config_hash: str | None = None,
    **params,
) -> Path:
    """A job directory as ``sim`` writes it: manifest and a KPI table with one metric; return it."""
    d = sweep / str(num)
    d.mkdir(parents=True)
    overrides = [f"scenario={scenario}", "replications=3", *[f"{k}={v}" for k, v in params.items()]]
    config: dict = {"scenario": {"name": scenario, "description": f"{scenario} described"}}
    if experiment is not None:
        config["experiment"] = {"name": experiment, "description": "a test experiment"}
    manifest = {"status": status, "scenario": scenario, "overrides": overrides, "config": config}
    if config_hash is not None:
        manifest["config_hash"] = config_hash
    (d / "manifest.json").write_text(json.dumps(manifest))
    if status == "ok":
        rows = [(scenario, r, 2025, *METRIC[:2], v, METRIC[2]) for r, v in enumerate(values)]
        cols = ["scenario", "replication", "seed", "metric", "group", "value", "unit"]
        pd.DataFrame(rows, columns=cols).to_parquet(d / "kpis.parquet")
    return d


def test_summary_has_t_intervals_and_differences_are_paired(tmp_path: Path) -> None:
    base = [50.0, 60.0, 55.0]
    fake_job(tmp_path, 0, "baseline", base)
    fake_job(tmp_path, 1, "acute_function", [b - 1.0 for b in base])  # exactly 1 lower in every pair
    fake_job(tmp_path, 2, "health_houses", [], status="error: RuntimeError('boom')")
    study = collate(tmp_path)
    s = study.summary.set_index("variant")
    half = stats.t.ppf(0.975, 2) * np.std(base, ddof=1) / np.sqrt(3)
    assert s.loc["baseline", "mean"] == pytest.approx(55.0)
    assert s.loc["baseline", "ci_high"] - 55.0 == pytest.approx(half)
    d = study.differences.set_index("variant").loc["acute_function"]
    assert study.reference == "baseline" and d["reference"] == "baseline"
    # pairing removes the between-replication spread: the interval collapses onto -1
    assert (d["mean_diff"], d["ci_low"], d["ci_high"], d["n"]) == pytest.approx((-1.0, -1.0, -1.0, 3))
    assert d["rel_diff"] == pytest.approx(-1 / 55)
    assert list(study.failures["variant"]) == ["health_houses"]
    assert "health_houses" not in set(study.summary["variant"])
    assert set(study.scenarios["scenario"]) == {"baseline", "acute_function", "health_houses"}


def test_swept_parameters_name_the_variants(tmp_path: Path) -> None:
    key = "services.acute_function.shifts.day.nurses"
    for num, nurses in enumerate((1, 3)):
        fake_job(tmp_path, num, "acute_function", [10.0 + nurses, 11.0 + nurses], **{key: nurses})
    study = collate(tmp_path)
    assert list(study.jobs["variant"]) == [f"acute_function | {key}=1", f"acute_function | {key}=3"]
    assert list(study.jobs[key]) == ["1", "3"]
    assert study.reference == f"acute_function | {key}=1"  # no baseline scenario: the first variant
    assert study.differences["mean_diff"].tolist() == pytest.approx([2.0])


def test_collate_rejects_a_directory_without_jobs(tmp_path: Path, capsys) -> None:
    assert collate_main([str(tmp_path)]) == 2
    assert "no job directories" in capsys.readouterr().err
    assert collate_main([str(tmp_path / "missing")]) == 2
    fake_job(tmp_path, 0, "baseline", [1.0, 2.0])
    assert collate_main([str(tmp_path), "--baseline", "nonexistent"]) == 2
    assert not (tmp_path / "results").exists()


def sim_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | (env or {}),
    )


def test_a_failed_job_is_listed_the_rest_collated_and_a_rerun_skips_ok_jobs(tmp_path: Path) -> None:
    sweep, out = tmp_path / "sweep", tmp_path / "study"
    tiny = ["population.size=1500", "replications=2", "years=0.05", "warmup_days=7"]
    args = ["-m", "experiment=compare_organisation", *tiny, "services.reference_population=0"]
    args += ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={sweep}"]
    proc = sim_cli(*args, env={"SIM_FAIL_SCENARIO": "acute_function"})
    assert proc.returncode == 1, proc.stderr[-2000:]  # a sweep with a failed job fails...
    assert "1 job(s) of the sweep failed" in proc.stderr
    assert len(list(sweep.glob("*/kpis.parquet"))) == 4  # ... but the other jobs ran

    proc = sim_cli("collate", str(sweep), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures["scenario"]) == ["acute_function"]
    assert "fault injected" in failures["status"].iloc[0]
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["variant"]) == {"baseline", "health_houses", "health_houses_plus", "ageing_2035"}
    assert summary["n"].max() == 2  # undefined KPIs (no event in a tiny run) count fewer
    assert (summary[summary["metric"] == "population"]["n"] == 2).all()
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs["variant"]) == {"health_houses", "health_houses_plus", "ageing_2035"}
    assert (diffs["reference"] == "baseline").all()
    access = diffs[(diffs["metric"] == "access_hours_per_week_per_1000") & (diffs["group"] == "all")]
    assert (access[access["variant"] != "ageing_2035"]["ci_low"] > 0).all()  # houses open longer
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["jobs_failed"] == 1 and manifest["experiment"]["name"] == "compare_organisation"
    proc = sim_cli("report", str(out))
    assert proc.returncode == 0, proc.stderr
    html = (out / "report.html").read_text()
    assert "health_houses" in html and "fault injected" in html  # the failed job is reported

    before = {p: p.stat().st_mtime_ns for p in sweep.glob("*/kpis.parquet")}
    proc = sim_cli(*args)  # the fault is gone: the failed job runs, the ok jobs are skipped
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("skipped") == 4
    assert {p: p.stat().st_mtime_ns for p in before} == before
    assert len(list(sweep.glob("*/kpis.parquet"))) == 5


def test_collate_says_which_warnings_the_jobs_recorded(tmp_path: Path, capsys) -> None:
    sweep = tmp_path / "sweep"
    for num, scenario in enumerate(("baseline", "acute_function")):
        job = fake_job(sweep, num, scenario, [1.0, 2.0, 3.0], experiment="warned")
        manifest = json.loads((job / "manifest.json").read_text())
        rounded = "services.acute_function.shifts.day.nurses: 2 for 59,246 people rounds to 1 at 20,000"
        manifest["warnings"] = [rounded, f"replications: 3 is fewer than the 4-8 ({scenario})"]
        (job / "manifest.json").write_text(json.dumps(manifest))
    assert collate_main([str(sweep), "--out", str(tmp_path / "study")]) == 0
    out = capsys.readouterr().out
    assert "the jobs recorded 3 warning(s)" in out
    assert out.count("rounds to 1 at 20,000") == 1  # each distinct warning once
