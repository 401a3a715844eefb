"""The re-calibration script of the avoidable base rates (experiments/calibration/fit_episode_rates.py):
its rewrite of the demand config keeps the file and scales exactly the avoidable groups, and its fit
moves the simulated rate towards the target."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

import sim

SCRIPT = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "fit_episode_rates.py"


def load_script() -> ModuleType:
    """Import the script as a module (experiments/ is not a package)."""
    name = "experiments_calibration_fit_episode_rates"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_write_scales_the_avoidable_rates_and_keeps_the_rest(tmp_path: Path) -> None:
    fit = load_script()
    copy = tmp_path / "danish.yaml"
    copy.write_text(fit.DEMAND.read_text(encoding="utf-8"), encoding="utf-8")
    before = yaml.safe_load(copy.read_text())
    done = fit.write(0.5, copy)
    after = yaml.safe_load(copy.read_text())
    avoidable = [n for n, g in before["episode_groups"].items() if g.get("avoidable")]
    assert done == avoidable and "heart_failure" not in done
    for name, group in before["episode_groups"].items():
        factor = 0.5 if name in avoidable else 1.0
        for band, rate in group["per_1000"].items():
            assert after["episode_groups"][name]["per_1000"][band] == pytest.approx(rate * factor, abs=0.006)
        assert {k: v for k, v in after["episode_groups"][name].items() if k != "per_1000"} == {
            k: v for k, v in group.items() if k != "per_1000"
        }
    rest = {k: v for k, v in before.items() if k != "episode_groups"}
    assert {k: v for k, v in after.items() if k != "episode_groups"} == rest
    assert copy.read_text().count("#") == fit.DEMAND.read_text().count("#")  # the comments stay


def test_the_fit_moves_the_rate_to_the_target() -> None:
    """At a small size (a high rate asked for), the secant steps bring the rate within tolerance."""
    fit = load_script()
    config = sim.load_config(["population.size=4000", "replications=1", "years=0.5", "warmup_days=14"])
    start = fit.simulate(config, 1.0)
    goal = 1.4 * start
    factor, value = fit.fit(config, goal, tolerance=0.03 * goal, steps=4)
    assert factor > 1.2
    assert value == pytest.approx(goal, rel=0.03)
