"""The repository is self-contained (issue 16 point 2): every source a config cites ships with the
package, and nothing points outside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sim import sources
from sim.calibration.targets import load_targets

ROOT = Path(__file__).parents[2]
CONFIGS = ROOT / "sim" / "configs"
# a snake_case name in a comment, not part of a dotted path, a file path, a call or an override value
NAME = re.compile(r"(?<![\w.\-/=])([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w.\-/(])")
OUTSIDE = "../" + "shared"  # spelled in two pieces so this file does not match its own search


def _vocabulary() -> set[str]:
    """Names that are not citations: every word of the configs outside comments (keys, values,
    rule and scenario names) and the stem of every file in the repository."""
    words: set[str] = set()
    for path in CONFIGS.rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            words.update(re.findall(r"[a-z][a-z0-9_]*", line.split("#")[0]))
    return words | {p.stem for p in _repository_files()}


def _repository_files() -> list[Path]:
    """The files of the repository (``git ls-files``; outside a git checkout, a walk of it)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode == 0 and listed.stdout:
        return [ROOT / name for name in listed.stdout.decode().split("\0") if name]
    skip = {".git", ".venv", "results", "__pycache__", "node_modules"}
    return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def config_citations() -> list[tuple[str, str]]:
    """Every (key, file:line) a config comment cites."""
    vocabulary, found = _vocabulary(), []
    for path in sorted(CONFIGS.rglob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "#" in line:
                where = f"{path.relative_to(ROOT)}:{number}"
                found += [(n, where) for n in NAME.findall(line[line.index("#") + 1:]) if n not in vocabulary]
    return found


def test_every_source_a_config_cites_ships_with_the_package() -> None:
    cited = config_citations()
    assert len({key for key, _ in cited}) >= 40, "the configs cite their sources: the search finds too few"
    missing = [f"{where}: {key}" for key, where in cited if sources.lookup(key) is None]
    assert not missing, "cited in a config but not in sim/data/sources: " + "; ".join(missing)


def test_every_calibration_target_cites_a_shipped_source() -> None:
    targets = load_targets().targets
    missing = [f"{t.name}: {key}" for t in targets for key in t.source if sources.lookup(key) is None]
    assert not missing, missing


def test_a_source_resolves_to_its_figure() -> None:
    entry = sources.lookup("list_size_avg_2014")
    assert entry is not None and entry.value == 1600 and "2014" in entry.year
    assert "1600" in entry.cite()
    table = sources.lookup("DST2021AGE")
    assert table is not None and table.year == "2021"
    assert sources.lookup("no_such_figure_2019") is None


@pytest.mark.parametrize("name", ["denmark.yaml", "calibration.md", "evidence.md", "data_sources.md"])
def test_the_sources_are_package_data(name: str) -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"data/sources/*' in pyproject
    assert (sources.SOURCES_DIR / name).is_file()


def test_nothing_in_the_repository_points_outside_it() -> None:
    hits = []
    for path in _repository_files():
        if path.suffix in {".png", ".parquet", ".geojson"} or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        lines = enumerate(text.splitlines(), 1)
        hits += [f"{path.relative_to(ROOT)}:{n}" for n, line in lines if OUTSIDE in line]
    assert not hits, f"references to {OUTSIDE} (ship what is cited under sim/data/sources): {hits}"
