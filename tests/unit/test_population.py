"""Population arrays: synthesis, conditions, mortality and the conservation of people."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ConfigError
from sim.config.schema import ConditionConfig, GompertzMakeham, MortalityConfig
from sim.model import SimModel
from sim.population import plan_year, synthesise
from sim.population.ages import age_density, age_sex_table, quota, real_table
from sim.population.mortality import (
    cumulative_hazard,
    death_probability,
    hazard,
    improvement_factor,
    life_expectancy,
    survival,
)
from sim.population.synth import prevalence
from sim.rng import Streams
from tests.conftest import small_config

# DST 1 January 2021, 98 municipalities (sim/data/denmark/population_by_age_2021.csv)
DST_2021_TOTAL = 5_839_955
DST_2021_BANDS = {  # 5-year bands of 65+: persons
    (65, 70): 319_463, (70, 75): 317_767, (75, 80): 256_921, (80, 85): 154_708, (85, 90): 81_936,
    (90, 200): 45_458,
}  # fmt: skip


def test_synthesis_matches_band_shares_exactly() -> None:
    """Quota sampling: each band holds its share to within one person (the fitted density of
    the old default was checked to 0.5 points on average; the real table is checked exactly)."""
    cfg = small_config(size=60_000).population
    pop = synthesise(cfg, Streams(1, 0)("population.synthesis"))
    assert pop.count_alive() == 60_000
    shares = np.bincount(pop.band, minlength=3) / pop.n
    np.testing.assert_allclose(shares, [b.share for b in cfg.age_bands.values()], atol=1e-4 + 1 / 60_000)
    _ages, prob = age_density(cfg)
    assert prob.min() >= 0 and abs(prob.sum() - 1) < 1e-12
    assert pop.age.min() >= 0 and pop.age.max() < cfg.max_age + 1


def test_the_package_table_is_dst_2021() -> None:
    ages, counts = real_table("denmark_2021")
    assert counts.sum() == DST_2021_TOTAL and ages[0] == 0 and (np.diff(ages) == 1).all()
    total = counts.sum(axis=1)
    for (low, high), persons in DST_2021_BANDS.items():
        assert total[low:high].sum() == persons
    women = counts[:, 1]
    assert women[80:].sum() / total[80:].sum() > women[:65].sum() / total[:65].sum() + 0.05


@pytest.mark.parametrize("size", [3000, 59_246])
def test_five_year_bands_match_dst_2021(size: int) -> None:
    cfg = small_config(size=size).population
    pop = synthesise(cfg, Streams(3, 0)("population.synthesis"))
    age = pop.age_on(0)
    for (low, high), persons in DST_2021_BANDS.items():
        share = np.mean((age >= low) & (age < high))
        assert abs(share - persons / DST_2021_TOTAL) < 0.003, (low, high)
    # the largest 5-year group of 65+ is 65-69 then 70-74, as in Denmark (the fitted density had 75-79)
    counts = [np.sum((age >= low) & (age < low + 5)) for low in range(65, 100, 5)]
    assert np.argmax(counts) in (0, 1) and counts[2] < min(counts[:2])


def test_quota_rounds_each_cell_and_keeps_the_total() -> None:
    rng = np.random.default_rng(5)
    prob = rng.random((106, 2))
    prob /= prob.sum()
    for n in (1, 17, 1000, 59_246):
        counts = quota(prob, n, rng)
        assert counts.sum() == n and counts.shape == prob.shape
        assert (counts >= np.floor(prob * n - 1e-9)).all() and (counts <= np.ceil(prob * n + 1e-9)).all()
        cum = np.cumsum(counts.ravel()) - np.cumsum(prob.ravel()) * n
        assert np.abs(cum).max() < 1 + 1e-9  # every run of cells (every age band) within one person


def test_presets_reweight_the_real_table_to_their_band_shares() -> None:
    for preset in ("urban", "rural"):
        cfg = small_config([f"population={preset}"], size=20_000).population
        assert cfg.ages == "denmark_2021"
        pop = synthesise(cfg, Streams(1, 0)("population.synthesis"))
        shares = np.bincount(pop.band, minlength=3) / pop.n
        np.testing.assert_allclose(shares, [b.share for b in cfg.age_bands.values()], atol=1e-4)
    # the band-share density (the earlier default) is still available
    cfg = small_config(["population.ages=bands"], size=20_000).population
    table = age_sex_table(cfg)
    assert abs(table.sum() - 1) < 1e-12 and table[80:, 1].sum() > table[80:, 0].sum()


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("population.ages=denmark_1901", "population.ages"),
        ("population.mortality.improvement_per_year=0.5", "population.mortality.improvement_per_year"),
        ("population.mortality.improvement_per_year=-0.01", "population.mortality.improvement_per_year"),
    ],
)
def test_bad_population_values_name_the_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        small_config([override])
    message = str(err.value)
    assert message.startswith(key) and len(message.splitlines()) == 1, message


def test_bands_density_needs_bands_that_do_not_overlap() -> None:
    cfg = small_config().population
    with pytest.raises(ConfigError, match=r"^age_bands: needed when ages is bands"):
        dataclasses.replace(cfg, ages="bands", age_bands={})
    bands = dict(cfg.age_bands)
    bands["65-79"] = dataclasses.replace(bands["65-79"], low=60)
    with pytest.raises(ConfigError, match=r"^age_bands\.65-79: ages 60-79 overlap band 0-64"):
        dataclasses.replace(cfg, age_bands=bands)


def test_women_outnumber_men_among_the_oldest() -> None:
    cfg = small_config(size=60_000).population
    pop = synthesise(cfg, Streams(2, 0)("population.synthesis"))
    assert pop.female[pop.band == 2].mean() > pop.female[pop.band == 0].mean() + 0.05


def test_people_are_conserved_over_years() -> None:
    model = SimModel(small_config(size=8000, years=2.5), 0)
    model.run()
    rec = model.recorder
    events = rec.events.sum(axis=0)  # births, immigrants, deaths, emigrants
    start, end = rec.population_counts[0], rec.population_counts[-1]
    warm = rec.events[: model.calendar.warmup_days].sum(axis=0)
    change = end.total - start.total
    assert events[0] > 0 and events[2] > 0
    assert change == (events - warm) @ np.array([1, 1, -1, -1])
    assert model.population.count_alive() == end.total


def test_plan_spreads_events_over_the_year() -> None:
    cfg = small_config(size=60_000).population
    streams = Streams(7, 0)
    pop = synthesise(cfg, streams("population.synthesis"))
    plan = plan_year(pop, cfg, streams, 0, 365)
    assert plan.day.min() >= 0 and plan.day.max() < 365 and (np.diff(plan.day) >= 0).all()
    assert len(np.unique(plan.day)) > 300
    not_yet = ~pop.alive & (pop.arrive_day >= 0)
    assert not_yet.sum() == np.count_nonzero(plan.kind <= 1)


def test_dynamics_false_plans_nothing_and_changes_no_one() -> None:
    cfg = small_config(["population.dynamics=false"], size=5000).population
    streams = Streams(4, 0)
    pop = synthesise(cfg, streams("population.synthesis"))
    assert pop.frozen
    names = ("age", "alive", "conditions", "frailty", "home_care", "band")
    before = {n: getattr(pop, n).copy() for n in names}
    ages = pop.age_on(0)
    plan = plan_year(pop, cfg, streams, 400, 365)
    counts, arrived, _ = plan.apply(pop, 764)
    assert len(plan.day) == 0 and counts.sum() == 0 and len(arrived) == 0
    assert pop.n == 5000 and pop.count_alive() == 5000
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(pop, name), value, err_msg=name)
    np.testing.assert_array_equal(pop.age_on(764), ages)  # ages do not advance with the clock


def test_sicker_people_die_more() -> None:
    model = SimModel(small_config(size=30_000, years=1), 0)
    model.run()
    pop = model.population
    old = (pop.arrive_day < 0) & (pop.band >= 1)
    died = old & ~pop.alive
    multi = pop.n_conditions() >= 3
    assert died[multi].sum() / max(old[multi].sum(), 1) > died[~multi].sum() / max(old[~multi].sum(), 1)


def test_mortality_trend_leaves_the_start_year_on_the_life_table() -> None:
    params = GompertzMakeham(A=0.0003, B=9e-6, C=0.109)
    cfg = MortalityConfig(male=params, female=params, improvement_per_year=0.025)
    assert improvement_factor(cfg, 0) == 1.0 and improvement_factor(cfg, 10) == pytest.approx(0.975**10)
    e0 = life_expectancy(params)
    assert life_expectancy(params, factor=improvement_factor(cfg, 0)) == pytest.approx(e0)
    assert life_expectancy(params, factor=improvement_factor(cfg, 10)) > e0 + 2
    age = np.full(4, 85.0)
    female, ratio = np.zeros(4, bool), np.ones(4)
    later = death_probability(age, female, ratio, 1.0, cfg, year=10)
    assert (later < death_probability(age, female, ratio, 1.0, cfg, year=0)).all()


def test_deaths_follow_the_life_table_on_average_despite_hazard_ratios() -> None:
    """Each person's probability (not hazard) is scaled by their relative risk, so the expected
    deaths of an age and sex are the life table's; with hazards scaled, 80+ had 10% too few."""
    params = GompertzMakeham(A=0.0003, B=9e-6, C=0.109)
    cfg = MortalityConfig(male=params, female=params)
    rng = np.random.default_rng(2)
    age = np.repeat([70.5, 85.5, 97.5, 104.5], 5000)
    ratio = np.exp(rng.normal(0, 1.0, len(age)))  # wide spread: some probabilities reach the cap
    q = death_probability(age, np.zeros(len(age), bool), ratio, 1.0, cfg)
    expected = -np.expm1(-(cumulative_hazard(age + 1, params) - cumulative_hazard(age, params)))
    assert q.max() <= 1.0
    for a in np.unique(age):
        sel = age == a
        assert q[sel].mean() == pytest.approx(expected[sel].mean(), rel=1e-6)
        assert np.corrcoef(q[sel], ratio[sel])[0, 1] > 0.5


