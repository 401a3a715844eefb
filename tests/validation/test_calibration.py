"""Validation against Denmark: the baseline meets the calibration targets (issue 3, item 6).

The targets are ``configs/calibration/targets.yaml`` (the table of
``sim/data/sources/calibration.md``, with the age bands and the yearly 80+ growth of issue 11).
The slow study runs the demography, prevalence and contact scopes strictly: every target there
must be simulated and inside its tolerance. The other tests check the tolerance logic, the
targets file and the command line.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim.calibration import (
    FAIL,
    NOT_AVAILABLE,
    NOT_YET,
    PASS,
    SCOPES,
    Measurement,
    Target,
    age_range,
    evaluate,
    load_targets,
    measure_age_share,
    measure_growth,
    measure_kpi,
    measure_life_expectancy,
    parse_targets,
    run_calibration,
    summarise,
    targets_path,
)
from sim.config import to_dict
from sim.sources import SOURCES_DIR, lookup
from tests.conftest import FULL, run_cli

ROOT = Path(__file__).parents[2]
ISSUE3_SCOPES = ("demography", "prevalence", "contacts")
# CI: 10,000 people (65+ about 2,000: prevalence within ±2 points is then about 4 standard
# errors wide with two replications); SIM_FULL=1: the preset's size and five replications.
SIZE, REPLICATIONS = (None, 5) if FULL else (10_000, 2)
# At 10,000 people (about 480 aged 80+) one year's 80+ growth has a standard error of about 1.5
# points, too wide for ranges such as +3% to +8%: in CI the ageing targets over part of the run
# (`years: [a, b]`) are checked by tests/verification/test_ageing.py on a 120,000-person projection.
NOISY_AT_CI = () if FULL else tuple(t.name for t in load_targets().targets if t.years is not None)


def _target(tolerance: dict, value: float | None = 10.0, **kw) -> Target:
    spec = {
        "description": "test", "scope": "demography", "measure": "run", "kpi": "k", "group": "all",
        "unit": "percent", "value": value, "tolerance": tolerance, "source": "x",
    }  # fmt: skip
    return parse_targets({"targets": {"t": spec | kw}}).targets[0]


# ------------------------------------------------------------------ tolerance logic
@pytest.mark.parametrize(
    ("tolerance", "value", "bounds"),
    [
        ({"absolute": 1}, 19.6, (18.6, 20.6)),
        ({"relative": 10}, 7.1, (6.39, 7.81)),
        ({"relative": 15}, 16.5, (14.025, 18.975)),
        ({"range": [40, 60]}, 50, (40.0, 60.0)),
        ({"range": [11, 22]}, None, (11.0, 22.0)),
    ],
)
def test_bounds(tolerance: dict, value: float | None, bounds: tuple[float, float]) -> None:
    low, high = _target(tolerance, value).bounds
    assert low == pytest.approx(bounds[0]) and high == pytest.approx(bounds[1])


@pytest.mark.parametrize(
    ("tolerance", "value", "simulated", "inside"),
    [
        ({"absolute": 1}, 19.6, 20.6, True),  # bounds are inside
        ({"absolute": 1}, 19.6, 18.6, True),
        ({"absolute": 1}, 19.6, 20.61, False),
        ({"absolute": 1}, 19.6, 18.59, False),
        ({"relative": 10}, 7.1, 7.1 * 1.1, True),
        ({"relative": 10}, 7.1, 7.82, False),
        ({"relative": 10}, 7.1, 6.38, False),
        ({"range": [40, 60]}, 50, 39.9, False),
        ({"range": [40, 60]}, 50, 60.0, True),
        ({"range": [1.6, 2.6]}, 2.0, 2.7, False),
    ],
)
def test_within(tolerance: dict, value: float, simulated: float, inside: bool) -> None:
    assert _target(tolerance, value).within(simulated) is inside


@pytest.mark.parametrize(
    "tolerance",
    [{}, {"absolute": -1}, {"range": [3, 1]}, {"range": [1]}, {"absolute": 1, "relative": 5}, {"ratio": 2}],
)
def test_bad_tolerance_is_rejected(tolerance: dict) -> None:
    with pytest.raises(ValueError, match=r"targets\.t\.tolerance"):
        _target(tolerance)


def test_relative_tolerance_needs_a_value() -> None:
    with pytest.raises(ValueError, match="needs a target value"):
        _target({"relative": 10}, value=None)


def test_unknown_scope_or_measure_is_rejected() -> None:
    with pytest.raises(ValueError, match="scope"):
        _target({"absolute": 1}, scope="staffing")
    with pytest.raises(ValueError, match="measure"):
        _target({"absolute": 1}, measure="guess")


def test_summarise_gives_t_interval() -> None:
    mean, low, high, n = summarise([1.0, 2.0, 3.0, math.nan])
    assert (mean, n) == (2.0, 3)
    assert high - mean == pytest.approx(4.302653 / math.sqrt(3))  # t(0.975, 2) * sd / sqrt(n)
    assert mean - low == pytest.approx(high - mean)
    single = summarise([5.0])
    assert single[0] == 5.0 and math.isnan(single[1]) and single[3] == 1


def test_status_pass_fail_and_missing() -> None:
    target = _target({"absolute": 1}, 19.6)
    assert evaluate(target, Measurement((19.0, 20.0)))["status"] == PASS
    assert evaluate(target, Measurement((21.0, 22.0)))["status"] == FAIL
    assert evaluate(target, Measurement((math.nan,)))["status"] == FAIL  # emitted but no number
    missing = Measurement(missing=NOT_YET, note="no KPI")
    assert evaluate(target, missing)["status"] == NOT_YET
    assert evaluate(target, missing, strict=True)["status"] == FAIL
    gone = Measurement(missing=NOT_AVAILABLE)
    assert evaluate(target, gone)["status"] == NOT_AVAILABLE
    assert evaluate(target, gone, strict=True)["status"] == FAIL


def test_mean_not_single_replications_decides() -> None:
    target = _target({"absolute": 1}, 19.6)
    row = evaluate(target, Measurement((18.0, 21.0)))  # both outside, mean 19.5 inside
    assert row["status"] == PASS and row["simulated"] == pytest.approx(19.5) and row["n"] == 2


def test_measure_kpi_scales_and_reports_missing() -> None:
    kpis = pd.DataFrame({
        "replication": [1, 0, 0], "metric": ["k", "k", "k"], "group": ["all", "all", "80+"],
        "value": [0.2, 0.1, 0.9],
    })  # fmt: skip
    assert measure_kpi(kpis, _target({"absolute": 1}, scale=100)).values == pytest.approx((10.0, 20.0))
    missing = measure_kpi(kpis, _target({"absolute": 1}, group="65-79"))
    assert missing.missing == NOT_YET and "k[65-79]" in missing.note


def test_measure_growth_from_first_day_to_years_later() -> None:
    target = _target({"absolute": 10}, 59, measure="ageing", kpi="population", group="80+")
    days = [28, 28 + 1825, 28 + 3650]
    ts = pd.DataFrame({
        "replication": [0] * 3 + [1] * 3, "day": days * 2, "metric": "population", "group": "80+",
        "value": [100.0, 130.0, 160.0, 200.0, 250.0, 310.0],
    })  # fmt: skip
    assert measure_growth(ts, target, 28, 10).values == pytest.approx((60.0, 55.0))
    short = measure_growth(ts, target, 28, 20)  # series ends early: its last day, with a note
    assert short.values == pytest.approx((60.0, 55.0)) and "10.00 years" in short.note
    assert measure_growth(ts.assign(group="all"), target, 28, 10).missing == NOT_AVAILABLE


def test_measure_growth_over_part_of_the_run() -> None:
    target = _target({"range": [3, 8]}, None, measure="ageing", kpi="population", group="80+", years=[1, 2])
    assert target.years == (1, 2)
    for bad in ([2, 1], [0], [0, 1.5], "0-1"):
        with pytest.raises(ValueError, match=r"targets\.t\.years"):
            _target({"range": [3, 8]}, None, measure="ageing", years=bad)
    with pytest.raises(ValueError, match=r"targets\.t\.years: only for measure ageing"):
        _target({"absolute": 1}, years=[0, 1])
    spec = {
        "description": "d", "scope": "demography", "measure": "ageing", "kpi": "population", "group": "80+",
        "unit": "percent", "value": None, "tolerance": {"range": [3, 8]}, "source": "x", "years": [9, 11],
    }  # fmt: skip
    with pytest.raises(ValueError, match="must end by the ageing run's 10 years"):
        parse_targets({"ageing_run": {"years": 10}, "targets": {"t": spec}})


def test_age_share_of_the_synthesised_population() -> None:
    assert age_range("65-69") == (65.0, 70.0) and age_range("90+") == (90.0, math.inf)
    with pytest.raises(ValueError, match="age group"):
        age_range("old")
    config = sim.load_config(["population.size=5000", "replications=2"])
    target = _target({"absolute": 0.3}, 5.47, measure="synthesis", kpi="age_share", group="65-69", scale=100)
    values = measure_age_share(config, target).values
    assert len(values) == 2 and all(abs(v - 5.47) < 0.05 for v in values)  # quota: exact to one person


def test_life_expectancy_uses_the_model_mortality_curve() -> None:
    from sim.population.mortality import life_expectancy

    config = sim.load_config(["population.size=500"])
    men = _target({"absolute": 1}, 79.5, measure="mortality", group="male")
    women = _target({"absolute": 1}, 83.6, measure="mortality", group="female")
    assert measure_life_expectancy(config, men).values == (life_expectancy(config.population.mortality.male),)
    assert measure_life_expectancy(config, women).values == (
        life_expectancy(config.population.mortality.female),
    )
    assert measure_life_expectancy(config, women).values[0] > measure_life_expectancy(config, men).values[0]


# ------------------------------------------------------------------ the targets file
def test_targets_file_loads_with_every_scope() -> None:
    targets = load_targets()
    assert {t.scope for t in targets.targets} == set(SCOPES)
    # the ageing run starts from the synthesised ages, those of 1 January 2021 (issue 11)
    assert (targets.ageing.start_year, targets.ageing.years) == (2021, 10)
    names = [t.name for t in targets.targets]
    assert len(names) == len(set(names)) == 37  # issue 11: bands, years, 2021-2026, overdue; issue 14: ooh
    for scope in ISSUE3_SCOPES:
        assert all(not t.provisional for t in targets.select([scope]))


def test_targets_cover_every_readme_row_and_sources_exist() -> None:
    lines = (SOURCES_DIR / "calibration.md").read_text().splitlines()
    table = [line for line in lines if line.startswith("| ")]
    rows = table[1:]  # the first line is the header, the separator starts with "|-"
    assert len(rows) == 14
    named = {key for row in rows for key in re.findall(r"`([^`]+)`", row.split("|")[-2])}
    cited = {s for t in load_targets().targets for s in t.source}
    assert named <= cited, f"calibration.md entries without a target: {sorted(named - cited)}"
    missing = sorted(s for s in cited if lookup(s) is None)
    assert not missing, f"sources not in sim/data/sources (denmark.yaml, data_sources.md): {missing}"


def test_hydra_never_composes_the_targets_file() -> None:
    assert targets_path().is_file()
    defaults = yaml.safe_load((ROOT / "configs" / "config.yaml").read_text())["defaults"]
    assert not [d for d in defaults if "calibration" in str(d)]
    config = sim.load_config(["population.size=500"])
    assert "calibration" not in to_dict(config)


# ------------------------------------------------------------------ the baseline against Denmark
@pytest.fixture(scope="module")
def calibration() -> pd.DataFrame:
    result = run_calibration(size=SIZE, replications=REPLICATIONS, scopes=ISSUE3_SCOPES, strict=True)
    return result.table.set_index("name")


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", [t.name for t in load_targets().select(ISSUE3_SCOPES) if t.name not in NOISY_AT_CI]
)
def test_baseline_meets_target(calibration: pd.DataFrame, name: str) -> None:
    row = calibration.loc[name]
    assert row["status"] == PASS, (
        f"{name}: simulated {row['simulated']:.3g} (95% CI {row['ci_low']:.3g}-{row['ci_high']:.3g}, "
        f"n={row['n']}), target {row['target']} {row['tolerance']} [{row['low']:.4g}, {row['high']:.4g}] "
        f"{row['unit']}; {row['note']}"
    )


# ------------------------------------------------------------------ the command line
def _targets_file(tmp_path: Path, **targets: dict) -> Path:
    base = {"description": "d", "scope": "demography", "measure": "run", "unit": "persons", "source": "x"}
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"targets": {k: base | v for k, v in targets.items()}}))
    return path


def test_cli_exits_zero_when_checked_targets_pass(tmp_path: Path) -> None:
    path = _targets_file(
        tmp_path,
        people={"kpi": "population", "group": "all", "value": 1000, "tolerance": {"relative": 50}},
        later={"kpi": "no_such_kpi", "group": "all", "value": 1, "tolerance": {"absolute": 1}},
    )
    args = ["check-calibration", "--targets", str(path), "population.size=1000", "--replications", "1"]
    proc = run_cli(*args, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # off a terminal the run still says how far it is (issue 16 point 6): a line per replication
    assert "calibration: the normal run: replication 1 of 1 done" in proc.stderr, proc.stderr
    table = pd.read_csv(tmp_path / "out" / "calibration.csv").set_index("name")
    assert table.loc["people", "status"] == PASS and table.loc["later", "status"] == NOT_YET
    strict = run_cli(*args, "--strict")
    assert strict.returncode == 1, strict.stdout + strict.stderr


def test_cli_exits_non_zero_when_a_target_fails() -> None:
    bands = (
        "{0-64: {low: 0, high: 64, share: 0.5}, 65-79: {low: 65, high: 79, share: 0.3}, "
        "80+: {low: 80, high: 99, share: 0.2}}"
    )  # 20% aged 80+ instead of 4.5%
    proc = run_cli(
        "check-calibration", "population.size=2000", "--replications", "1", "--scope", "demography",
        f"population.age_bands={bands}",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("demography  share_80plus ")]
    assert line.rstrip().endswith(FAIL), proc.stdout


def test_cli_rejects_bad_override_in_one_line() -> None:
    proc = run_cli("check-calibration", "population.size=-5")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "population.size" in lines[0], proc.stderr


def test_overrides_are_taken_anywhere_but_never_an_options_value() -> None:
    from sim.cli.calibration_cmd import split_overrides

    argv = ["--out", "res/a=b", "population.size=2000", "--scope", "demography", "contacts", "x=1", "~y",
            "--targets", "t=1.yaml"]  # fmt: skip
    options, overrides = split_overrides(argv)
    assert overrides == ["population.size=2000", "x=1", "~y"]
    assert options == ["--out", "res/a=b", "--scope", "demography", "contacts", "--targets", "t=1.yaml"]
    proc = run_cli("check-calibration", "population.size", "2000")  # a stray word is refused
    assert proc.returncode == 2
    assert "not an option or a KEY=VALUE override: population.size 2000" in proc.stderr

