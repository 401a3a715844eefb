"""Nothing lost, nothing mislabelled, nothing written outside its place (issue 12).

Each test here failed on the code before the fix: stale results kept by a resume, names that
became paths outside ``results/``, a scenario file without its name, infinity and tiny or huge
populations accepted, errors blaming the wrong key or raised raw, tracebacks for an
unwritable folder, a full disk or Ctrl-C, and sweeps checked only in part.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.config import ConfigError
from sim.config.load import config_dir
from tests.conftest import run_cli

TINY = (
    "population.size=2000",
    "years=0.02",
    "warmup_days=0",
    "warm_start_days=0",
    "output.plots=false",
    "services.reference_population=0",
)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command (asserting there is exactly one, no traceback)."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ---------------------------------------------------------------- 1. claimed job folders
def _manifest(job: Path) -> dict:
    return json.loads((job / "manifest.json").read_text())


def test_a_killed_rerun_leaves_nothing_a_resume_keeps(tmp_path: Path) -> None:
    """Run seed 1 into D; re-run seed 2 into D and kill it (as kill -9 would) at each step
    between the claim of the folder and the ok manifest; run seed 1 again: the job is re-run,
    not skipped, and its KPIs are seed 1's, never the killed run's; collate in between lists
    the killed job as failed and collates nothing of it."""
    from sim.metrics.collate import collate

    sweep = tmp_path / "D"
    args = ("-m", *TINY, "output.plots=true", "output.sweep_plots=true", f"hydra.sweep.dir={sweep}")
    assert run_cli(*args, "seed=1").returncode == 0
    for step in ("claimed", "tables", "plots"):
        env = {**os.environ, "SIM_KILL_AT": step}
        command = [sys.executable, "-m", "sim", *args, "seed=2"]
        killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert _manifest(sweep / "0")["status"].startswith("running")  # claimed: not ok, whatever is there
        study = collate(sweep)
        assert len(study.failures) == 1 and study.kpis.empty, step
        resumed = run_cli(*args, "seed=1")
        assert resumed.returncode == 0, resumed.stderr
        assert "skipped" not in resumed.stderr, step
        assert _manifest(sweep / "0")["status"] == "ok"
        assert set(pd.read_csv(sweep / "0" / "kpis.csv")["seed"]) == {1}, step
    again = run_cli(*args, "seed=1")  # and an ok run of the same config is skipped, as before
    assert "skipped" in again.stderr


# ---------------------------------------------------------------- 2. names that become paths
@pytest.mark.parametrize(
    "override",
    [
        "scenario.name=../../../escape",
        "experiment.name=/tmp/abs",
        "scenario.name=a/b",
        "scenario.name=.hidden",
        "scenario.name=${oc.env:HOME}",
        "experiment.name=${oc.env:USER}",
        "scenario.name=" + "x" * 200,
    ],
)
def test_names_that_become_paths_are_checked(override: str) -> None:
    key = override.split("=")[0]
    with pytest.raises(ConfigError) as info:
        sim.load_config([override])
    assert info.value.key == key and "command line" in str(info.value)


def test_cli_refuses_a_name_that_escapes_results(tmp_path: Path) -> None:
    cwd = tmp_path / "a" / "b" / "c" / "d"
    cwd.mkdir(parents=True)
    proc = subprocess.run(
        [sys.executable, "-m", "sim", *TINY, "scenario.name=../../../escape"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("sim: config error: scenario.name:")
    # results/runs/../../../escape would have been the folder beside cwd
    assert not (cwd.parent / "escape").exists() and not list(tmp_path.rglob("kpis.*"))


# ---------------------------------------------------------------- 3. scenario files name themselves
@pytest.fixture
def own_configs(tmp_path: Path) -> Path:
    """A copy of configs/ a test may add files to."""
    target = tmp_path / "configs"
    shutil.copytree(config_dir(), target)
    return target


def test_a_scenario_file_without_its_name_is_refused(own_configs: Path) -> None:
    (own_configs / "scenario" / "nameless.yaml").write_text("# @package _global_\nyears: 0.5\n")
    with pytest.raises(ConfigError) as info:
        sim.load_config(["scenario=nameless"], config_dir=str(own_configs))
    assert info.value.key == "scenario.name" and "nameless.yaml" in str(info.value)


def test_a_bad_value_in_a_file_names_the_file_and_line(own_configs: Path) -> None:
    text = "# @package _global_\nscenario:\n  name: mine\npopulation:\n  size: -4\n"
    (own_configs / "scenario" / "mine.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        sim.load_config(["scenario=mine"], config_dir=str(own_configs))
    assert info.value.key == "population.size"
    assert info.value.source.endswith("scenario/mine.yaml line 5"), info.value.source


def test_malformed_yaml_names_file_and_line(own_configs: Path) -> None:
    text = "# @package _global_\nscenario:\n  name: broken\n  description: [unclosed\n"
    (own_configs / "scenario" / "broken.yaml").write_text(text)
    with pytest.raises(ConfigError) as info:
        sim.load_config("scenario=broken", config_dir=str(own_configs))
    assert "broken.yaml line" in str(info.value) and "malformed YAML" in str(info.value)


# ---------------------------------------------------------------- 6 and 8. feasibility
@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["organisation.list_size_per_gp=inf"], "organisation.list_size_per_gp"),
        (["demand.same_day_share=nan"], "demand.same_day_share"),
        (["seed=1e30"], "seed"),
        (["population.size=10"], "population.size"),
        (
            [
                "organisation.practice_types.solo.gp_clinical_hours_per_week=0",
                "organisation.practice_types.partnership.gp_clinical_hours_per_week=0",
            ],
            "organisation.practice_types",
        ),
    ],
)
def test_runs_that_cannot_mean_anything_are_refused(overrides: list[str], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        sim.load_config(overrides, check=sim.runner.check)
    assert info.value.key == key, str(info.value)


def test_a_population_that_cannot_fit_in_memory_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="memory") as info:
        sim.run(sim.load_config(["population.size=1000000000"]))
    assert info.value.key == "population.size"
    assert time.perf_counter() - start < 5  # refused before anything is built


def test_staffing_that_rounds_to_one_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    config = sim.load_config(["population.size=4000", "services.reference_population=59246"])
    with caplog.at_level(logging.WARNING):
        sim.runner.check(config)
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("services.ooh.triage.servers: 2 for 59,246") for line in lines), lines
    assert any(line.startswith("population.size: 4,000 people is small") for line in lines), lines


def test_settings_without_effect_short_warm_up_and_few_replications_are_warned_about() -> None:
    from sim.config.feasibility import warnings

    quiet = sim.load_config(["scenario=health_houses", "replications=4"])
    assert warnings(quiet) == []  # the default size, warm-up and a houses organisation: nothing to say
    noisy = sim.load_config([
        "organisation.practice_types.health_house.nurses_per_gp=2", "warmup_days=20", "replications=2",
    ])  # fmt: skip
    lines = warnings(noisy)
    assert [line.split(":")[0] for line in lines] == [
        "organisation.practice_types.health_house", "warmup_days", "replications",
    ], lines  # fmt: skip
    assert "nurses_per_gp set, but no practice is a health_house in organisation 'baseline'" in lines[0]
    assert lines[1].startswith("warmup_days: 20 days is shorter than the proposed warm-up of 50")
    assert lines[2].startswith("replications: 2 is fewer than the 4-8")
    houses = sim.load_config(["scenario=health_houses", "replications=4",
                              "organisation.practice_types.health_house.nurses_per_gp=2"])  # fmt: skip
    assert warnings(houses) == []  # the houses exist there: the setting acts


def test_the_warnings_go_into_the_manifest(tmp_path: Path) -> None:
    proc = run_cli("population.size=3000", "years=0.02", "warmup_days=7", f"hydra.run.dir={tmp_path}/run")
    assert proc.returncode == 0, proc.stderr
    recorded = json.loads((tmp_path / "run" / "manifest.json").read_text())["warnings"]
    assert any(w.startswith("population.size: 3,000 people is small") for w in recorded), recorded
    assert any(w.startswith("warmup_days: 7 days") for w in recorded) and len(recorded) >= 4
    for line in recorded:
        assert line in proc.stderr  # the run log says the same, line by line


# ---------------------------------------------------------------- 7. the right key, always ConfigError
def test_a_missing_scenario_blames_the_scenario() -> None:
    with pytest.raises(ConfigError) as info:
        sim.load_config(["scenario=nonexistent", "population.size=5000"])
    assert info.value.key == "scenario" and "health_houses" in str(info.value)


def test_a_misspelt_scenario_in_a_sweep_blames_the_scenario(tmp_path: Path) -> None:
    proc = run_cli("-m", "scenario=baseline,helth_houses", "replications=2", f"hydra.sweep.dir={tmp_path}/s")
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("sim: config error: scenario: no config 'helth_houses'")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("bad", ["population.size=1e400", "seed=99999999999999999999999", "years=(", "a b=c"])
def test_the_api_raises_config_error(bad: str) -> None:
    with pytest.raises(ConfigError):
        sim.load_config([bad])


def test_the_api_takes_one_string() -> None:
    assert sim.load_config("years=0.25").years == 0.25


# ---------------------------------------------------------------- 10. one line, never a traceback
@pytest.mark.parametrize("target", ["/proc/sim-results", "FILE/x"])
def test_an_unwritable_output_folder_is_one_line(tmp_path: Path, target: str) -> None:
    (tmp_path / "FILE").write_text("")
    target = target.replace("FILE", str(tmp_path / "FILE"))
    proc = run_cli(*TINY, f"hydra.run.dir={target}")
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("sim: config error: hydra.run.dir: cannot write results")


def test_too_little_disk_is_refused_before_running(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from sim.cli import precheck

    nearly_full = shutil._ntuple_diskusage(10**9, 10**9, 10**6)
    monkeypatch.setattr(precheck.shutil, "disk_usage", lambda p: nearly_full)
    with pytest.raises(ConfigError, match="MB free") as info:
        precheck.precheck([*TINY], multirun=False, out_dir=str(tmp_path / "run"))
    assert info.value.key == "hydra.run.dir"


def test_a_full_disk_while_writing_leaves_an_error_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_fake_job
) -> None:
    """The disk fills up while the tables are written: no traceback, no kpis, an error manifest."""
    import errno

    from omegaconf import OmegaConf

    hydra_app = in_fake_job

    def full(*args: object, **kwargs: object) -> None:
        (tmp_path / "kpis.csv").write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "kpis.csv"))

    monkeypatch.setattr(hydra_app, "write_tables", full)
    from sim.compose import compose_config

    cfg = OmegaConf.create(compose_config(list(TINY)))
    with pytest.raises(SystemExit) as info:
        hydra_app.task(cfg)
    assert info.value.code == 1
    assert not (tmp_path / "kpis.csv").exists()
    status = _manifest(tmp_path)["status"]
    assert status.startswith("error: cannot write results to") and "No space left" in status


def test_ctrl_c_is_one_line_and_leaves_no_results(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "population.size=20000", "years=2", f"hydra.run.dir={out}"],
        stderr=subprocess.PIPE,
        text=True,
        # SIGINT as at a terminal, even when the tests run as a background job (which ignores it)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.time() + 120
    while not (out / "manifest.json").exists() and time.time() < deadline:
        time.sleep(0.2)  # the job has claimed its folder: it is running
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "sim: interrupted" in err
    assert not list(out.glob("kpis.*"))
    assert _manifest(out)["status"].startswith("error: interrupted")


# ---------------------------------------------------------------- 11. every combination first
def test_an_invalid_combination_of_two_valid_values_is_caught_first(tmp_path: Path) -> None:
    """Each value is valid alone; gp shares 0.25 + 0.7 do not add up to 1: refused before any job."""
    proc = run_cli(
        "-m",
        *TINY,
        "organisation.practice_types.solo.gp_share=0.25,0.3",
        "organisation.practice_types.partnership.gp_share=0.75,0.7",
        f"hydra.sweep.dir={tmp_path}/s",
    )
    assert proc.returncode == 2
    assert "organisation.practice_types" in one_line_error(proc)
    assert not (tmp_path / "s").exists()


def test_every_combination_is_checked_not_the_first_fifty() -> None:
    from sim.cli.precheck import precheck

    with pytest.raises(ConfigError) as info:
        precheck([*TINY, "seed=range(0,55)", "years=0.02,0"], multirun=True)
    assert info.value.key == "years"
    assert precheck([*TINY, "seed=range(0,55)", "replications=1,2"], multirun=True) == 110


def test_the_experiment_sweep_is_checked_too() -> None:
    """An experiment file's hydra.sweeper.params are jobs of the sweep: all are checked."""
    from sim.cli.precheck import precheck

    assert precheck(["experiment=compare_organisation", *TINY], multirun=True) == 5
    with pytest.raises(ConfigError) as info:
        precheck(["experiment=compare_organisation", "scenario=baseline,nonexistent"], multirun=True)
    assert info.value.key == "scenario"


def test_sweep_jobs_draw_no_plots_unless_asked(tmp_path: Path) -> None:
    """Inside a sweep a job writes its tables and manifest but no plots (``sim report`` draws the
    study's plots from the collated tables), unless ``output.sweep_plots=true``."""
    base = ("-m", *TINY, "output.plots=true")
    assert run_cli(*base, f"hydra.sweep.dir={tmp_path}/a").returncode == 0
    assert (tmp_path / "a/0/kpis.parquet").exists() and not (tmp_path / "a/0/kpis.png").exists()
    assert run_cli(*base, "output.sweep_plots=true", f"hydra.sweep.dir={tmp_path}/b").returncode == 0
    assert (tmp_path / "b/0/kpis.png").exists()
