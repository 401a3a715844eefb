"""Bad input is rejected with a one-line message naming the key, a non-zero exit and no results."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.config import ConfigError
from tests.conftest import run_cli

BAD = [
    ("population.size=-5", "population.size"),
    ("population.sise=5", "population.sise"),
    ("demand.same_day_share=1.5", "demand.same_day_share"),
    (
        "organisation.practice_types.solo.hours.mon.close=6",
        "organisation.practice_types.solo.hours.mon.close",
    ),
    ("services.hospital.ed.servers=-1", "services.hospital.ed.servers"),
    ("years=0", "years"),
    ("population.size=abc", "population.size"),
    ("rules.triage.name=nope", "rules.triage.name"),
    (
        "organisation.practice_types.solo.diary.booking_horizon_days=0",
        "organisation.practice_types.solo.diary.booking_horizon_days",
    ),
    ("services.hospital.ed.service.dist=gamma", "services.hospital.ed.service.dist"),
    ("organisation.practice_types.solo.gp_share=0.5", "organisation.practice_types"),
    (
        "demand.episode_groups.fracture.primary_care_treatable=-0.1",
        "demand.episode_groups.fracture.primary_care_treatable",
    ),
    ("services.acute_function.shifts.day.end=7", "services.acute_function.shifts.day.end"),
    ("services.acute_function.shifts.night.nurses=-2", "services.acute_function.shifts.night.nurses"),
    ("services.acute_function.base=moon", "services.acute_function.base"),
    (
        "services.acute_function.treat_at_home.pneumonia=1.2",
        "services.acute_function.treat_at_home.pneumonia",
    ),
    ("services.ooh.weekday_until=18", "services.ooh.weekday_until"),
    ("services.hospital.readmission_30d={0-64:0.1,65-79:0.1,80+:2}", "services.hospital.readmission_30d.80+"),
    ("services.satellite.equipment=[mri]", "services.satellite.equipment"),
    ("population.ages=denmark_1901", "population.ages"),
    ("population.mortality.improvement_per_year=0.5", "population.mortality.improvement_per_year"),
    ("population.dynamics=maybe", "population.dynamics"),
    ("objective=cost_dkk_per_capita:a:b", "objective"),
    ("objective_stat=p50", "objective_stat"),
    ("constraint.max=60", "constraint.kpi"),
    ("constraint.penalty=-1", "constraint.penalty"),
]


@pytest.mark.parametrize(("override", "key"), BAD)
def test_api_rejects_bad_config_naming_the_key(override: str, key: str) -> None:
    with pytest.raises(Exception) as info:
        config = sim.load_config([override])
        sim.runner.check(config)
    text = str(info.value)
    assert key in text, text


@pytest.mark.parametrize(("override", "key"), [*BAD[:7], ("scenario=nonexistent", "scenario")])
def test_cli_rejects_bad_config(tmp_path: Path, override: str, key: str) -> None:
    out = tmp_path / "run"
    proc = run_cli(override, f"hydra.run.dir={out}")
    assert proc.returncode != 0
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    assert key in lines[0] and "Traceback" not in proc.stderr
    assert not list(out.glob("kpis.*")) if out.exists() else True


def test_bad_sweep_value_is_caught_before_any_job(tmp_path: Path) -> None:
    proc = run_cli("-m", "population.size=100,-3", f"hydra.sweep.dir={tmp_path}/sweep")
    assert proc.returncode != 0
    assert "population.size" in proc.stderr
    assert not list(tmp_path.rglob("kpis.*"))


def test_an_objective_that_is_no_kpi_stops_the_cli_before_the_run(tmp_path: Path) -> None:
    """``objective`` must name a registered KPI: checked before the run, with the nearest name."""
    out = tmp_path / "run"
    proc = run_cli("objective=cost_per_resident", f"hydra.run.dir={out}")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sim: config error: objective:"), proc.stderr
    assert "did you mean cost_dkk_per_capita" in lines[0]
    assert not out.exists()


def test_direct_construction_names_the_field() -> None:
    from sim.config.schema import Hours, PopulationConfig

    with pytest.raises(ConfigError, match="close"):
        Hours(open=17, close=8)
    with pytest.raises(ConfigError, match="size"):
        PopulationConfig(size=0)


def test_failed_run_leaves_no_valid_looking_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_fake_job
) -> None:
    """A crash inside a run writes a manifest with the error and no kpis."""
    from omegaconf import OmegaConf

    hydra_app = in_fake_job

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(hydra_app, "run", boom)
    (tmp_path / "kpis.csv").write_text("stale")
    cfg = OmegaConf.create({"population": {"size": 100}})
    with pytest.raises(SystemExit) as info:
        hydra_app.task(cfg)
    assert info.value.code != 0
    assert not (tmp_path / "kpis.csv").exists()
    manifest = (tmp_path / "manifest.json").read_text()
    assert "simulated failure" in manifest and '"status": "error' in manifest


def test_hydra_flags_with_values_are_not_taken_for_overrides() -> None:
    from sim.cli.hydra_app import _user_overrides

    argv = [
        "--cfg",
        "job",
        "-cn",
        "config",
        "--info",
        "defaults",
        "population.size=5",
        "-m",
        "hydra.verbose=true",
    ]
    assert _user_overrides(argv) == ["population.size=5"]
    proc = run_cli("--cfg", "job", "population.size=1000")
    assert proc.returncode == 0 and "size: 1000" in proc.stdout


@pytest.mark.parametrize(
    ("bands", "words"),
    [
        ({"0-64": 5.98, "65-79": 10.6, "80plus": 16}, ["missing 80+", "unknown 80plus"]),
        ({"0-64": 5.98, "65-79": 10.6}, ["missing 80+"]),
        ({"0-64": 5.98, "65-79": 10.6, "80+": 16, "90+": 20}, ["unknown 90+"]),
    ],
)
def test_age_band_dicts_need_exactly_the_configured_bands(bands: dict, words: list[str]) -> None:
    """A misspelt or missing band used to read as 0 (80+ contacts fell from 16.9 to 1.4 a year
    without a word): through the API the whole config is rejected, naming the key and the bands."""
    data = sim.config.to_dict(sim.load_config([]))
    data["demand"]["contacts_per_year"] = bands
    with pytest.raises(ConfigError, match=r"demand\.contacts_per_year") as err:
        sim.from_dict(data)
    for word in words:
        assert word in str(err.value)
