"""Optimising with a sweeper (docs/sweeps.md): a job returns its objective, the pre-check passes
the sweeps an optimiser runs and checks the values that will run, and a tiny Optuna study of the
optimise_acute_team experiment ends with the best of the objectives its jobs returned.

The Optuna sweeper is an optional extra (``pip install -e '.[optuna]'``); the tests that need it
skip, saying so, where it is not installed."""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import math
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

import sim
from sim.cli.precheck import precheck
from sim.config import ConfigError
from sim.config.schema import ConstraintConfig
from tests.conftest import run_cli

HAS_OPTUNA = importlib.util.find_spec("hydra_plugins.hydra_optuna_sweeper") is not None
MISSING = "hydra-optuna-sweeper is not installed (optional extra: pip install -e '.[optuna]')"
needs_optuna = pytest.mark.skipif(not HAS_OPTUNA, reason=MISSING)

TINY = (
    "population.size=2000",
    "years=0.1",
    "warmup_days=7",
    "warm_start_days=0",
    "replications=3",
    "services.reference_population=0",
)
OPTUNA = ("hydra/sweeper=optuna", "objective=cost_dkk_per_capita:acute_function")
SHIFTS = "services.acute_function.shifts."
NURSES = f"{SHIFTS}day.nurses"
COST, P90 = "cost_dkk_per_capita", "acute_team_response_minutes_p90"


def one_line_error(proc) -> str:
    """The single non-empty line of a refused command's stderr."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ------------------------------------------------------------------ the objective of a job
def kpi_table(rows: list[tuple[int, str, str, float]]) -> pd.DataFrame:
    """A job's KPI table from (replication, metric, group, value) rows."""
    return pd.DataFrame(
        [("s", r, 1, m, g, v, "u") for r, m, g, v in rows],
        columns=["scenario", "replication", "seed", "metric", "group", "value", "unit"],
    )


TABLE = kpi_table(
    [
        *[(r, COST, "acute_function", v) for r, v in enumerate([100.0, 110.0, 150.0])],
        *[(r, COST, "total", v) for r, v in enumerate([900.0, 910.0, 950.0])],
        *[(r, P90, "all", v) for r, v in enumerate([50.0, 70.0, 90.0])],
    ]
)


@functools.cache
def default_config() -> sim.SimConfig:
    """The default config, composed once."""
    return sim.load_config([])


def config(objective: str | None = None, stat: str = "mean", **constraint: object) -> sim.SimConfig:
    """The default config with an objective, its statistic and a constraint (no Hydra composition)."""
    bound = ConstraintConfig(**constraint)  # type: ignore[arg-type]
    return dataclasses.replace(default_config(), objective=objective, objective_stat=stat, constraint=bound)


def test_the_objective_is_the_kpis_statistic_over_the_replications() -> None:
    from sim.cli.objective import objective_value

    assert objective_value(config(), TABLE) is None  # no objective: nothing, as before
    assert objective_value(config(f"{COST}:acute_function"), TABLE) == 120.0
    assert objective_value(config(COST), TABLE) == 920.0  # its total
    assert objective_value(config(P90), TABLE) == 70.0  # its only group
    assert objective_value(config(f"{COST}:acute_function", "median"), TABLE) == 110.0
    assert objective_value(config(f"{COST}:acute_function", "p90"), TABLE) == pytest.approx(142.0)


def test_a_broken_constraint_adds_a_penalty_that_grows_with_the_breach() -> None:
    from sim.cli.objective import objective_value

    def value(direction: str = "minimize", **bound: float) -> float | None:
        return objective_value(config(f"{COST}:acute_function", kpi=P90, **bound), TABLE, direction)

    assert value(max=70) == 120.0  # the mean p90 is 70: kept
    assert value(max=60) == pytest.approx(120 + 1e6 * (1 + 10 / 60))
    assert value(max=50) == pytest.approx(120 + 1e6 * (1 + 20 / 50))
    assert value(min=80) == pytest.approx(120 + 1e6 * (1 + 10 / 80))
    assert value("maximize", max=60, penalty=1000) == pytest.approx(120 - 1000 * (1 + 10 / 60))


def test_an_objective_the_table_cannot_give_names_the_key_or_returns_none() -> None:
    from sim.cli.objective import objective_value

    with pytest.raises(ConfigError, match=r"objective: cost_dkk_per_capita has no group 'nurses'"):
        objective_value(config(f"{COST}:nurses"), TABLE)
    with pytest.raises(ConfigError, match=r"constraint.kpi: the run wrote no KPI 'acute_team_utilisation'"):
        objective_value(config(COST, kpi="acute_team_utilisation", max=1), TABLE)
    no_p90 = TABLE.assign(value=TABLE["value"].where(TABLE["metric"] != P90))
    assert objective_value(config(P90), no_p90) is None  # NaN would stop an Optuna study


