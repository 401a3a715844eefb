"""``sim sensitivity``: the design over the mechanism register, its sample configs, the sweep and
the analysis (issue 14, point 7).

The analysis is checked against a known truth (an effect that depends on one factor only); the
command runs a small Morris design end to end in CI (two factors, two trajectories, two
scenarios at 1,500 people: 12 jobs); ``SIM_FULL=1`` runs more factors and a Latin design.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.report.sensitivity import sensitivity_folder, sensitivity_section
from sim.report.sensitivity_text import half_crossing
from sim.sensitivity.analysis import economics, effects, rank, summarise
from sim.sensitivity.design import (
    Design,
    applies,
    bounds,
    check_samples,
    nearest,
    parse_sample_name,
    sample,
    select,
    values,
    write_samples,
)
from tests.conftest import FULL

TINY = ("population.size=1500", "years=0.15", "warmup_days=7", "warm_start_days=7")


def test_factors_are_the_modelled_entries_with_a_range() -> None:
    every = select()
    assert len(every) > 50
    assert all(m.modelled for m in every)
    switch = next(m for m in every if m.scale == "switch")
    assert bounds(switch) == (0.0, 1.0)
    levels = next(m for m in every if m.scale == "levels")
    assert bounds(levels) == (-0.5, len(levels.levels) - 0.5)  # each level drawn equally often
    with pytest.raises(ValueError, match="did you mean chronic_care_hazard"):
        select(["chronic_care_hazards"])


def test_a_scenario_keeps_its_own_lever() -> None:
    """Health houses' merging is not an assumption of the baseline (it would make houses there);
    a multiplier applies to every scenario, on the scenario's own value."""
    merge, rates, hazard = select(["merge_solo", "episode_rates", "chronic_care_hazard"])
    assert applies(merge, "health_houses") and not applies(merge, "baseline")
    assert applies(rates, "baseline") and applies(rates, "health_houses")
    assert applies(hazard, "acute_function")


def test_sample_configs_set_the_design_values_per_scenario(tmp_path: Path) -> None:
    factors = select(["chronic_care_hazard", "merge_solo", "booking_priority"])
    design = sample(factors, "morris", 2, seed=3)
    assert design.points.shape == (2 * (len(factors) + 1), len(factors))
    files = write_samples(design, ["baseline", "health_houses"], tmp_path)
    assert all(path.parent == tmp_path / "configs" / "sample" for path in files)
    assert len(files) == 2 * len(design.points)
    for path in files:
        index, scenario = parse_sample_name(path.stem)
        data = yaml.safe_load(path.read_text().split("\n", 1)[1])
        assert data["defaults"] == [{"override /scenario": scenario}]
        x = design.points[index]
        assert data["demand"]["chronic_care"]["hazard_coefficient"] == pytest.approx(x[0])
        merge = data.get("organisation", {}).get("merge", {}).get("types", {}).get("solo")
        assert (merge is None) == (scenario == "baseline")  # the baseline's lever stays its own
        levels = factors[2].levels
        if scenario == "baseline":  # health_houses sets its own booking parameters: its lever
            assert data["rules"]["booking"]["params"]["priority"] == levels[nearest(x[2], 0, len(levels) - 1)]
    design_csv = pd.read_csv(tmp_path / "design.csv")
    np.testing.assert_allclose(design_csv[[m.name for m in factors]].to_numpy(), design.points)


def _effects(metric: str, unit: str, values: np.ndarray) -> pd.DataFrame:
    """An effects table of one scenario ``s`` and KPI, one row per design point."""
    return pd.DataFrame(
        {"sample": range(len(values)), "scenario": "s", "metric": metric, "group": "all", "unit": unit,
         "effect": values}
    )  # fmt: skip


