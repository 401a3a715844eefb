"""Population arrays: synthesis, conditions, mortality and the conservation of people."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.schema import ConditionConfig, GompertzMakeham
from sim.model import SimModel
from sim.population import plan_year, synthesise
from sim.population.mortality import hazard, life_expectancy, survival
from sim.population.synth import age_density, prevalence
from sim.rng import Streams
from tests.conftest import small_config


def test_synthesis_matches_band_shares_exactly_on_average() -> None:
    cfg = small_config(size=60_000).population
    pop = synthesise(cfg, Streams(1, 0)("population.synthesis"))
    assert pop.count_alive() == 60_000
    shares = np.bincount(pop.band, minlength=3) / pop.n
    np.testing.assert_allclose(shares, [b.share for b in cfg.age_bands.values()], atol=0.005)
    _ages, prob = age_density(cfg)
    assert prob.min() >= 0 and abs(prob.sum() - 1) < 1e-12
    assert pop.age.min() >= 0 and pop.age.max() < cfg.max_age + 1


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


def test_sicker_people_die_more() -> None:
    model = SimModel(small_config(size=30_000, years=1), 0)
    model.run()
    pop = model.population
    old = (pop.arrive_day < 0) & (pop.band >= 1)
    died = old & ~pop.alive
    multi = pop.n_conditions() >= 3
    assert died[multi].sum() / max(old[multi].sum(), 1) > died[~multi].sum() / max(old[~multi].sum(), 1)


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
    keeps each condition at its configured prevalence by age."""
    from sim.population import project

    config = small_config(size=20000).population
    pop = synthesise(config, Streams(2025, 0)("population.synthesis"))
    project(pop, config, Streams(2025, 0), 10)
    alive = np.flatnonzero(pop.alive)
    age, female = pop.age_on(0)[alive].astype(float), pop.female[alive]
    old = age >= 65
    for bit, cond in enumerate(config.conditions.values()):
        has = ((pop.conditions[alive] >> bit) & 1).astype(bool)
        expected = prevalence(cond, age[old], female[old]).mean()
        assert abs(has[old].mean() - expected) < 0.1 * expected + 0.005, cond
