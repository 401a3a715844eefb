"""Plug-in services (sim/services/base.py): the rehabilitation example acts through its hook only."""

from __future__ import annotations

import pytest

import sim
from tests.conftest import small_config

ALL_REHABILITATED = (
    "scenario=rehabilitation",
    "services.plugins.rehabilitation.params.readmission_hazard_ratio=0",
    "services.plugins.rehabilitation.params.start_days=0",
    "services.plugins.rehabilitation.params.share={0-64:1,65-79:1,80+:1}",
    "+services.plugins.rehabilitation.params.home_care_only=false",
)


def _kpi(kpis, metric: str, group: str) -> float:
    return float(kpis.loc[(kpis.metric == metric) & (kpis.group == group), "value"].iloc[0])


def test_rehabilitation_that_removes_the_hazard_leaves_no_readmission() -> None:
    """Everyone discharged is rehabilitated at once with a hazard ratio of 0: no readmission,
    while the same seeds without the plug-in readmit (an extreme of the verification layer)."""
    base = sim.run(small_config(["seed=3"], size=8000, years=0.4)).kpis
    rehab = sim.run(small_config([*ALL_REHABILITATED, "seed=3"], size=8000, years=0.4)).kpis
    assert _kpi(base, "readmissions_30d_share", "all") > 0
    assert _kpi(rehab, "readmissions_30d_share", "all") == 0
    assert _kpi(rehab, "rehabilitation_courses_per_1000_65plus", "65+") > 0
    assert "rehabilitation_courses_per_1000_65plus" not in set(base.metric)


def test_a_plugin_that_does_nothing_changes_nothing() -> None:
    """With a share of 0 the plug-in is built and asked at every discharge, and every KPI of the
    run without it is the same to the last digit (its draws are its own stream)."""
    base = sim.run(small_config(["seed=5"], size=4000, years=0.3)).kpis
    idle = ["scenario=rehabilitation", "services.plugins.rehabilitation.params.share={0-64:0,65-79:0,80+:0}"]
    with_plugin = sim.run(small_config([*idle, "seed=5"], size=4000, years=0.3)).kpis
    shared = with_plugin[with_plugin.metric.isin(set(base.metric))].drop(columns="scenario")
    assert shared.reset_index(drop=True).equals(base.drop(columns="scenario").reset_index(drop=True))


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("services.plugins.rehabilitation.params.share={0-64:0,65-79:2,80+:0}", "params.share.65-79"),
        ("services.plugins.rehabilitation.params.start_days=-1", "params.start_days"),
        ("+services.plugins.rehabilitation.params.sharre=1", "params.sharre"),
    ],
)
def test_plugin_params_are_validated_naming_the_key(override: str, key: str) -> None:
    with pytest.raises(sim.ConfigError) as info:
        sim.load_config(["scenario=rehabilitation", override], check=sim.runner.check)
    assert info.value.key == f"services.plugins.rehabilitation.{key}", str(info.value)


def test_an_unknown_plugin_is_refused() -> None:
    with pytest.raises(sim.ConfigError, match="no plug-in service named 'nope'") as info:
        sim.load_config(["+services.plugins={nope:{params:{}}}"], check=sim.runner.check)
    assert info.value.key == "services.plugins.nope"


def test_rehabilitation_in_the_patients_house_starts_sooner_and_readmits_fewer() -> None:
    """Co-location acts (issue 14 point 6): with rehabilitation in the health house the first
    visit comes at once instead of after 10 days, and (at a hazard ratio of 0 from the first
    visit) fewer patients are readmitted; without houses the co-located start changes nothing."""

    def readmitted(scenario: str, co_located_days: int) -> float:
        overrides = [
            f"scenario={scenario}",
            *ALL_REHABILITATED[1:],
            "services.plugins.rehabilitation.params.start_days=10",
            f"++services.plugins.rehabilitation.params.start_days_co_located={co_located_days}",
            "seed=3",
        ]
        return _kpi(
            sim.run(small_config(overrides, size=8000, years=0.4)).kpis, "readmissions_30d_share", "all"
        )

    apart, together = (
        readmitted("health_houses_rehabilitation", 10),
        readmitted("health_houses_rehabilitation", 0),
    )
    assert together < apart
    assert readmitted("rehabilitation", 0) == readmitted("rehabilitation", 10)
