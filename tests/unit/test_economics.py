"""The cost per avoided avoidable admission (sim/metrics/economics.py): the per-resident outcome,
Fieller's interval of a ratio of paired means, and the study table built from a tidy KPI table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics.economics import cost_effectiveness, fieller


def test_fieller_covers_the_true_ratio_at_about_its_level():
    """Paired (cost, effect) with a true ratio of 30,000 DKK per admission: over many studies of 8
    pairs the 95% interval covers 30,000 about 95% of the time."""
    rng = np.random.default_rng(4)
    covered = 0
    trials = 2000
    for _ in range(trials):
        effect = rng.normal(2.0, 0.5, 8)
        cost = 30_000 * effect + rng.normal(0, 10_000, 8)
        low, high = fieller(cost, effect)
        covered += low <= 30_000 <= high
    assert covered / trials == pytest.approx(0.95, abs=0.015)


def test_fieller_of_an_exact_ratio_is_that_ratio():
    """Costs proportional to the effect in every replication: the interval is the ratio itself
    (rounding must not make it unbounded)."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        effect = rng.uniform(0.5, 2.0, 5)
        low, high = fieller(30_000 * effect, effect)
        assert low == pytest.approx(30_000, rel=1e-6) and high == pytest.approx(30_000, rel=1e-6)


def test_fieller_is_unbounded_when_the_effect_is_not_told_from_zero():
    effect = np.array([0.5, -0.4, 0.3, -0.2, 0.1])
    assert all(math.isnan(x) for x in fieller(effect * 1000 + 5, effect))
    assert all(math.isnan(x) for x in fieller(np.array([1.0]), np.array([1.0])))  # one pair


def _kpis(variant: str, replication: int, cost: float, avoidable_per_1000_65: float) -> list[dict]:
    """A tidy KPI table of one replication: 1,000 residents, 200 of them 65+."""
    rows = [
        ("cost_dkk_per_capita", "total", cost),
        ("avoidable_admissions_per_1000_65plus", "all", avoidable_per_1000_65),
        ("population", "all", 1000.0),
        ("population", "65-79", 150.0),
        ("population", "80+", 50.0),
    ]
    return [
        {"variant": variant, "scenario": variant, "replication": replication, "seed": 1, "metric": m,
         "group": g, "value": v, "unit": ""}
        for m, g, v in rows
    ]  # fmt: skip


def test_the_study_table_pairs_replications_and_gives_the_ratio():
    """Houses cost 10 DKK per resident more and avoid 5 admissions per 1,000 65+ (1 per 1,000
    residents at a 65+ share of 0.2): 10,000 DKK per avoided admission."""
    rows = []
    for r, (extra, fewer) in enumerate([(9.0, 4.0), (10.0, 5.0), (11.0, 6.0), (10.0, 5.0)]):
        rows += _kpis("baseline", r, 5000.0 + 7 * r, 60.0 + r)
        rows += _kpis("houses", r, 5000.0 + 7 * r + extra, 60.0 + r - fewer)
        rows += _kpis("worse", r, 5000.0 + 7 * r + 5, 60.0 + r + 1)
    table = cost_effectiveness(pd.DataFrame(rows), "baseline").set_index("variant")
    houses = table.loc["houses"]
    assert houses["n"] == 4
    assert houses["extra_cost_dkk_per_resident"] == pytest.approx(10.0)
    assert houses["avoided_per_1000_residents"] == pytest.approx(1.0)
    assert houses["dkk_per_avoided_admission"] == pytest.approx(10_000.0)
    assert houses["ci_low"] < 10_000 < houses["ci_high"]
    worse = table.loc["worse"]  # more admissions: no ratio
    assert worse["avoided_per_1000_residents"] == pytest.approx(-0.2)
    assert math.isnan(worse["dkk_per_avoided_admission"]) and math.isnan(worse["ci_low"])
    assert "baseline" not in table.index


def test_without_the_kpis_it_needs_the_table_is_empty():
    frame = pd.DataFrame(_kpis("baseline", 0, 1.0, 1.0)[:1] + _kpis("houses", 0, 1.0, 1.0)[:1])
    assert cost_effectiveness(frame, "baseline").empty
    assert cost_effectiveness(pd.DataFrame(), "baseline").empty


def test_in_a_sweep_over_places_each_variant_meets_its_own_place():
    """Health houses in place B against the baseline of place B, not of place A."""
    rows = []
    for r in range(3):
        rows += _kpis("baseline | place=A", r, 5000.0 + r, 60.0 + r)
        rows += _kpis("hh | place=A", r, 5010.0 + r, 55.0 + r)
        rows += _kpis("baseline | place=B", r, 25000.0 + r, 80.0 + r)
        rows += _kpis("hh | place=B", r, 25020.0 + r, 70.0 + r)
    table = cost_effectiveness(pd.DataFrame(rows), "baseline | place=A").set_index("variant")
    assert set(table.index) == {"hh | place=A", "hh | place=B"}
    assert table.loc["hh | place=B", "reference"] == "baseline | place=B"
    assert table.loc["hh | place=B", "extra_cost_dkk_per_resident"] == pytest.approx(20.0)
    assert table.loc["hh | place=B", "dkk_per_avoided_admission"] == pytest.approx(10_000.0)
