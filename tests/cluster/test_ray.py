"""A sweep through the Ray preset (hydra/launcher=ray_cluster, hydra-ray-launcher) on a real Ray
cluster: the one-node cluster of .ci/cluster/ray_up.sh (`ray start --head`, 2 CPUs), joined with
``hydra.launcher.ray.init.address=auto``. sim runs from .venv-ray, which has the [ray] extra.

The jobs must have run in that cluster, not in a Ray the sweep started for itself: the driver
connected to the existing cluster, and the cluster's own state API (`ray list`, served by the
head) lists the sweep as a finished driver job whose two `_run_job` tasks finished on the head
node, in the worker processes whose output the sweep printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cluster.conftest import RAY_ENV, TINY, check_sweep, run

pytestmark = pytest.mark.cluster


def _ray_list(ray: Path, *args: str) -> list[dict]:
    proc = run(
        [ray, "list", *args, "--format", "json", "--address", "127.0.0.1:6379"], timeout=120, env=RAY_ENV
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_sweep_runs_as_tasks_of_the_running_ray_cluster(ray_venv: Path, ray_cluster, tmp_path: Path) -> None:
    sim, ray = ray_venv / "bin" / "sim", ray_venv / "bin" / "ray"
    sweep = tmp_path / "sweep"
    proc = run(
        [
            sim,
            "-m",
            "hydra/launcher=ray_cluster",
            "hydra.launcher.ray.init.address=auto",
            *TINY,
            f"hydra.sweep.dir={sweep}",
        ],
        timeout=600,
        env=RAY_ENV,
        cwd=tmp_path,
    )
    check_sweep(sweep, proc, [sim])
    output = proc.stdout + proc.stderr
    assert "Connecting to existing Ray cluster at address: 127.0.0.1:6379" in output, output[-3000:]
    assert "Started a local Ray instance" not in output

    # the head knows the sweep as a driver job (its command line names the sweep directory) ...
    jobs = _ray_list(ray, "jobs", "--detail")
    (job,) = [j for j in jobs if f"hydra.sweep.dir={sweep}" in (j["entrypoint"] or "")]
    assert job["type"] == "DRIVER" and job["status"] == "SUCCEEDED", job
    # ... whose two jobs ran as tasks on the head node; the job logs the sweep printed came from
    # those tasks' workers (Ray relays worker output to the driver; a line that arrives after the
    # driver stopped listening is lost, so not every worker needs to appear)
    tasks = _ray_list(ray, "tasks", "--filter", f"job_id={job['job_id']}", "--detail")
    runs = [t for t in tasks if t["func_or_class_name"] == "_run_job"]
    assert len(runs) == 2, tasks
    assert {t["state"] for t in runs} == {"FINISHED"}, runs
    (head,) = [n["node_id"] for n in _ray_list(ray, "nodes") if n["is_head_node"]]
    assert {t["node_id"] for t in runs} == {head}, runs
    printed = {int(pid) for pid in re.findall(r"\(_run_job pid=(\d+)\)", output)}
    assert printed <= {t["worker_pid"] for t in runs}, (runs, printed)
