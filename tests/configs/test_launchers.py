"""Sweep launchers (configs/hydra/launcher/): every preset composes, and real sweeps run.

A sweep is run as a user would (``python -m sim -m ...``) at a tiny size, with the local
preset (``local``: sim's own launcher, one process per job, hydra_plugins/sim_launcher) and
with the submitit one that runs the SLURM route as local subprocesses
(``slurm_local``). The SLURM preset itself is checked by building the sbatch script submitit
would submit; the Ray preset composes only where the optional ``[ray]`` extra is installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from sim.compose import register_schema
from sim.config import config_dir
from tests.conftest import run_cli

LAUNCHER_DIR = Path(config_dir()) / "hydra" / "launcher"
PRESETS = sorted(p.stem for p in LAUNCHER_DIR.glob("*.yaml"))
TARGETS = {
    "local": "hydra_plugins.sim_launcher.local_launcher.SimLocalLauncher",
    "slurm": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher",
    "slurm_local": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher",
    "ray_cluster": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher",
}
# Configs the launcher plugins register themselves (hydra-ray-launcher may not be installed)
PLUGIN_CONFIGS = {"basic", "joblib", "submitit_local", "submitit_slurm", "ray", "ray_aws"}
HAS_RAY = importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None
# A sweep small enough for CI: two scenarios, 2,000 people, one year, two replications
TINY = (
    "scenario=baseline,health_houses",
    "population.size=2000",
    "years=1",
    "replications=2",
    "services.reference_population=0",
    "output.plots=false",
)


@pytest.fixture
def hydra_compose() -> Iterator:
    """``compose(overrides)``: config.yaml with its ``hydra`` node, as a launcher sees it."""
    register_schema()
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=config_dir()):
        yield lambda overrides: compose("config", overrides=overrides, return_hydra_config=True)
    GlobalHydra.instance().clear()


def test_presets_are_the_documented_ones() -> None:
    assert set(PRESETS) == set(TARGETS)
    for name in PRESETS:
        text = (LAUNCHER_DIR / f"{name}.yaml").read_text()
        assert text.startswith("# @package hydra.launcher\n"), name
        assert "Overrides users typically set" in text, f"{name}.yaml: say which overrides users set"


def test_no_preset_shadows_a_plugin_config(hydra_compose) -> None:
    # A file named like a plugin's own config replaces it, and `defaults: [<itself>]` recurses
    # without end; with no defaults Hydra merges the two with a deprecation warning.
    hydra_compose(["hydra/launcher=local"])  # makes Hydra register the plugins' configs
    registered = {n.removesuffix(".yaml") for n in ConfigStore.instance().repo["hydra"]["launcher"]}
    assert {"joblib", "submitit_local", "submitit_slurm"} <= registered
    assert not set(PRESETS) & (PLUGIN_CONFIGS | registered)


@pytest.mark.parametrize("name", PRESETS)
def test_preset_composes_to_its_launcher(name: str, hydra_compose) -> None:
    if name == "ray_cluster" and not HAS_RAY:
        pytest.skip("hydra-ray-launcher is not installed (optional extra: pip install -e '.[ray]')")
    cfg = hydra_compose([f"hydra/launcher={name}", "workers=3"])
    launcher = cfg.hydra.launcher
    assert launcher._target_ == TARGETS[name]
    assert cfg.hydra.runtime.choices["hydra/launcher"] == name
    if name == "local":
        assert launcher.n_jobs == 2
        assert hydra_compose(["hydra/launcher=local", "hydra.launcher.n_jobs=4"]).hydra.launcher.n_jobs == 4
    if name in ("slurm", "slurm_local"):
        assert launcher.cpus_per_task == 3, "one job asks for `workers` CPUs"
        assert launcher.timeout_min > 0
    if name == "ray_cluster":
        assert isinstance(launcher.ray, DictConfig)
        assert launcher.ray.init.address == "local"
        assert launcher.ray.remote.num_cpus == 3


def test_slurm_preset_builds_the_sbatch_script(hydra_compose, tmp_path: Path, monkeypatch) -> None:
    """The SLURM preset and its usual overrides become the sbatch options of each job."""
    import submitit
    from hydra.utils import instantiate

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "srun").write_text("#!/bin/sh\nexit 1\n")  # submitit looks for srun before submitting
    (fake_bin / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    cfg = hydra_compose(
        [
            "hydra/launcher=slurm",
            "workers=4",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
            "hydra.job.name=sim",
            "hydra.launcher.partition=compute",
            "hydra.launcher.account=proj42",
            "hydra.launcher.timeout_min=240",
            "+hydra.launcher.additional_parameters.mail-type=FAIL",
        ]
    )
    launcher = instantiate(cfg.hydra.launcher)
    launcher.setup(hydra_context=None, task_function=print, config=cfg)
    seen = {}

    def capture(executor, function, *args):
        seen["executor"], seen["jobs"] = executor, list(zip(*args, strict=True))
        return []

    with mock.patch.object(submitit.AutoExecutor, "map_array", capture):
        launcher.launch([["scenario=baseline"], ["scenario=health_houses"]], initial_job_idx=0)
    assert [job[0] for job in seen["jobs"]] == [["scenario=baseline"], ["scenario=health_houses"]]
    script = seen["executor"]._executor._make_submission_file_text("python -m sim", "uid")
    for line in (
        "--cpus-per-task=4",
        "--partition=compute",
        "--account=proj42",
        "--time=240",
        "--mem=8GB",
        "--mail-type=FAIL",
        "--job-name=sim_default",
        f"--output={tmp_path / 'sweep'}/.submitit/",
    ):
        assert f"#SBATCH {line}" in script, line
    assert seen["executor"]._executor.parameters["array_parallelism"] == 16


def _check_sweep(sweep: Path, proc) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    assert [p.name for p in jobs] == ["0", "1"], proc.stderr[-3000:]
    scenarios = set()
    for job in jobs:
        manifest = json.loads((job / "manifest.json").read_text())
        assert manifest["status"] == "ok", (job, manifest["status"])
        kpis = pd.read_csv(job / "kpis.csv")
        assert sorted(kpis["replication"].unique()) == [0, 1]
        scenarios |= set(kpis["scenario"])
    assert scenarios == {"baseline", "health_houses"}


def test_sweep_with_submitit_local_subprocesses(tmp_path: Path) -> None:
    if importlib.util.find_spec("submitit") is None:
        pytest.skip("submitit is not installed")
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "hydra/launcher=slurm_local", *TINY, f"hydra.sweep.dir={sweep}", timeout=240)
    _check_sweep(sweep, proc)
    # each job went through submitit: it pickled the job, ran it and logged it
    logs = sorted((sweep / ".submitit").glob("*/*_log.err"))
    assert len(logs) == 2, proc.stderr[-3000:]
    assert all("results written to" in log.read_text() for log in logs)


def test_sweep_with_the_local_launcher(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "hydra/launcher=local", *TINY, f"hydra.sweep.dir={sweep}", timeout=240)
    # Hydra logs to stdout
    assert "SimLocalLauncher(n_jobs=2) is launching 2 jobs" in proc.stdout + proc.stderr
    _check_sweep(sweep, proc)


def test_sweep_with_ray(tmp_path: Path) -> None:
    if not HAS_RAY:
        pytest.skip("hydra-ray-launcher is not installed (optional extra: pip install -e '.[ray]')")
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "hydra/launcher=ray_cluster", *TINY, f"hydra.sweep.dir={sweep}", timeout=300)
    _check_sweep(sweep, proc)


def test_sweep_with_the_local_launcher_and_worker_pools(tmp_path: Path) -> None:
    """A worker pool inside a job of the local launcher (a spawned process)."""
    sweep = tmp_path / "sweep"
    overrides = [o for o in TINY if not o.startswith("scenario=")]
    proc = run_cli(
        "-m", "hydra/launcher=local", "scenario=baseline", "workers=2", *overrides, f"hydra.sweep.dir={sweep}"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((sweep / "0" / "manifest.json").read_text())
    assert manifest["status"] == "ok", manifest["status"]