def test_the_ranking_finds_the_factor_an_effect_depends_on() -> None:
    """A known truth: the effect is 3 x (first factor), the second does nothing. Morris mu* is
    3 x the first factor's range and 0 for the second; the summary's interval and better-share
    follow the effect's values."""
    factors = select(["chronic_care_hazard", "care_seeking"])
    for method, n in (("morris", 6), ("latin", 40)):
        design = sample(factors, method, n, seed=1)
        x = design.points[:, 0]
        # below 0 (better) when the coefficient is under 0.3
        effect = _effects("avoidable_admissions_per_1000_65plus", "per 1000", 3.0 * (x - 0.3))
        ranking = rank(design, effect)
        first = ranking.set_index("factor").loc["chronic_care_hazard"]
        other = ranking.set_index("factor").loc["care_seeking"]
        assert first["rank"] == 1 and other["rank"] == 2
        if method == "morris":
            low, high = bounds(factors[0])
            assert first["influence"] == pytest.approx(3.0 * (high - low))
            assert other["influence"] == pytest.approx(0.0)
        else:  # the partial rank correlation of an effect that is a monotone function of one factor
            assert first["influence"] == pytest.approx(1.0)
            assert abs(other["influence"]) < other["influence_conf"]  # chance, and not named
        summary = summarise(effect)
        assert summary["p_better"].iloc[0] == pytest.approx(np.mean(x < 0.3))
        assert 0 < summary["p_better"].iloc[0] < 1
        assert summary["p05"].iloc[0] < summary["median"].iloc[0] < summary["p95"].iloc[0]


def test_prcc_does_not_credit_a_factor_for_its_correlation_with_a_driver() -> None:
    """In a design where an idle factor correlates with the driver (as 40 Latin points of 13
    factors can), Spearman's rho credits the idle one; the partial rank correlation does not."""
    from scipy.stats import spearmanr

    from sim.sensitivity.analysis import prcc

    rng = np.random.default_rng(4)
    driver = rng.uniform(size=60)
    idle = 0.6 * driver + 0.4 * rng.uniform(size=60)  # correlated with the driver, no effect
    x = np.column_stack([driver, idle, rng.uniform(size=60)])
    y = 5 * driver + 0.3 * rng.normal(size=60)
    assert spearmanr(idle, y).statistic > 0.5
    coef = prcc(x, y)
    assert coef[0] > 0.9 and abs(coef[1]) < 0.3 and abs(coef[2]) < 0.3


def test_effects_pair_each_sample_with_its_own_reference() -> None:
    values = pd.DataFrame(
        {
            "sample": [0, 0, 1, 1, 2],
            "scenario": ["baseline", "x", "baseline", "x", "x"],  # sample 2 has no reference run
            "metric": "routine_wait_days_mean",
            "group": "all",
            "unit": "days",
            "value": [2.0, 1.5, 4.0, 3.0, 9.0],
        }
    )
    out = effects(values, "baseline")
    assert out.sort_values("sample")["effect"].tolist() == [-0.5, -1.0]


def test_cost_per_avoided_admission_and_its_acceptability_curve() -> None:
    """A known truth: 200 of 1,000 residents are 65+, the scenario lowers avoidable admissions from
    60 to 54 per 1,000 65+ (1.2 fewer per 1,000 residents) at 10, 20, 30 or 40 DKK more per resident:
    25 DKK / 0.0012 = 20,833 DKK per avoided admission; worth it in half the samples from 25,000."""
    rows = []
    for i in range(4):
        for scenario, cost, rate in (("baseline", 1000.0, 60.0), ("x", 1000.0 + 10 * (i + 1), 54.0)):
            rows += [
                (i, scenario, "cost_dkk_per_capita", "total", cost),
                (i, scenario, "avoidable_admissions_per_1000_65plus", "all", rate),
                (i, scenario, "population", "all", 1000.0),
                (i, scenario, "population", "65-79", 150.0),
                (i, scenario, "population", "80+", 50.0),
            ]
    values = pd.DataFrame(rows, columns=["sample", "scenario", "metric", "group", "value"]).assign(unit="u")
    icer, ceac = economics(values, "baseline")
    row = icer.set_index("scenario").loc["x"]
    assert row["cost_dkk_per_resident"] == pytest.approx(25.0)
    assert row["avoided_per_1000_residents"] == pytest.approx(1.2)
    assert row["cost_per_avoided_admission"] == pytest.approx(25.0 / 0.0012)
    assert row["dominant_share"] == 0.0
    curve = ceac.set_index("threshold_dkk")["p_cost_effective"]
    assert curve[0] == 0.0 and curve[25_000] == 0.5 and curve[50_000] == 1.0
    assert half_crossing(ceac, "x") == "25,000"


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "sensitivity", "--out", str(tmp_path / "sens"), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=1800,
    )


