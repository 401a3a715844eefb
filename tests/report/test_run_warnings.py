"""Warnings recorded by the runs: each distinct warning once, with the variants it came from."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from sim.report.html import build_report
from sim.report.run_warnings import run_warnings

SLOW = "services.ooh.triage.servers: 2 for 59,246 people rounds to 1 at 2,000 people"
SHORT = "the measured period is shorter than a year: yearly KPIs are scaled up"


def test_each_warning_once_with_its_variants() -> None:
    records = [
        {"variant": "baseline", "warnings": [SLOW, SHORT]},
        {"variant": "health_houses", "warnings": [SLOW]},
        {"variant": "health_houses", "warnings": [SLOW]},  # a second job of the same variant
        {"variant": "ageing_2035", "warnings": []},
        {"variant": "gp_shortage"},  # an older job: no key
    ]
    assert run_warnings(records) == {SLOW: ["baseline", "health_houses"], SHORT: ["baseline"]}
    assert run_warnings([{"variant": "baseline", "warnings": []}]) == {}
    assert run_warnings([{"variant": "baseline"}]) is None  # results from before warnings


def _section(page: str) -> str:
    start = page.index("<h2 id='warnings'>")
    return page[start : page.index("<h2 ", start + 1)]


def test_report_lists_warnings_near_the_top(study_dir: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(study_dir, study, ignore=shutil.ignore_patterns("plots", "report.html"))
    manifest = json.loads((study / "manifest.json").read_text())
    for job in manifest["jobs"]:
        job["warnings"] = []  # the fixture's own runs warn too (a small population): start from none
    manifest["jobs"][0]["warnings"] = [SLOW, SHORT]
    manifest["jobs"][1]["warnings"] = [SLOW]
    (study / "manifest.json").write_text(json.dumps(manifest))
    page = build_report(study).read_text()
    section = _section(page)
    assert section.count(SLOW.replace("'", "&#x27;")) == 1 and section.count(SHORT) == 1
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", section)
    by_warning = {w: re.findall(r"<code>(.*?)</code>", v) for w, v in rows}
    assert by_warning == {SLOW: ["baseline", "health_houses"], SHORT: ["baseline"]}
    assert page.index("<h2 id='warnings'>") < page.index("<h2 id='plots'>")


def test_the_runs_own_warnings_are_listed(study_dir: Path, tmp_path: Path) -> None:
    page = build_report(study_dir, tmp_path / "report.html").read_text()
    assert "people is small: KPIs of the oldest band" in _section(page)  # the fixture runs 2,000 people


def test_older_results_without_warnings_say_so(study_dir: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    shutil.copytree(study_dir, study)
    manifest = json.loads((study / "manifest.json").read_text())
    for job in manifest["jobs"]:
        job.pop("warnings", None)  # as written before runs recorded warnings
    (study / "manifest.json").write_text(json.dumps(manifest))
    page = build_report(study, tmp_path / "report.html").read_text()
    assert "did not record warnings (older results)" in _section(page)
