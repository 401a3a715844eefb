"""The local launcher (hydra/launcher=local: hydra_plugins/sim_launcher/): one process per job.

Sweeps run as a user would (``python -m sim -m ...``) at a tiny size: the launcher gives the
same KPIs as Hydra's basic launcher, and a job whose process is killed (``SIGKILL``, as the OOM
killer does) fails alone: an error manifest naming the signal, the other jobs finish, exit 1.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from hydra_plugins.sim_launcher.local_launcher import KILL_ENV, describe_exit, resolve_n_jobs, sweep_total
from tests.conftest import run_cli

SCENARIOS = ("baseline", "health_houses", "acute_function")
# Three jobs of a second or so each
TINY = (
    f"scenario={','.join(SCENARIOS)}",
    "population.size=2000",
    "years=0.05",
    "warmup_days=7",
    "warm_start_days=0",
    "output.plots=false",
    "services.reference_population=0",
)
LOCAL = ("hydra/launcher=local", "hydra.launcher.n_jobs=2")


def _sweep(sweep: Path, *launcher: str):
    """Run the tiny sweep with ``launcher`` overrides into ``sweep``; return the finished process."""
    return run_cli("-m", *launcher, *TINY, f"hydra.sweep.dir={sweep}", timeout=180)


def _status(job: Path) -> str:
    """The status in the manifest of a job directory."""
    return json.loads((job / "manifest.json").read_text())["status"]


def test_local_sweep_matches_the_basic_launcher(tmp_path: Path) -> None:
    local = _sweep(tmp_path / "local", *LOCAL)
    assert local.returncode == 0, local.stderr[-3000:]
    assert "SimLocalLauncher(n_jobs=2) is launching 3 jobs" in local.stdout + local.stderr
    basic = _sweep(tmp_path / "basic", "hydra/launcher=basic")
    assert basic.returncode == 0, basic.stderr[-3000:]
    for num, scenario in enumerate(SCENARIOS):
        job = tmp_path / "local" / str(num)
        assert _status(job) == "ok", (num, _status(job))
        kpis = pd.read_csv(job / "kpis.csv")
        assert set(kpis["scenario"]) == {scenario}
        pd.testing.assert_frame_equal(kpis, pd.read_csv(tmp_path / "basic" / str(num) / "kpis.csv"))


def test_a_killed_job_fails_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KILL_ENV, "1")  # the process of job 1 kills itself with SIGKILL
    sweep = tmp_path / "sweep"
    proc = _sweep(sweep, *LOCAL)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "sim: 1 job(s) of the sweep failed: 1" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert _status(sweep / "1") == "error: the job's process was killed by signal 9 (SIGKILL)"
    assert not list((sweep / "1").glob("kpis*")) and not list((sweep / "1").glob("timeseries*"))
    for num in (0, 2):
        assert _status(sweep / str(num)) == "ok", proc.stderr[-3000:]
        assert set(pd.read_csv(sweep / str(num) / "kpis.csv")["scenario"]) == {SCENARIOS[num]}


def test_exit_codes_and_n_jobs_in_words() -> None:
    assert describe_exit(-signal.SIGKILL) == "the job's process was killed by signal 9 (SIGKILL)"
    assert describe_exit(3) == "the job's process exited with code 3 before the job ended"
    assert resolve_n_jobs(4) == 4
    assert resolve_n_jobs(-1) >= 1
    with pytest.raises(ValueError, match="n_jobs"):
        resolve_n_jobs(0)


def test_the_sweep_size_for_job_k_of_n() -> None:
    basic = OmegaConf.create({"hydra": {"sweeper": {"max_batch_size": None}}})
    assert sweep_total(basic, 0, 6) == 6  # one batch: the whole sweep
    assert sweep_total(OmegaConf.create({"hydra": {"sweeper": {"max_batch_size": 2}}}), 0, 2) is None
    optuna = OmegaConf.create({"hydra": {"sweeper": {"n_trials": 15, "n_jobs": 1}}})
    assert sweep_total(optuna, 4, 1) == 15  # Optuna launches a batch per trial: the study has 15

