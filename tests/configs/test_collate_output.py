"""Collate writes nothing outside its place: the default study folder comes from a safe experiment
name under results/, a folder that cannot be written is one line (exit 1), Ctrl-C is one line
(exit 130), and none of them leaves a partial study or a traceback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli.collate_cmd import STUDY_FILES
from sim.cli.collate_cmd import main as collate_main
from sim.config.validation import name_error
from sim.metrics import collate as collate_module
from tests.configs.test_collate import fake_job
from tests.conftest import run_cli


def tree(root: Path) -> dict[str, tuple[bool, int]]:
    """Every file and folder under ``root``: relative path to (is a folder, modification time)."""
    return {str(p.relative_to(root)): (p.is_dir(), p.stat().st_mtime_ns) for p in root.rglob("*")}


def sweep_named(root: Path, experiment: str) -> Path:
    """A sweep of two ok jobs whose manifests record the experiment name ``experiment``."""
    sweep = root / "sweep"
    fake_job(sweep, 0, "baseline", [1.0, 2.0, 3.0], experiment=experiment)
    fake_job(sweep, 1, "health_houses", [2.0, 3.0, 4.0], experiment=experiment)
    return sweep


def sentinel(folder: Path) -> None:
    """A study-like folder that collate must not touch: ``plots/`` and a report."""
    (folder / "plots").mkdir(parents=True)
    (folder / "plots" / "keep.png").write_bytes(b"png")
    (folder / "report.html").write_text("keep")


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory three levels below ``tmp_path`` (so ``../../..`` stays in tmp_path)."""
    work = tmp_path / "w1" / "w2" / "w3"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return work


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "interpolation"])
def test_an_experiment_name_that_is_not_one_safe_segment_is_refused(
    kind: str, cwd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, target = {
        "dotdot": ("../../../escape", tmp_path / "w1" / "escape"),
        "absolute": (str(tmp_path / "absolute"), tmp_path / "absolute"),
        "interpolation": ("${oc.env:HOME}", tmp_path / "home"),
    }[kind]
    assert (cwd / "results" / name).resolve() == target or kind == "interpolation"
    sweep = sweep_named(tmp_path, name)
    sentinel(target)
    before = tree(tmp_path)
    assert collate_main([str(sweep)]) == 2
    reason = name_error(name)
    assert reason
    assert capsys.readouterr().err.splitlines() == [
        f"sim collate: experiment.name in {sweep / '0' / 'manifest.json'}: {reason}; give --out"
    ]
    assert tree(tmp_path) == before  # the sentinel plots/ and report survive; nothing is written


def test_an_experiment_folder_linked_out_of_results_is_refused(
    cwd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    sentinel(outside)
    (cwd / "results").mkdir()
    (cwd / "results" / "linked").symlink_to(outside, target_is_directory=True)
    sweep = sweep_named(tmp_path, "linked")
    before = tree(tmp_path)
    assert collate_main([str(sweep)]) == 2
    err = capsys.readouterr().err.splitlines()
    source = sweep / "0" / "manifest.json"
    assert len(err) == 1 and err[0].startswith(f"sim collate: experiment.name in {source}: ")
    assert f"resolves to {outside}, outside results/; give --out" in err[0]
    assert tree(tmp_path) == before


def test_a_safe_experiment_name_writes_only_inside_results_name(cwd: Path, tmp_path: Path) -> None:
    sweep = sweep_named(tmp_path, "my_study")
    study = cwd / "results" / "my_study"
    earlier = study / "2026-01-01_00-00-00"
    sentinel(earlier)  # an earlier study of the same experiment: kept whole (issue 16 point 8)
    before = tree(tmp_path)
    assert collate_main([str(sweep)]) == 0
    after = tree(tmp_path)
    latest = study / "latest"
    assert latest.is_symlink() and not Path(os.readlink(latest)).is_absolute()
    out = latest.resolve()
    assert out.parent == study.resolve() and out.name != earlier.name
    inside = str(out.relative_to(tmp_path.resolve()))
    new = {str(latest.relative_to(tmp_path)), str(study.relative_to(tmp_path)), inside}  # and its mtime
    outside = lambda t: {k: v for k, v in t.items() if k not in new and not k.startswith(inside + os.sep)}  # noqa: E731
    assert outside(after) == outside(before)  # the earlier study unchanged; no temporary folder beside
    assert sorted(p.name for p in out.iterdir()) == sorted(STUDY_FILES)
    assert json.loads((out / "manifest.json").read_text())["experiment"]["name"] == "my_study"


def test_a_sweep_named_by_time_gives_its_time_to_the_study(cwd: Path, tmp_path: Path) -> None:
    sweep = sweep_named(tmp_path, "timed")
    stamped = sweep.with_name("2026-12-07_10-11-12")
    sweep.rename(stamped)
    assert collate_main([str(stamped)]) == 0
    assert (cwd / "results" / "timed" / "latest").resolve().name == "2026-12-07_10-11-12"


def test_a_folder_that_cannot_be_written_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = sweep_named(tmp_path, "x")
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "study"
    assert collate_main([str(sweep), "--out", str(out)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"sim collate: cannot write {out}: Not a directory"]


def _full_disk(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_leaves_no_partial_study(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = sweep_named(tmp_path, "x")
    old, new = tmp_path / "old", tmp_path / "new"
    assert collate_main([str(sweep), "--out", str(old)]) == 0
    sentinel_tree = tree(old)
    capsys.readouterr()
    monkeypatch.setattr(pd.DataFrame, "to_parquet", _full_disk)
    for out in (old, new):
        assert collate_main([str(sweep), "--out", str(out)]) == 1
        assert capsys.readouterr().err.splitlines() == [
            f"sim collate: cannot write {out}: No space left on device"
        ]
    assert tree(old) == sentinel_tree  # the earlier study stands, whole
    assert not new.exists()  # a study folder made for this collation is removed again


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["reading", "writing"])
def test_ctrl_c_is_one_line_exit_130_and_no_partial_output(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep, out = sweep_named(tmp_path, "x"), tmp_path / "study"
    if where == "reading":
        monkeypatch.setattr(collate_module, "read_table", _interrupt)
    else:
        monkeypatch.setattr(pd.DataFrame, "to_parquet", _interrupt)
    assert collate_main([str(sweep), "--out", str(out)]) == 130
    assert capsys.readouterr().err.splitlines() == ["sim collate: interrupted"]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]


def test_the_command_line_prints_no_traceback_when_it_cannot_write(tmp_path: Path) -> None:
    sweep = sweep_named(tmp_path, "x")
    (tmp_path / "a_file").write_text("not a folder")
    out = tmp_path / "a_file" / "study"
    proc = run_cli("collate", str(sweep), "--out", str(out), timeout=120)
    assert (proc.returncode, proc.stderr) == (1, f"sim collate: cannot write {out}: Not a directory\n")


def test_the_command_line_prints_no_traceback_for_an_unsafe_experiment_name(tmp_path: Path) -> None:
    sweep = sweep_named(tmp_path, "../escape")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "collate", str(sweep)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith("sim collate: experiment.name in ") and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep"]  # no escape/, no results/
