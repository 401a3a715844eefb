"""The code examples in the README and docs run as written."""

from __future__ import annotations

import re
import shutil
import sys
import types
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).parents[2]


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def _exec_as_module(code: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(code, name, "exec"), module.__dict__)
    return module


def test_readme_python_example_runs(monkeypatch) -> None:
    (block,) = _python_blocks(ROOT / "README.md")
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=1000", "years=0.05"')
    module = _exec_as_module(block, "readme_example")
    assert len(module.results.kpis) > 0


def test_rules_doc_example_registers_and_runs() -> None:
    (block,) = _python_blocks(ROOT / "docs" / "rules.md")
    _exec_as_module(block, "sim.rules.docs_example_delay")
    base = sim.load_config(["population.size=2000", "years=0.1"])
    config = sim.load_config(
        [
            "population.size=2000",
            "years=0.1",
            "rules.care_seeking.name=oldest_delay",
            "+rules.care_seeking.params.delay_share=1.0",
            "services.hospital.gp_followup_share={0-64:0,65-79:0,80+:0}",  # asked for by the hospital
        ]
    )
    kpis = sim.run(config).kpis
    row = kpis[(kpis.metric == "gp_contacts_per_person_year") & (kpis.group == "80+")]
    assert float(row.value.iloc[0]) == 0.0
    base_kpis = sim.run(base).kpis
    base_row = base_kpis[(base_kpis.metric == "gp_contacts_per_person_year") & (base_kpis.group == "80+")]
    assert float(base_row.value.iloc[0]) > 5


def test_statistics_doc_example_gives_kpis_by_year() -> None:
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "statistics.md") if "by_year" in b]
    block = block.replace('"population.size=5000", "years=2"', '"population.size=1500", "years=2"')
    module = _exec_as_module(block, "statistics_example")
    assert set(module.by_year["year"]) == {1, 2}


def test_extending_doc_example_adds_a_service_without_touching_the_core() -> None:
    """docs/extending.md: a plug-in service defined in a notebook runs from one config block."""
    from sim.metrics import registry
    from sim.services import base

    (block,) = [b for b in _python_blocks(ROOT / "docs" / "extending.md") if "phone_call" in b]
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=2000", "years=0.1"')
    try:
        module = _exec_as_module(block, "extending_example")
        assert module.calls > 0  # every discharge got its call and the KPI row was written
        with pytest.raises(sim.ConfigError, match=r"services\.plugins\.phone_call\.params\.ration"):
            sim.runner.check(sim.load_config(["+services.plugins={phone_call:{params:{ration:0.5}}}"]))
    finally:  # leave the registries as the package defines them
        base.PLUGINS.pop("phone_call", None)
        registry.KPIS.pop("phone_calls", None)
        registry.OWNERS.pop("phone_call", None)


def test_extending_doc_example_adds_a_need_type_without_code(tmp_path) -> None:
    """docs/extending.md: a new episode group from config alone gets its episodes and its KPI row;
    its YAML form, saved as a scenario file, composes into the same group."""
    doc = (ROOT / "docs" / "extending.md").read_text()
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "extending.md") if "EpisodeGroupConfig" in b]
    block = block.replace('"population.size=5000", "years=0.5"', '"population.size=4000", "years=0.3"')
    module = _exec_as_module(block, "extending_need_example")
    assert len(module.falls_row) == 1 and float(module.falls_row.value.iloc[0]) >= 0.0
    (yaml_block,) = re.findall(r"```yaml\n(# @package _global_\ndemand:.*?)```", doc, flags=re.S)
    configs = tmp_path / "configs"
    shutil.copytree(ROOT / "configs", configs)
    (configs / "scenario" / "falls.yaml").write_text(yaml_block)
    composed = sim.load_config(["scenario=falls"], config_dir=str(configs))
    assert composed.demand.episode_groups["fall_no_fracture"] == module.falls


def test_acute_doc_example_escalation_rule_registers_and_runs() -> None:
    """docs/acute.md: the night-time rule sends frail patients' night episodes to the acute team."""
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "acute.md") if "NightFrailToTeam" in b]
    _exec_as_module(block, "sim.rules.docs_example_night")
    from sim.model import SimModel

    rule = "rules.escalation.name=night_frail_to_team"
    config = sim.load_config(["population.size=8000", "years=0.3", "scenario=acute_function", rule])
    model = SimModel(config, 0)
    model.run()
    ep = model.recorder.episode_table()
    hour = ep["onset"] % 1440 / 60
    night = (hour >= 23) | (hour < 7)
    to_team = ep["route"] == "acute"
    assert to_team.any() and night[to_team].all()  # the team is reached directly only at night


def test_statistics_doc_warmup_example_runs() -> None:
    """docs/statistics.md: the warm-up helpers on a synthetic filling queue, as written."""
    (block,) = [b for b in _python_blocks(ROOT / "docs" / "statistics.md") if "mser5" in b]
    module = _exec_as_module(block, "statistics_warmup_example")
    assert module.smooth.shape[-1] <= 365 and len(module.kpi) == 5
