"""The health house's capital cost: an annuity that repays the house, and its cost component."""

from __future__ import annotations

import dataclasses

import pytest

from sim.config.services import CostConfig
from sim.metrics import compute_kpis
from sim.metrics.practice_kpis import end_of
from sim.metrics.rates import person_years
from sim.model import SimModel
from tests.conftest import small_config


def test_the_annuity_repays_the_capital_at_the_discount_rate() -> None:
    costs = CostConfig()
    payment = costs.capital_annuity()
    assert payment == pytest.approx(1_000_433, abs=1)  # 18.4 mio over 30 years at 3.5%
    present = sum(payment / (1 + costs.discount_rate) ** t for t in range(1, costs.capital_years + 1))
    assert present == pytest.approx(costs.house_capital)
    flat = dataclasses.replace(costs, discount_rate=0.0)
    assert flat.capital_annuity() == pytest.approx(costs.house_capital / costs.capital_years)
    assert dataclasses.replace(costs, discount_rate=0.05).capital_annuity() > payment  # dearer money


def _cost_rows(model: SimModel) -> dict[str, float]:
    rows = compute_kpis(model)
    return {r[1]: r[2] for r in rows if r[0] == "cost_dkk_per_capita"}


def test_health_houses_carry_their_capital_and_the_baseline_none() -> None:
    """The component is the houses at the end x the annuity x the measured years per person-year,
    it is part of the total, and the baseline (no houses) has no such row."""
    config = small_config(["scenario=health_houses"], size=6000, years=0.2)
    model = SimModel(config, 0)
    model.run()
    cost = _cost_rows(model)
    houses = sum(1 for p in end_of(model).practices if p.kind == "health_house" and not p.closed)
    assert houses >= 1
    _, py = person_years(model)
    expected = houses * config.services.costs.capital_annuity() * model.calendar.years / py
    assert cost["health_house_capital"] == pytest.approx(expected)
    assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))
    baseline = SimModel(small_config(size=3000, years=0.1), 0)
    baseline.run()
    assert "health_house_capital" not in _cost_rows(baseline)
