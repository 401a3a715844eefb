"""A sweep through the SLURM preset (hydra/launcher=slurm, submitit) on a real SLURM cluster: the
one-node cluster of .ci/cluster/slurm_up.sh (slurmctld, slurmd and munged on this machine).

The jobs must have run as SLURM jobs, not as local processes: submitit names their folders by the
array job id SLURM gave and found SLURM's variables in the job (``JobEnvironment(job_id=<array
id>_<task>`` in its log; the slurm_local route logs a process id there), and slurmctld's
job-completion log holds both tasks of that array, COMPLETED on this node with the resources the
preset asked for.
"""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from tests.cluster.conftest import MAIN_SIM, TINY, check_sweep, run

pytestmark = pytest.mark.cluster


def _completion_log() -> Path:
    """The job-completion log of the running cluster (JobCompLoc in `scontrol show config`)."""
    config = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True, check=True).stdout
    (loc,) = re.findall(r"^JobCompLoc\s*=\s*(\S+)", config, flags=re.M)
    return Path(loc)


def _completed(log: Path, array_id: str) -> dict[str, dict[str, str]]:
    """The log's records of the tasks of job array ``array_id``, by task id."""
    records = {}
    for line in log.read_text().splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if fields.get("ArrayJobId") == array_id:
            records[fields["ArrayTaskId"]] = fields
    return records


def test_sweep_runs_as_jobs_of_a_slurm_array(slurm_cluster, tmp_path: Path) -> None:
    host = socket.gethostname().split(".")[0]
    sweep = tmp_path / "sweep"
    proc = run(
        [
            *MAIN_SIM,
            "-m",
            "hydra/launcher=slurm",
            "hydra.launcher.mem_gb=1",  # the preset's 8 GB would not fit every test machine
            "hydra.launcher.timeout_min=10",
            *TINY,
            f"hydra.sweep.dir={sweep}",
        ],
        timeout=600,
        cwd=tmp_path,
    )
    check_sweep(sweep, proc, MAIN_SIM)

    # submitit: one folder per task of one array, named by SLURM's job id, and SLURM's variables
    folders = sorted(p.name for p in (sweep / ".submitit").iterdir() if re.fullmatch(r"\d+_\d+", p.name))
    assert len(folders) == 2, folders
    array_id = folders[0].split("_")[0]
    assert folders == [f"{array_id}_0", f"{array_id}_1"]
    for folder in folders:
        (log,) = (sweep / ".submitit" / folder).glob("*_log.out")
        assert f"JobEnvironment(job_id={folder}, hostname={host}," in log.read_text()

    # slurmctld: both tasks ended COMPLETED with exit code 0, on this node, as the preset asked
    records = _completed(_completion_log(), array_id)
    assert sorted(records) == ["0", "1"], records
    for task in records.values():
        assert task["JobState"] == "COMPLETED", task
        assert task["ExitCode"] == "0:0", task
        assert task["NodeList"] == host, task
        assert task["Name"] == "sim_default", task  # name: sim_${experiment.name}
        assert task["TimeLimit"] == "10", task
        assert "cpu=1," in task["Tres"] and "mem=1G" in task["Tres"], task