def test_sensitivity_command_runs_a_small_design(tmp_path: Path) -> None:
    factors = "chronic_care_hazard,acute_direct_calls"
    if FULL:
        factors += ",ooh_treat_factor,episode_rates,acute_treat_at_home,named_gp_share"
    out = _run(tmp_path, "--factors", factors, "-n", "2", "--scenarios", "baseline,acute_function", *TINY)
    assert out.returncode == 0, out.stderr[-3000:]
    folder = tmp_path / "sens"
    facts = json.loads((folder / "sensitivity.json").read_text())
    assert facts["scenarios"] == ["baseline", "acute_function"]
    n_factors = len(factors.split(","))
    jobs = list((folder / "runs").glob("*/manifest.json"))
    assert len(jobs) == 2 * (n_factors + 1) * 2
    summary = pd.read_csv(folder / "sensitivity_summary.csv")
    assert set(summary["scenario"]) == {"acute_function"}
    assert "avoidable_admissions_per_1000_65plus" in set(summary["metric"])
    assert (summary["samples"] == 2 * (n_factors + 1)).all()
    ranking = pd.read_csv(folder / "sensitivity_ranking.csv")
    assert set(ranking["factor"]) == set(factors.split(","))
    assert (folder / "sensitivity.png").stat().st_size > 5000
    assert (folder / "ceac.png").stat().st_size > 5000
    icer = pd.read_csv(folder / "sensitivity_icer.csv")
    assert icer["scenario"].tolist() == ["acute_function"] and icer["samples"].iloc[0] == 2 * (n_factors + 1)
    text = (folder / "sensitivity.md").read_text()
    assert "How much the answers depend on assumptions" in text and "| acute_function |" in text
    assert "Cost per avoided avoidable admission" in text
    # each job ran its sample's values: the design's hazard ratio is in the job's config
    design = pd.read_csv(folder / "design.csv").set_index("sample")
    for manifest in jobs:
        job = manifest.parent
        config = yaml.safe_load((job / ".hydra" / "config.yaml").read_text())
        name = next(o for o in json.loads(manifest.read_text())["overrides"] if o.startswith("+sample="))
        index, scenario = parse_sample_name(name.split("=", 1)[1])
        assert config["scenario"]["name"] == scenario
        hazard = design.loc[index, "chronic_care_hazard"]
        assert config["demand"]["chronic_care"]["hazard_coefficient"] == pytest.approx(hazard)
    # the report's section: the table and the plot, inline; without an analysis, how to make one
    html = sensitivity_section(sensitivity_folder(tmp_path, folder))
    assert "How much the answers depend on assumptions" in html and html.count("data:image/png;base64,") == 2
    assert "Cost per avoided avoidable admission" in html
    assert html.count("<tr><td>acute_function</td>") == len(summary) + 1  # and its cost per avoided admission
    assert "sim sensitivity" in sensitivity_section(sensitivity_folder(tmp_path))
    again = _run(tmp_path, "--analyse", str(folder))  # the analysis alone reads the same sweep
    assert again.returncode == 0, again.stderr[-2000:]
    assert pd.read_csv(folder / "sensitivity_summary.csv").equals(summary)


