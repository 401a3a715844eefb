"""``sim report``: one self-contained HTML file, readable in a real browser (headless Chromium)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.cli import report_cmd
from sim.report.markup import render_markdown

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
STRESS_DES = ("1 Objectives", "2 Logic", "3 Data", "4 Experimentation", "5 Implementation", "6 Code access")


@pytest.fixture(scope="module")
def report(study_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the fixture study, written through the command line."""
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert report_cmd.main([str(study_dir), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def page(report: Path) -> str:
    """The report's HTML."""
    return report.read_text(encoding="utf-8")


def test_report_is_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page and "@import" not in page
    images = re.findall(r"<img[^>]*\ssrc=\"([^\"]*)\"", page)
    assert len(images) == page.count("<img") >= 6
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_holds_stress_des_and_no_unfilled_template_field(page: str) -> None:
    text = re.sub(r"<[^>]+>", " ", page)
    for heading in STRESS_DES:
        assert f">{heading}</h3>" in page, heading
    assert "Monks et al. 2019" in page
    assert not re.search(r"\$\{?[a-z_]+", text), "a template field was left unfilled"
    assert "14 warm-up days" in text and "2 replication(s) per job" in text
    assert "2,000 residents" in text and "not recorded" not in text.split("Model description")[1]


def test_report_tables_means_differences_and_scenarios(page: str, study_dir: Path) -> None:
    for section in ("Headline KPIs: mean and 95% confidence interval", "Differences against baseline"):
        assert section in page
    assert "CI excludes 0" in page
    assert '<tr class="clear">' in page  # health houses open longer: an interval that excludes 0
    assert "Mean wait for a routine appointment" in page
    assert "baseline | services.acute_function.shifts.day.nurses=3" in page
    assert "Solo and small practices merged into doctors" in page  # a scenario description


def test_report_gives_the_cost_per_avoided_admission(page: str) -> None:
    """Each variant's extra cost and admissions avoided against the baseline, paired by
    replication, and their ratio with Fieller's interval (sim.metrics.economics)."""
    assert "<h2 id='cost-effectiveness'>Cost per avoided avoidable admission</h2>" in page
    assert "<a href='#cost-effectiveness'>" in page
    section = page.split("id='cost-effectiveness'", 1)[1].split("<h2", 1)[0]
    assert "Fieller" in section
    for variant in ("health_houses", "ageing_2035"):
        assert f"<td>{variant}</td>" in section


def test_report_lists_failures_and_the_manifest(page: str, study_dir: Path) -> None:
    manifest = json.loads((study_dir / "manifest.json").read_text())
    assert "Failed jobs" in page and "a job that failed, for the failures table" in page
    assert manifest["git_commit"] in page
    for job in manifest["jobs"]:
        if job["status"] == "ok":
            assert job["config_hash"] in page
    assert "SeedSequence(seed, replication, blake2b(stream name))" in page
    assert "scenario=ageing_2035" in page
    assert f'matplotlib</td><td class="num">{manifest["packages"]["matplotlib"]}' in page


def test_report_writes_the_plots_beside_the_tables(report: Path, study_dir: Path) -> None:
    names = {p.name for p in (study_dir / "plots").glob("*.png")}
    assert {"kpi_comparison.png", "waits_utilisation.png", "population_pyramid.png"} <= names
    assert {"access_travel.png", "avoidable_by_condition.png", "heatmap_routine_wait_days_mean.png"} <= names
    assert not list(report.parent.glob(".report.html.tmp*"))


def test_not_a_study_directory_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report_cmd.main([str(tmp_path)]) == report_cmd.EXIT_NOT_A_STUDY
    err = capsys.readouterr().err
    assert "not a study directory (no summary.csv)" in err and "sim collate" in err
    assert not (tmp_path / "report.html").exists()


def test_markdown_subset() -> None:
    html = render_markdown(
        "## A *b*\n\ntext `x<y`\nmore **bold**\n\n- one\n- two\n\n```\n<pre>\n```", shift=1
    )
    assert html.splitlines() == [
        "<h3>A <em>b</em></h3>",
        "<p>text <code>x&lt;y</code> more <strong>bold</strong></p>",
        "<ul><li>one</li><li>two</li></ul>",
        "<pre>&lt;pre&gt;</pre>",
    ]


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip(f"no headless browser ({', '.join(BROWSERS)}) on PATH: run 'make chromium' as root")
    shot = tmp_path / "report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]
    window = [f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000"]
    command = [browser, *flags, *window, report.resolve().as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert shot.exists(), f"no screenshot (exit {result.returncode}): {result.stderr[-2000:]}"
    from PIL import Image

    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.shape == (2000, 1280)
    assert pixels.std() > 20, "the screenshot is blank"
    background = np.bincount(pixels.astype(int).ravel()).argmax()
    assert np.mean(np.abs(pixels - background) > 30) > 0.05, "hardly anything drawn on the page"