def test_a_failed_job_of_a_sweep_returns_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hydra-optuna-sweeper records a job that returns None as a failed trial and goes on (a NaN
    would stop the study); the job's manifest says why it failed."""
    from hydra.types import RunMode

    from sim.cli import hydra_app

    class FakeHydra:
        class runtime:  # noqa: N801 - mimics HydraConfig's attribute names
            output_dir = str(tmp_path)

        class overrides:  # noqa: N801
            task: tuple[str, ...] = ()

        mode = RunMode.MULTIRUN

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(hydra_app.HydraConfig, "get", staticmethod(lambda: FakeHydra))
    monkeypatch.setattr(hydra_app, "run", boom)
    data = sim.config.to_dict(config(COST))
    assert hydra_app.task(OmegaConf.create(data)) is None
    assert "simulated failure" in json.loads((tmp_path / "manifest.json").read_text())["status"]


# ------------------------------------------------------------------ the pre-check
def test_bad_objectives_are_refused_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"objective: no KPI named 'cost_per_resident'") as info:
        precheck(["objective=cost_per_resident", *TINY], multirun=False)
    assert info.value.key == "objective" and "did you mean cost_dkk_per_capita" in str(info.value)
    with pytest.raises(ConfigError) as info:
        bound = ("constraint.kpi=acute_p90", "constraint.max=60")
        precheck([f"objective={COST}", *bound, *TINY], multirun=False)
    assert info.value.key == "constraint.kpi"


def test_glob_sweeps_pass_the_precheck() -> None:
    # plain, continuity, plus, rehabilitation
    assert precheck(["scenario=glob(health_houses*)", *TINY], multirun=True) == 4


def test_the_basic_sweeper_refuses_an_interval() -> None:
    """Hydra's basic sweeper cannot run interval(...): refused before any job, naming the key."""
    with pytest.raises(ConfigError) as info:
        precheck(["demand.same_day_share=interval(0.1,0.4)", *TINY], multirun=True)
    assert info.value.key == "demand.same_day_share" and "optimising sweeper" in str(info.value)


@needs_optuna
def test_interval_and_other_sweeps_pass_the_precheck_for_optuna() -> None:
    sweeps = [
        "demand.same_day_share=interval(0.1,0.4)",  # checked at both ends: 2 values
        "demand.nurse_eligible_share=tag(log,interval(0.1,0.4))",  # 2
        f"{NURSES}=int(interval(1,4))",  # 2
        "services.acute_function.shifts.evening.nurses=choice(1,3)",  # 2
        "seed=shuffle(range(1,3))",  # a shuffled range is a choice: 1, 2
        "services.acute_function.shifts.night.nurses=range(1,3)",  # Optuna's range includes 3: 3 values
    ]
    assert precheck([*OPTUNA, *sweeps, *TINY], multirun=True) == 2**5 * 3


