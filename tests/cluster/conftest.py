"""Fixtures of tests/cluster/: a one-node SLURM cluster and a one-node Ray cluster on this machine,
started by the project's own scripts (.ci/cluster/*_up.sh), and the checks both sweeps share.

`make test-cluster` starts both clusters before pytest and stops them after it. Run alone
(``pytest -m cluster tests/cluster``), a fixture starts the cluster it needs and stops it at the
end of the session, but leaves running a cluster that was up before. A test skips only when
the up script says this machine cannot run the cluster (exit status 3, with the reason); any
other failure to start is a test failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).parents[2]
SCRIPTS = ROOT / ".ci" / "cluster"
STATE = Path(os.environ.get("SIM_CLUSTER_DIR", "/tmp/sim-cluster"))
EXIT_UNAVAILABLE = 3  # .ci/cluster/common.sh
RAY_VENV = Path(os.environ.get("RAY_VENV", ROOT / ".venv-ray"))
# Ray clients of the loopback-only cluster of ray_up.sh need these too (ray_up.sh says why)
RAY_ENV = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "disabled"}

# A sweep of two jobs at a tiny size (a few seconds each)
SCENARIOS = ("baseline", "health_houses")
TINY = (
    f"scenario={','.join(SCENARIOS)}",
    "population.size=2000",
    "years=0.1",
    "replications=1",
    "services.reference_population=0",
    "output.plots=false",
)


def _start(name: str, script: str, is_up: Callable[[], bool]) -> Iterator[None]:
    """Run .ci/cluster/<script>; skip (reason from the script) if this machine cannot run the
    cluster, fail if it does not start; stop it at the end if it was not up before."""
    was_up = is_up()
    proc = subprocess.run(["bash", SCRIPTS / script], capture_output=True, text=True, timeout=1200)
    if proc.returncode == EXIT_UNAVAILABLE:
        reason_file = STATE / name / "unavailable"
        reason = reason_file.read_text().strip() if reason_file.exists() else proc.stderr.strip()
        pytest.skip(f"{name}: this machine cannot run a {name} cluster: {reason}")
    if proc.returncode != 0:
        pytest.fail(
            f"{script} failed (status {proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}",
            pytrace=False,
        )
    assert is_up(), f"{script} said the cluster is up, but it does not answer:\n{proc.stdout}"
    yield
    if not was_up:
        subprocess.run(["bash", SCRIPTS / script.replace("_up", "_down")], timeout=300, check=True)


def slurm_is_up() -> bool:
    """slurmctld answers and the node takes jobs (idle, or busy with some)."""
    try:
        proc = subprocess.run(["sinfo", "-h", "-N", "-o", "%T"], capture_output=True, text=True, timeout=30)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and proc.stdout.strip() in ("idle", "mixed", "allocated", "completing")


def ray_is_up() -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[None]:
    """The one-node SLURM cluster of .ci/cluster/slurm_up.sh (installs slurm-wlm when root)."""
    yield from _start("slurm", "slurm_up.sh", slurm_is_up)


@pytest.fixture(scope="session")
def ray_venv() -> Path:
    """.venv-ray (sim with its [ray] extra); made with `make venv-ray` when it is missing."""
    if not (RAY_VENV / ".installed").exists():
        proc = subprocess.run(
            ["make", "--no-print-directory", "venv-ray"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert proc.returncode == 0, f"make venv-ray failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return RAY_VENV


@pytest.fixture(scope="session")
def ray_cluster(ray_venv: Path) -> Iterator[None]:
    """The one-node Ray cluster of .ci/cluster/ray_up.sh (`ray start --head`, 2 CPUs, 127.0.0.1)."""
    yield from _start("ray", "ray_up.sh", ray_is_up)


def run(args: Sequence[str | Path], timeout: float = 600, env: dict | None = None, cwd: Path | None = None):
    """Run a command, capturing its output; a hung sweep fails the test after ``timeout`` s."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd
    )


def check_sweep(sweep: Path, proc: subprocess.CompletedProcess, sim: Sequence[str | Path]) -> None:
    """Both jobs of the TINY sweep ended ok with their KPIs, and `sim collate` gathers them."""
    output = (proc.stdout + proc.stderr)[-5000:]
    assert proc.returncode == 0, output
    jobs = sorted(p.name for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    assert jobs == ["0", "1"], output
    scenarios = set()
    for job in jobs:
        manifest = json.loads((sweep / job / "manifest.json").read_text())
        assert manifest["status"] == "ok", (job, manifest["status"], output)
        scenarios |= set(pd.read_csv(sweep / job / "kpis.csv")["scenario"])
    assert scenarios == set(SCENARIOS)
    out = sweep.parent / "collated"
    collate = run([*sim, "collate", sweep, "--out", out], timeout=300)
    assert collate.returncode == 0, collate.stdout + collate.stderr
    table = pd.read_csv(out / "jobs.csv")
    assert sorted(table["status"]) == ["ok", "ok"]
    assert set(table["scenario"]) == set(SCENARIOS)


MAIN_SIM = (sys.executable, "-m", "sim")
