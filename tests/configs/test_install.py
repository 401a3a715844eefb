"""A normal (not editable) install runs from any folder: the configs ship inside the package,
and a user's own scenarios live in a folder of their own (``--config-dir``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_non_editable_install_runs_from_another_folder(tmp_path: Path) -> None:
    target, work, source = tmp_path / "site", tmp_path / "elsewhere", tmp_path / "source"
    work.mkdir()
    # a copy of the source tree, so that the build leaves nothing in the repository
    skip = shutil.ignore_patterns(".git", ".venv", "results", "build", "*.egg-info", "__pycache__", "tests")
    shutil.copytree(ROOT, source, ignore=skip, symlinks=True)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=600, cwd=work,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    assert (target / "sim" / "configs" / "config.yaml").is_file()
    assert not (target / "sim" / "configs").is_symlink()
    shipped_data = ("data/sources/denmark.yaml", "data/sources/README.md", "data/denmark/municipalities.csv")
    for shipped in shipped_data:
        assert (target / "sim" / shipped).is_file(), f"{shipped} is not package data"
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("SIM_CONFIG_DIR", None)
    where = subprocess.run(
        [sys.executable, "-c", "import sim, sim.config.load as c; print(sim.__file__, c.config_dir())"],
        capture_output=True, text=True, env=env, cwd=work, timeout=60,
    )  # fmt: skip
    module, configs = where.stdout.split()
    assert module.startswith(str(target)) and configs.startswith(str(target)), where.stdout
    run = subprocess.run(
        [sys.executable, "-m", "sim", "population.size=2000", "years=0.05", "output.plots=false",
         f"hydra.run.dir={work / 'out'}"],
        capture_output=True, text=True, env=env, cwd=work, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (work / "out" / "kpis.parquet").is_file()

    # the user's own scenario, in their own folder, in a sweep beside a shipped one
    mine = work / "my_configs" / "scenario"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text(
        "# @package _global_\nscenario:\n  name: mine\n  description: Mine.\ndemand:\n  same_day_share: 0.4\n"
    )
    sweep = subprocess.run(
        [sys.executable, "-m", "sim", "-m", "--config-dir", str(work / "my_configs"),
         "scenario=baseline,mine", "population.size=2000", "years=0.05", f"hydra.sweep.dir={work / 'sweep'}"],
        capture_output=True, text=True, env=env, cwd=work, timeout=600,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    scenarios = {json.loads((work / "sweep" / j / "manifest.json").read_text())["scenario"] for j in "01"}
    assert scenarios == {"baseline", "mine"}
