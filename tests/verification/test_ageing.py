"""Verification of the population's ageing path and of holding the population still (issue 11).

- The 80+ count of a population-only projection (the yearly dynamics of a run, without
  services: ``plan_year`` applied year by year) grows every year inside the ranges of
  ``configs/calibration/targets.yaml`` (read from there, so the test and ``sim
  check-calibration`` agree), with no burst in the first years: about +28% over the first
  five years (DST 2021-2026) and about +59% over ten.
- With ``population.dynamics=false`` a run changes no one: ages, who is alive, conditions,
  frailty, home care, bands and the GPs of every practice are those of the start.

CI projects 120,000 people (a year's growth then has a standard error of about 0.4 points);
``SIM_FULL=1`` projects 1,200,000.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.calibration import load_targets
from sim.calibration.targets import Target
from sim.model import SimModel
from sim.population import plan_year, synthesise
from sim.population.mortality import life_expectancy
from sim.population.state import Population
from sim.rng import Streams
from tests.conftest import FULL, small_config

SIZE = 1_200_000 if FULL else 120_000


def _eighty_plus(pop: Population) -> int:
    return int(np.count_nonzero(pop.alive & (pop.band == 2)))


@pytest.fixture(scope="module")
def path() -> np.ndarray:
    """80+ count at the start of each of the ageing run's years (years + 1 values)."""
    years = load_targets().ageing.years
    cfg = small_config(size=SIZE).population
    streams = Streams(2025, 0)
    pop = synthesise(cfg, streams("population.synthesis"))
    counts = [_eighty_plus(pop)]
    for k in range(years):
        plan = plan_year(pop, cfg, streams, k * 365, 365)
        plan.apply(pop, (k + 1) * 365 - 1)
        counts.append(_eighty_plus(pop))
    return np.array(counts, dtype=float)


def _growth_targets() -> list[Target]:
    return [
        t
        for t in load_targets().select(["demography"])
        if t.measure == "ageing" and t.kpi == "population" and t.group == "80+"
    ]


@pytest.mark.parametrize("target", _growth_targets(), ids=lambda t: t.name)
def test_80plus_growth_meets_its_target(path: np.ndarray, target: Target) -> None:
    start, end = target.years or (0, len(path) - 1)
    growth = 100.0 * (path[end] / path[start] - 1.0)
    low, high = target.bounds
    assert low <= growth <= high, (
        f"{target.name}: +{growth:.1f}% from year {start} to {end}, target [{low:g}, {high:g}]; "
        f"path {path.astype(int).tolist()}"
    )


def test_no_burst_in_the_first_years(path: np.ndarray) -> None:
    """The fitted density of the old default grew the 80+ by 13%, 10%, 6% ... 1%; with the real
    ages the first years grow no faster than the middle of the decade."""
    yearly = 100.0 * (path[1:] / path[:-1] - 1.0)
    assert yearly[:3].max() < 7.0 and yearly[:3].mean() <= yearly[3:7].mean() + 0.5, yearly.round(1)
    assert (yearly > 0).all(), yearly.round(1)


def test_life_expectancy_holds_in_the_start_year() -> None:
    mortality = small_config().population.mortality
    assert mortality.improvement_per_year > 0
    assert life_expectancy(mortality.male) == pytest.approx(79.5, abs=0.1)
    assert life_expectancy(mortality.female) == pytest.approx(83.6, abs=0.1)


def test_dynamics_false_holds_everyone_still() -> None:
    """Over a yearly tick after day 0, with the population held still, nothing about anyone
    changes: no ageing, births, deaths or migration, no new conditions, and no GP retires."""
    config = small_config(["population.dynamics=false"], size=3000, years=1.1)
    model = SimModel(config, 0)
    pop = model.population
    before = {
        name: getattr(pop, name).copy()
        for name in ("age", "age_day", "alive", "conditions", "frailty", "home_care", "lives_alone", "band")
    }
    ages_then = pop.age_on(0)
    gps = [p.gp_ages.copy() for p in model.practices]
    assert model.calendar.total_days > model.calendar.warmup_days + 365  # a yearly tick after day 0
    model.run()
    assert pop.n == len(before["age"])  # no one was born or moved in
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(pop, name), value, err_msg=name)
    np.testing.assert_array_equal(pop.age_on(model.calendar.total_days), ages_then)
    assert all(np.array_equal(p.gp_ages, g) for p, g in zip(model.practices, gps, strict=True))
    assert model.recorder.events.sum() == 0
