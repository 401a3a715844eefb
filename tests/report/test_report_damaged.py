"""``sim report`` on a damaged study is one line and exit 2; it writes nothing but the report file
and ``<study>/plots/`` (replaced whole, never left half-drawn); a folder that cannot be written
is one line and exit 1, and Ctrl-C one line and exit 130."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib.figure
import pandas as pd
import pytest

from sim.cli import report_cmd
from sim.cli.collate_cmd import main as collate_main
from tests.configs.test_collate import fake_job
from tests.conftest import run_cli


def tree(root: Path) -> dict[str, int]:
    """Every file and folder under ``root``: relative path to the file's modification time (-1 for
    a folder, whose time changes with any entry made and removed in it)."""
    return {str(p.relative_to(root)): -1 if p.is_dir() else p.stat().st_mtime_ns for p in root.rglob("*")}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep of two fake jobs and the study ``sim collate`` made of it (in ``<root>/study``)."""
    root = tmp_path_factory.mktemp("damaged")
    fake_job(root / "sweep", 0, "baseline", [50.0, 60.0, 55.0], experiment="damage")
    fake_job(root / "sweep", 1, "health_houses", [48.0, 59.0, 52.0], experiment="damage")
    fake_job(root / "sweep", 2, "ageing_2035", [], status="error: RuntimeError('boom')", experiment="damage")
    assert collate_main([str(root / "sweep"), "--out", str(root / "study")]) == 0
    return root


@pytest.fixture
def root(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the sweep and study of :func:`pristine`."""
    shutil.copytree(pristine, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _csv(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    """Damage: rewrite the study's CSV table ``name`` changed by ``change``."""
    return lambda study: change(pd.read_csv(study / name)).to_csv(study / name, index=False)


def _bytes(name: str, data: bytes) -> Callable[[Path], None]:
    """Damage: overwrite the study's file ``name`` with ``data``."""
    return lambda study: (study / name).write_bytes(data)


def _truncate(name: str) -> Callable[[Path], None]:
    """Damage: cut the study's file ``name`` in half."""

    def cut(study: Path) -> None:
        data = (study / name).read_bytes()
        (study / name).write_bytes(data[: len(data) // 2])

    return cut


def _no_value(study: Path) -> None:
    """Damage: drop the value column of the study's kpis.parquet."""
    pd.read_parquet(study / "kpis.parquet").drop(columns="value").to_parquet(study / "kpis.parquet")


# (file, damage, the reason the message gives, at its start)
NOT_NUMBERS = "the column mean does not hold numbers"
DAMAGE = {
    "empty summary.csv": ("summary.csv", _bytes("summary.csv", b""), "the file is empty"),
    "summary.csv cut in its header": (
        "summary.csv",
        _bytes("summary.csv", b"variant,sc"),
        "lacks the column",
    ),
    "binary summary.csv": (
        "summary.csv",
        _bytes("summary.csv", b"\xff\xfe\x00bad\x00"),
        "UnicodeDecodeError",
    ),
    "summary.csv without mean": (
        "summary.csv",
        _csv("summary.csv", lambda t: t.drop(columns="mean")),
        "lacks the column(s) mean",
    ),
    "summary.csv with words for means": (
        "summary.csv",
        _csv("summary.csv", lambda t: t.assign(mean="high")),
        NOT_NUMBERS,
    ),
    "garbage kpis.parquet": ("kpis.parquet", _bytes("kpis.parquet", b"PAR1 garbage"), "ArrowInvalid"),
    "truncated timeseries.parquet": ("timeseries.parquet", _truncate("timeseries.parquet"), "ArrowInvalid"),
    "kpis.parquet without value": ("kpis.parquet", _no_value, "lacks the column(s) value"),
    "differences.csv without mean_diff": (
        "differences.csv",
        _csv("differences.csv", lambda t: t.drop(columns="mean_diff")),
        "lacks the column(s)",
    ),
    "jobs.csv that does not parse": (
        "jobs.csv",
        _bytes("jobs.csv", b'job,dir\n0,"x\n1,2,3\n'),
        "ParserError",
    ),
    "manifest.json not JSON": ("manifest.json", _truncate("manifest.json"), "JSONDecodeError"),
    "manifest.json a list": ("manifest.json", _bytes("manifest.json", b"[1, 2]"), "not a JSON object"),
    "manifest.json jobs not objects": (
        "manifest.json",
        _bytes("manifest.json", b'{"jobs": [1]}'),
        "'jobs' is",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_study_is_one_line_exit_2_and_writes_nothing(
    damage: str, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    study = root / "study"
    name, spoil, reason = DAMAGE[damage]
    spoil(study)
    before = tree(root)
    assert report_cmd.main([str(study)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"sim report: {study}: {name}: {reason}"), err
    assert tree(root) == before  # no plots/, no report.html, no temporary folder


def test_the_report_writes_only_its_file_and_replaces_plots_whole(root: Path, tmp_path: Path) -> None:
    study = root / "study"
    (study / "plots").mkdir()
    (study / "plots" / "stale.png").write_bytes(b"from an earlier report")
    before = tree(root)
    assert report_cmd.main([str(study)]) == 0
    after = tree(root)
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    plots = {k for k in changed if k.startswith(str(Path("study", "plots")) + os.sep)}
    assert changed - plots == {str(Path("study", "report.html"))}
    assert sorted(p.name for p in (study / "plots").iterdir()) == ["kpi_comparison.png"]  # stale.png gone

    elsewhere = root / "elsewhere" / "r.html"
    before = tree(root)
    assert report_cmd.main([str(study), "--out", str(elsewhere)]) == 0
    after = tree(root)
    changed = {k for k in after.keys() | before.keys() if after.get(k) != before.get(k)}
    assert {k for k in changed if not k.startswith(str(Path("study", "plots")))} == {
        "elsewhere",
        str(Path("elsewhere", "r.html")),
    }


def _interrupt(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _full_disk(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_ctrl_c_after_the_plots_leaves_the_old_plots_and_no_report(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    study = root / "study"
    (study / "plots").mkdir()
    (study / "plots" / "old.png").write_bytes(b"old")
    before = tree(root)
    monkeypatch.setattr("sim.report.html.render", _interrupt)  # the plots are drawn by then
    assert report_cmd.main([str(study)]) == 130
    assert capsys.readouterr().err.splitlines() == ["sim report: interrupted"]
    assert tree(root) == before


def test_a_folder_that_cannot_be_written_is_one_line_exit_1(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    study = root / "study"
    (root / "a_file").write_text("not a folder")
    out = root / "a_file" / "report.html"
    before = tree(root)
    assert report_cmd.main([str(study), "--out", str(out)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"sim report: cannot write {out.parent}: "), err
    assert tree(root) == before
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", _full_disk)
    assert report_cmd.main([str(study)]) == 1
    full = f"sim report: cannot write {study}: No space left on device"
    assert capsys.readouterr().err.splitlines() == [full]
    assert tree(root) == before


def test_the_command_line_prints_no_traceback_for_a_damaged_study(root: Path) -> None:
    study = root / "study"
    (study / "manifest.json").write_text("{not json")
    proc = run_cli("report", str(study), timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"sim report: {study}: manifest.json: JSONDecodeError: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
    ]
    assert not (study / "plots").exists() and not (study / "report.html").exists()