def test_sensitivity_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    out = _run(tmp_path, "--factors", "no_such_factor", *TINY)
    assert out.returncode == 2 and "no_such_factor" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = _run(tmp_path, "--factors", "overdue_grace", "--scenarios", "baseline", *TINY)
    assert out.returncode == 2 and "--scenarios" in out.stderr
    out = _run(
        tmp_path, "--factors", "overdue_grace", "--scenarios", "baseline,acute_function", "scenario=x", *TINY
    )
    assert out.returncode == 2 and "scenario=" in out.stderr
    out = _run(tmp_path, "--factors", "retirement", "--scenarios", "baseline,gp_shortage", *TINY)
    assert out.returncode == 2 and "retire_probability" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    out = _run(tmp_path, "--factors", "overdue_grace", "-n", "1", "--scenarios", "baseline,acute_function",
               "population.size=-5")  # fmt: skip
    assert out.returncode == 2 and "population.size" in out.stderr
    assert not list((tmp_path / "sens").glob("runs/*/manifest.json"))  # nothing ran


def test_design_is_reproducible() -> None:
    factors = select(["chronic_care_hazard", "care_seeking", "booking_priority"])
    a, b = sample(factors, "latin", 10, seed=5), sample(factors, "latin", 10, seed=5)
    np.testing.assert_array_equal(a.points, b.points)
    assert isinstance(a, Design) and a.problem["names"] == [m.name for m in factors]


def test_a_plug_in_service_is_varied_only_where_the_scenario_has_it() -> None:
    """Setting a parameter of services.plugins.rehabilitation would switch the service on: the
    rehabilitation factors apply to the rehabilitation scenario only (multiplier or not)."""
    plugin = [
        m for m in select() if any(p.startswith("services.plugins.rehabilitation.") for p in m.parameters)
    ]
    assert plugin
    for entry in plugin:
        assert applies(entry, "rehabilitation")
        assert not any(applies(entry, s) for s in ("baseline", "health_houses", "acute_function"))


def test_levels_and_whole_numbers_are_drawn_evenly() -> None:
    """Each level of a setting and each whole number of a range is drawn equally often (uniform
    over a range widened by half a step each side, then rounded half up)."""
    rule, grace = select(["booking_priority", "overdue_grace"])
    design = sample([rule, grace], "latin", 300, seed=2)
    chosen = [values(rule, x, "baseline")["rules.booking.params.priority"] for x in design.points[:, 0]]
    counts = {level: chosen.count(level) for level in rule.levels}
    assert set(counts.values()) == {150}
    low, high = grace.range
    days = [values(grace, x, "baseline")["demand.overdue_grace_days"] for x in design.points[:, 1]]
    assert min(days) == low and max(days) == high
    per_day = np.bincount(np.array(days) - int(low))
    # about 300 / 61 = 4.9 each; the ends too (rounding over the bare range gives them 2.5)
    assert per_day.min() >= 4 and per_day.max() <= 6 and per_day[0] >= 4 and per_day[-1] >= 4


def test_a_sample_outside_a_field_is_refused_naming_factor_and_key() -> None:
    """A multiplier on the GP shortage's own retirement probabilities (0.7 at 70) would pass 1."""
    design = sample(select(["retirement"]), "latin", 8, seed=1)
    problem = check_samples(design, ["baseline", "gp_shortage"])
    assert problem is not None and "retirement" in problem and "retire_probability" in problem
    assert check_samples(sample(select(["overdue_grace"]), "latin", 4, seed=1), ["baseline"]) is None


def test_a_missing_job_costs_its_trajectory_not_the_ranking() -> None:
    factors = select(["chronic_care_hazard", "care_seeking"])
    design = sample(factors, "morris", 4, seed=1)
    x = design.points[:, 0]
    effect = _effects("routine_wait_days_mean", "days", 2.0 * x).drop(index=4)  # a job of trajectory 2 failed
    ranking = rank(design, effect).set_index("factor")
    assert ranking.loc["chronic_care_hazard", "rank"] == 1
    assert ranking.loc["chronic_care_hazard", "influence"] == pytest.approx(
        2.0 * np.ptp(bounds(factors[0]))
    )