def test_life_table_functions_agree() -> None:
    params = GompertzMakeham(A=0.0005, B=3e-5, C=0.1)
    ages = np.linspace(0, 110, 23)
    s = survival(ages, params)
    assert s[0] == 1 and (np.diff(s) < 0).all()
    # hazard = -d log S / da, checked by a small central difference
    h, inner = 1e-4, ages[1:]
    slope = -(np.log(survival(inner + h, params)) - np.log(survival(inner - h, params))) / (2 * h)
    np.testing.assert_allclose(slope, hazard(inner, params), rtol=1e-3)
    assert 60 < life_expectancy(params) < 95
    assert life_expectancy(params, 60) < life_expectancy(params, 0)


anchor_ages = st.lists(st.integers(0, 100), min_size=1, max_size=5, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    ages=anchor_ages,
    values=st.lists(st.floats(0.0, 0.95), min_size=5, max_size=5),
    odds=st.floats(0.1, 10.0),
)
def test_prevalence_rises_with_age_and_stays_a_probability(ages, values, odds) -> None:
    anchors = {str(a): v for a, v in zip(sorted(ages), sorted(values)[: len(ages)], strict=False)}
    cond = ConditionConfig(prevalence=anchors, female_odds_ratio=odds)
    grid = np.linspace(0, 110, 221)
    for female in (False, True):
        p = prevalence(cond, grid, np.full(len(grid), female))
        assert ((p >= 0) & (p <= 1)).all()
        assert (np.diff(p) >= -1e-12).all()


def test_projection_holds_prevalence_by_age_among_survivors() -> None:
    """The ill die sooner, so without new incidence prevalence among the old would drift down
    over a projection (COPD among 65+ fell from 11% to 8% over ten years): the yearly top-up
    keeps each condition at its configured prevalence by age. Checked at a yearly tick (the
    next one, on day 0): between ticks the ill keep dying sooner while incidence waits for the
    tick, so a year after a tick dementia among 65+ is down to about 6.3% against 7.6%."""
    from sim.population import project

    config = small_config(size=20000).population
    streams = Streams(2025, 0)
    pop = synthesise(config, streams("population.synthesis"))
    project(pop, config, streams, 10)
    plan_year(pop, config, streams, 0, 365)  # the tick that starts a run after the projection
    alive = np.flatnonzero(pop.alive)
    age, female = pop.age_on(0)[alive].astype(float), pop.female[alive]
    old = age >= 65
    for bit, cond in enumerate(config.conditions.values()):
        has = ((pop.conditions[alive] >> bit) & 1).astype(bool)
        expected = prevalence(cond, age[old], female[old]).mean()
        assert abs(has[old].mean() - expected) < 0.1 * expected + 0.005, cond
