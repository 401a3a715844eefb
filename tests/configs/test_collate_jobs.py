"""Collate loses no job and mislabels none: a job whose tables are missing or damaged is a listed
failure (the others are collated), and two configurations under one variant name are an error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli.collate_cmd import main as collate_main
from sim.metrics.collate import CollateError, collate
from tests.configs.test_collate import fake_job

NURSES = "nurses"


def sweep_of(root: Path, jobs: int = 6) -> Path:
    """A sweep of ``jobs`` ok jobs of the baseline, one variant per value of a swept key."""
    sweep = root / "sweep"
    for num in range(jobs):
        fake_job(sweep, num, "baseline", [10.0 + num, 11.0 + num, 12.0 + num], **{NURSES: num + 1})
    return sweep


def variant(num: int) -> str:
    """The variant name of job ``num`` of :func:`sweep_of`."""
    return f"baseline | {NURSES}={num + 1}"


def test_an_ok_job_without_kpis_is_a_failure_not_a_missing_variant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep, out = sweep_of(tmp_path), tmp_path / "study"
    (sweep / "3" / "kpis.parquet").unlink()
    assert collate_main([str(sweep), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"collated 5 of 6 jobs from {sweep} into {out}/" in captured.out
    status = "error: the manifest says ok but kpis.parquet/kpis.csv is missing"
    assert f"  job 3 [{variant(3)}]: {status}" in captured.err.splitlines()
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures["job"]) == [3] and list(failures["status"]) == [status]
    assert variant(3) not in set(pd.read_csv(out / "summary.csv")["variant"])
    assert variant(3) not in set(pd.read_csv(out / "differences.csv")["variant"])


def _truncated_parquet(path: Path) -> None:
    """A parquet file cut in half, as a full disk or a killed job leaves it."""
    good = path.with_name("good.parquet")
    pd.DataFrame({"a": range(100)}).to_parquet(good)
    data = good.read_bytes()
    good.unlink()
    path.write_bytes(data[: len(data) // 2])


def _kpis(job: Path) -> pd.DataFrame:
    return pd.read_parquet(job / "kpis.parquet")


# (what is damaged, how, the file and the reason the status names)
DAMAGE = {
    "garbage kpis.parquet": (
        lambda j: (j / "kpis.parquet").write_bytes(b"this is not parquet\n" * 5),
        "cannot read kpis.parquet: ArrowInvalid",
    ),
    "truncated kpis.parquet": (
        lambda j: _truncated_parquet(j / "kpis.parquet"),
        "cannot read kpis.parquet: ",
    ),
    "kpis.parquet without metric": (
        lambda j: _kpis(j).drop(columns="metric").to_parquet(j / "kpis.parquet"),
        "kpis.parquet lacks the column(s) metric",
    ),
    "kpis.csv that does not parse": (
        lambda j: ((j / "kpis.parquet").unlink(), (j / "kpis.csv").write_text('a,b\n1,"2\n3,4,5,6\n')),
        "cannot read kpis.csv: ParserError",
    ),
    "empty kpis.csv": (
        lambda j: ((j / "kpis.parquet").unlink(), (j / "kpis.csv").write_text("")),
        "cannot read kpis.csv: EmptyDataError",
    ),
    "kpis.csv without value, replication, seed": (
        lambda j: (
            _kpis(j).drop(columns=["value", "replication", "seed"]).to_csv(j / "kpis.csv", index=False),
            (j / "kpis.parquet").unlink(),
        ),
        "kpis.csv lacks the column(s) replication, seed, value",
    ),
    "kpis.csv with words for values": (
        lambda j: (
            _kpis(j).assign(value="many").to_csv(j / "kpis.csv", index=False),
            (j / "kpis.parquet").unlink(),
        ),
        "kpis.csv: the column value is not numeric",
    ),
    "kpis.parquet without group and unit": (
        lambda j: _kpis(j).drop(columns=["group", "unit"]).to_parquet(j / "kpis.parquet"),
        "kpis.parquet lacks the column(s) group, unit",
    ),
    "garbage timeseries.parquet": (
        lambda j: (j / "timeseries.parquet").write_bytes(b"\x00\x01garbage"),
        "cannot read timeseries.parquet: ArrowInvalid",
    ),
    "timeseries.csv without day": (
        lambda j: (j / "timeseries.csv").write_text("scenario,replication,metric,group,value\nb,0,m,all,1\n"),
        "timeseries.csv lacks the column(s) day",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_job_table_fails_that_job_only(
    damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep, out = sweep_of(tmp_path, jobs=3), tmp_path / "study"
    spoil, reason = DAMAGE[damage]
    spoil(sweep / "1")
    assert collate_main([str(sweep), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "collated 2 of 3 jobs" in captured.out
    line = next(s for s in captured.err.splitlines() if s.startswith("  job 1 "))
    assert line.startswith(f"  job 1 [{variant(1)}]: error: {reason}"), line
    failures = pd.read_csv(out / "failures.csv")
    assert list(failures["job"]) == [1]
    status = failures["status"].iloc[0]
    assert status.startswith(f"error: {reason}") and "\n" not in status
    assert set(pd.read_csv(out / "summary.csv")["variant"]) == {variant(0), variant(2)}


def test_failed_tables_are_out_before_the_reference_is_chosen(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    fake_job(sweep, 0, "baseline", [50.0, 60.0, 55.0])
    fake_job(sweep, 1, "acute_function", [49.0, 59.0, 54.0])
    fake_job(sweep, 2, "health_houses", [48.0, 58.0, 53.0])
    (sweep / "0" / "kpis.parquet").write_bytes(b"garbage")
    study = collate(sweep)
    assert study.reference == "acute_function"  # not the baseline, which has no table
    assert list(study.failures["variant"]) == ["baseline"]
    assert set(study.summary["variant"]) == {"acute_function", "health_houses"}
    assert study.differences["mean_diff"].tolist() == pytest.approx([-1.0])
    entry = next(m for m in study.manifests if m["job"] == "0")
    assert entry["status"].startswith("error: cannot read kpis.parquet")  # not the manifest's "ok"


def test_two_configs_under_one_variant_name_are_an_error_naming_both_jobs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep, out = tmp_path / "sweep", tmp_path / "study"
    fake_job(sweep, 0, "baseline", [1.0, 2.0, 3.0], config_hash="a1b2c3d4e5f60718")
    fake_job(sweep, 1, "health_houses", [1.0, 2.0, 3.0], config_hash="ffff000011112222")
    fake_job(sweep, 2, "ageing_2035", [1.0, 2.0, 3.0], status="error: RuntimeError('x')")
    fake_job(sweep, 3, "baseline", [4.0, 5.0, 6.0], config_hash="c3d4e5f607181920")  # no scenario: block
    assert collate_main([str(sweep), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "sim collate: jobs 0 and 3 are both variant 'baseline' but ran different configs "
        "(config hash a1b2c3d4e5f60718 vs c3d4e5f607181920); give each scenario file its own scenario.name"
    ]
    assert not out.exists()
    with pytest.raises(CollateError, match="jobs 0 and 3 are both variant 'baseline'"):
        collate(sweep)


def test_jobs_of_one_variant_may_share_a_config_and_swept_seeds_make_variants(tmp_path: Path) -> None:
    same = tmp_path / "same"
    fake_job(same, 0, "baseline", [1.0, 2.0, 3.0], config_hash="a" * 16)
    fake_job(same, 1, "baseline", [1.0, 2.0, 3.0], config_hash="a" * 16)
    assert list(collate(same).jobs["status"]) == ["ok", "ok"]
    seeds = tmp_path / "seeds"
    fake_job(seeds, 0, "baseline", [1.0, 2.0, 3.0], config_hash="a" * 16, seed=1)
    fake_job(seeds, 1, "baseline", [2.0, 3.0, 4.0], config_hash="b" * 16, seed=2)
    assert list(collate(seeds).jobs["variant"]) == ["baseline | seed=1", "baseline | seed=2"]
