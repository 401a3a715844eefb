"""Shared fixtures: small configurations composed from the repository's configs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence

import pytest

import sim
from sim.config import SimConfig

# Statistical studies run at a small size in CI; SIM_FULL=1 runs them at full size.
FULL = os.environ.get("SIM_FULL") == "1"


def small_config(overrides: Sequence[str] = (), size: int = 3000, years: float = 0.15) -> SimConfig:
    """The default (Danish baseline) config at a small size, with extra Hydra-style overrides.
    Service capacities are those of the mean municipality, not scaled down to ``size``."""
    fixed = "services.reference_population=0"
    return sim.load_config([f"population.size={size}", f"years={years}", "warmup_days=7", fixed, *overrides])


@pytest.fixture
def make_config() -> Callable[..., SimConfig]:
    """Factory fixture: ``make_config(["scenario=health_houses"], size=2000)``."""
    return small_config


@pytest.fixture
def in_fake_job(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Make ``sim.cli.hydra_app.task`` run as a single (not multirun) Hydra job writing into
    ``tmp_path``, without Hydra; returns the module so that a test can patch its helpers."""
    from sim.cli import hydra_app

    class FakeHydra:
        class runtime:  # noqa: N801 - mimics HydraConfig's attribute names
            output_dir = str(tmp_path)

        class overrides:  # noqa: N801
            task: tuple[str, ...] = ()

        mode = None

    monkeypatch.setattr(hydra_app.HydraConfig, "get", staticmethod(lambda: FakeHydra))
    return hydra_app


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=timeout
    )


# Overrides that hold the population still (no births, migration or deaths to speak of), for
# tests that replay the demand streams or need a stationary arrival process.
FROZEN_POPULATION = (
    "population.births_per_1000=0",
    "population.net_migration_per_1000=0",
    "population.mortality.male.A=0",
    "population.mortality.male.B=1e-12",
    "population.mortality.female.A=0",
    "population.mortality.female.B=1e-12",
)


# Overrides that switch off what happens after discharge (follow-up requests to the GP, acute-team
# follow-up visits, readmissions), so that hospital capacity cannot feed back into the demand.
NO_AFTERCARE = (
    "services.hospital.readmission_30d={0-64:0,65-79:0,80+:0}",
    "services.hospital.gp_followup_share={0-64:0,65-79:0,80+:0}",
    "services.acute_function.discharge_followup_share={0-64:0,65-79:0,80+:0}",
)
# No unmet same-day request goes on to the ED or the out-of-hours GP.
NO_ESCALATION = ("demand.unmet_same_day_to_acute_share=0",)


def single_episode_group(config: SimConfig, per_1000: float | None, **group: object) -> SimConfig:
    """``config`` with one acute-episode group of ``per_1000`` episodes per person-year in every
    band (no episodes at all when None) and no chronic controls: a homogeneous arrival stream."""
    import dataclasses

    from sim.config.schema import AGE_BANDS, EpisodeGroupConfig

    groups = (
        {}
        if per_1000 is None
        else {"test": EpisodeGroupConfig(per_1000=dict.fromkeys(AGE_BANDS, per_1000), **group)}
    )
    demand = dataclasses.replace(config.demand, episode_groups=groups, controls={})
    return dataclasses.replace(config, demand=demand)
