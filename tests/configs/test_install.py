"""A normal (not editable) install runs from any folder: the wheel, installed into a fresh venv
with its dependencies from the package index, carries its configs and sources, and a user's own
scenarios live in a folder of their own (``--config-dir``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_installed_into_a_fresh_venv_runs_from_another_folder(tmp_path: Path) -> None:
    venv, work = tmp_path / "venv", tmp_path / "elsewhere"
    source, dist = tmp_path / "source", tmp_path / "dist"
    work.mkdir()
    # a copy of the source tree, so that the build leaves nothing in the repository
    skip = shutil.ignore_patterns(".git", ".venv*", "results", "build", "*.egg-info", "__pycache__", "tests")
    shutil.copytree(ROOT, source, ignore=skip, symlinks=True)
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(dist), str(source)],
        capture_output=True, text=True, timeout=600, cwd=work,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("sim-*.whl")
    # a fresh venv: sim and its dependencies from the package index (pip's cache makes it quick)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(wheel)],
        capture_output=True, text=True, timeout=900, cwd=work,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    where = "import sim, pathlib; print(pathlib.Path(sim.__file__).parents[1])"
    target = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", where],
        capture_output=True, text=True, cwd=work, timeout=60, check=True,
    ).stdout.strip())  # fmt: skip
    assert target.is_relative_to(venv), target
    assert (target / "sim" / "configs" / "config.yaml").is_file()
    assert not (target / "sim" / "configs").is_symlink()
    shipped_data = ("data/sources/denmark.yaml", "data/sources/README.md", "data/denmark/municipalities.csv",
                    "data/denmark/municipalities.geojson")
    for shipped in shipped_data:
        assert (target / "sim" / shipped).is_file(), f"{shipped} is not package data"
    env = {k: v for k, v in os.environ.items() if k not in ("SIM_CONFIG_DIR", "PYTHONPATH", "VIRTUAL_ENV")}
    sim_command = str(venv / "bin" / "sim")  # the console script of the installed package
    run = subprocess.run(
        [sim_command, "population.size=2000", "years=0.05", "output.plots=false",
         f"hydra.run.dir={work / 'out'}"],
        capture_output=True, text=True, env=env, cwd=work, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (work / "out" / "kpis.parquet").is_file()
    assert str(target / "sim" / "configs") in (work / "out" / ".hydra" / "hydra.yaml").read_text()

    # the user's own scenario, in their own folder, in a sweep beside a shipped one
    mine = work / "my_configs" / "scenario"
    mine.mkdir(parents=True)
    (mine / "mine.yaml").write_text(
        "# @package _global_\nscenario:\n  name: mine\n  description: Mine.\ndemand:\n  same_day_share: 0.4\n"
    )
    sweep = subprocess.run(
        [sim_command, "-m", "--config-dir", str(work / "my_configs"),
         "scenario=baseline,mine", "population.size=2000", "years=0.05", f"hydra.sweep.dir={work / 'sweep'}"],
        capture_output=True, text=True, env=env, cwd=work, timeout=600,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stderr
    scenarios = {json.loads((work / "sweep" / j / "manifest.json").read_text())["scenario"] for j in "01"}
    assert scenarios == {"baseline", "mine"}