@needs_optuna
@pytest.mark.parametrize(
    ("sweep", "key", "words"),
    [
        (f"{NURSES}=int(interval(-1,4))", NURSES, "must be >= 0 (got -1)"),  # the lower end
        ("demand.same_day_share=interval(0.2,1.5)", "demand.same_day_share", "must be <= 1 (got 1.5)"),
        (f"{NURSES}=interval(1,4)", NURSES, "write int(interval(a,b))"),  # real numbers for a whole one
        ("demand.same_day_share=tag(log,interval(0,0.5))", "demand.same_day_share", "above 0"),
        # Optuna's range includes its end, which Hydra's basic sweeper would not run
        ("demand.same_day_share=range(0.5,1.5,0.5)", "demand.same_day_share", "must be <= 1 (got 1.5)"),
    ],
)
def test_the_values_optuna_will_run_are_checked(sweep: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        precheck([*OPTUNA, sweep, *TINY], multirun=True)
    assert info.value.key == key and words in str(info.value), str(info.value)


@needs_optuna
def test_a_bad_interval_bound_stops_the_cli_before_any_job(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", *OPTUNA, f"{NURSES}=int(interval(-1,3))", *TINY, f"hydra.sweep.dir={sweep}")
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert NURSES in line and "got -1" in line
    assert not sweep.exists()


@needs_optuna
def test_optuna_without_an_objective_is_refused() -> None:
    with pytest.raises(ConfigError) as info:
        precheck(["hydra/sweeper=optuna", f"{NURSES}=range(1,3)", *TINY], multirun=True)
    assert info.value.key == "objective" and "hydra/sweeper=optuna" in str(info.value)


@needs_optuna
def test_an_experiment_may_set_the_options_of_the_sweeper_the_command_line_picks(tmp_path: Path) -> None:
    """An experiment that sets hydra.sweeper.n_trials (an Optuna option) composes when the command
    line picks hydra/sweeper=optuna: the pre-check composes Hydra's overrides too."""
    folder = tmp_path / "configs" / "experiment"
    folder.mkdir(parents=True)
    experiment = {
        "experiment": {"name": "tune"},
        "objective": COST,
        "hydra": {"sweeper": {"n_trials": 2, "direction": "minimize", "params": {NURSES: "range(1,3)"}}},
    }
    (folder / "tune.yaml").write_text("# @package _global_\n" + yaml.safe_dump(experiment))
    search = f"hydra.searchpath=[file://{tmp_path / 'configs'}]"
    assert precheck(["hydra/sweeper=optuna", "experiment=tune", search, *TINY], multirun=True) == 3
    with pytest.raises(ConfigError) as info:  # ... and not with the basic sweeper, which has no such options
        precheck(["experiment=tune", search, *TINY], multirun=True)
    assert info.value.key in ("hydra.sweeper.direction", "hydra.sweeper.n_trials")
    assert "BasicSweeperConf" in str(info.value)


def test_a_missing_sweeper_plugin_names_the_extra() -> None:
    from sim.cli.precheck import _with_hint

    missing = "no config 'optuna' in group hydra/sweeper (available: basic)"
    hinted = _with_hint(ConfigError("hydra.sweeper", missing, "x.yaml"), set(), ("hydra/sweeper=optuna",))
    assert "pip install -e '.[optuna]'" in hinted.message
    assert hinted.source == "command line: hydra/sweeper=optuna"


# ------------------------------------------------------------------ a tiny study
def job_objective(job: Path) -> float:
    """The objective the optimise_acute_team experiment asks of a job, from its own KPI table: the
    mean team cost per resident, plus the penalty when the mean p90 response is over 60 minutes."""
    kpis = pd.read_csv(job / "kpis.csv", dtype={"group": str})
    cost = kpis[(kpis["metric"] == COST) & (kpis["group"] == "acute_function")]["value"]
    p90 = kpis[kpis["metric"] == P90]["value"].mean()
    assert len(cost) == 3 and cost.nunique() > 1  # three replications that differ: a mean, not one of them
    return cost.mean() + (1e6 * (1 + (p90 - 60) / 60) if p90 > 60 else 0.0)


@needs_optuna
def test_a_tiny_study_ends_with_the_best_objective_its_jobs_returned(tmp_path: Path) -> None:
    sweep = tmp_path / "study"
    proc = run_cli(
        "-m",
        "experiment=optimise_acute_team",
        "hydra.sweeper.n_trials=3",
        "hydra.sweeper.n_jobs=1",
        *TINY,
        f"hydra.sweep.dir={sweep}",
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert math.isfinite(best["best_value"])
    jobs = sorted(p.parent for p in sweep.glob("*/manifest.json"))
    assert len(jobs) == 3
    returned = {}
    for job in jobs:
        manifest = json.loads((job / "manifest.json").read_text())
        assert manifest["status"] == "ok"
        params = dict(o.split("=", 1) for o in manifest["overrides"] if o.startswith(SHIFTS))
        returned[job.name] = (params, job_objective(job))
    assert best["best_value"] == pytest.approx(min(value for _, value in returned.values()), rel=1e-12)
    best_jobs = [p for p, value in returned.values() if value == pytest.approx(best["best_value"], rel=1e-12)]
    assert best_jobs and all({k: int(v) for k, v in p.items()} == best["best_params"] for p in best_jobs)
    assert set(best["best_params"]) == {f"{SHIFTS}{s}.nurses" for s in ("day", "evening", "night")}


def test_an_objective_the_tables_cannot_give_keeps_the_results(tmp_path: Path) -> None:
    """A group the run did not write is an error of the objective: exit 2, the results stay ok."""
    out = tmp_path / "run"
    proc = run_cli("objective=cost_dkk_per_capita:nosuch", *TINY, f"hydra.run.dir={out}")
    assert proc.returncode == 2, proc.stderr
    assert "the results are written, but objective: cost_dkk_per_capita has no group 'nosuch'" in proc.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "ok"
    assert (out / "kpis.parquet").is_file()
