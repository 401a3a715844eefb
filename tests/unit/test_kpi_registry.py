"""The KPI registry covers every KPI the model writes, with its unit, and docs/kpis.md matches it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.metrics import registry
from sim.report.labels import LABELS
from tests.conftest import small_config

ROOT = Path(__file__).parents[2]
SCENARIOS = sorted(p.stem for p in (ROOT / "configs" / "scenario").glob("*.yaml"))
# a run for each condition under which registered KPIs are written (registry.KPI.condition)
CONDITION_RUNS = {
    "with a limited number of beds (services.hospital.beds > 0)": ["services.hospital.beds=20"],
    "when services.plugins.rehabilitation is enabled": ["scenario=rehabilitation"],
}


def _kpis(overrides: list[str], size: int = 2000, years: float = 0.15) -> pd.DataFrame:
    """The KPI table of one tiny replication."""
    return sim.run(small_config([*overrides, "replications=1"], size=size, years=years)).kpis


@pytest.fixture(scope="module")
def scenario_kpis() -> dict[str, pd.DataFrame]:
    """KPI tables of a tiny run of every scenario in configs/scenario."""
    return {name: _kpis([f"scenario={name}"]) for name in SCENARIOS}


@pytest.fixture(scope="module")
def condition_kpis() -> dict[str, pd.DataFrame]:
    """KPI tables of a tiny run under each condition of the registry."""
    return {condition: _kpis(overrides) for condition, overrides in CONDITION_RUNS.items()}


def _unregistered(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(metric, unit written, unit registered) of the rows the registry does not describe."""
    pairs = table[["metric", "unit"]].drop_duplicates().itertuples(index=False)
    return [
        (m, u, registry.KPIS[m].unit if m in registry.KPIS else "(not registered)")
        for m, u in pairs
        if m not in registry.KPIS or registry.KPIS[m].unit != u
    ]


def test_every_kpi_written_is_registered_with_its_unit(scenario_kpis, condition_kpis) -> None:
    assert SCENARIOS, "no scenarios found in configs/scenario"
    for name, table in {**scenario_kpis, **condition_kpis}.items():
        assert _unregistered(table) == [], f"{name}: register these in sim/metrics/registry.py"


def test_every_registered_kpi_is_written(scenario_kpis, condition_kpis) -> None:
    # scenarios that are themselves the run of a condition (a plug-in enabled) do not count here
    conditioned = {name for name in SCENARIOS if sim.load_config([f"scenario={name}"]).services.plugins}
    assert "rehabilitation" in conditioned
    written = {m for name, table in scenario_kpis.items() if name not in conditioned for m in table.metric}
    always = {k.name for k in registry.KPIS.values() if not k.condition}
    assert sorted(always - written) == [], "registered but written by no scenario: remove or mark a condition"
    for k in registry.KPIS.values():
        if k.condition:
            assert k.condition in CONDITION_RUNS, f"{k.name}: add a run for {k.condition!r} to CONDITION_RUNS"
            assert k.name in set(condition_kpis[k.condition].metric), f"{k.name} not written {k.condition}"
            assert k.name not in written, f"{k.name} is written without its condition: clear the condition"


def test_kpis_by_year_are_registered_with_their_units() -> None:
    results = sim.run(small_config(["replications=1"], size=1000, years=2.0))
    assert set(results.by_year.year) == {1, 2}
    assert _unregistered(results.by_year) == []


def test_docs_kpis_md_is_generated_from_the_registry() -> None:
    text = (ROOT / "docs" / "kpis.md").read_text()
    assert text == registry.markdown(), "regenerate: .venv/bin/python -m sim.metrics.registry > docs/kpis.md"


def test_every_kpi_is_described() -> None:
    assert len(registry.KPIS) >= 60
    for name, k in registry.KPIS.items():
        assert k.name == name
        assert k.better in ("higher", "lower", "neither"), name
        for field in ("unit", "label", "groups", "owner", "description"):
            assert getattr(k, field).strip(), f"{name}: empty {field}"
        assert k.description.endswith("."), f"{name}: description should be one sentence"
        assert LABELS[name] == k.label
        assert k.label in registry.describe(name)


def test_get_and_register_refuse_mistakes() -> None:
    assert registry.get("routine_wait_days_mean").unit == "days"
    with pytest.raises(KeyError, match="not registered"):
        registry.get("no_such_kpi")
    with pytest.raises(ValueError, match="twice"):
        registry.register("population", "persons", "x", "neither", "all", "population", "x.")
    with pytest.raises(ValueError, match="better"):
        registry.register("new_kpi", "persons", "x", "more", "all", "population", "x.")  # type: ignore[arg-type]
    assert "new_kpi" not in registry.KPIS
