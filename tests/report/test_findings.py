"""Key findings: verdicts in the registry's better direction, rounding to the interval's
precision, intervals too wide for the question, and the section at the top of the report."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from sim.report.findings import (
    BETTER,
    NO_VERDICT,
    WORSE,
    Finding,
    findings,
    replications_needed,
    verdict,
)
from sim.report.html import build_report
from sim.report.key_findings import _tally, findings_section, sentence
from sim.report.markup import decimals, difference, rounded
from sim.report.study import load_study

COLUMNS = [
    "variant",
    "scenario",
    "reference",
    "metric",
    "group",
    "unit",
    "mean_diff",
    "ci_low",
    "ci_high",
    "n",
]


def _diffs(rows: list[tuple]) -> pd.DataFrame:
    """A differences table of (variant, metric, group, unit, mean, low, high, n) rows."""
    full = [(v, v.split(" | ")[0], "baseline", m, g, u, d, lo, hi, n) for v, m, g, u, d, lo, hi, n in rows]
    table = pd.DataFrame(full, columns=COLUMNS)
    return table.assign(rel_diff=float("nan"))


def _text(html: str) -> str:
    """Visible text of HTML, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'").strip()


def test_rounding_never_shows_minus_zero_and_follows_the_interval() -> None:
    assert difference(-0.0001, -0.3, 0.29) == ("0", "-0.30 to 0.29")
    assert difference(-0.17, -0.29, -0.05) == ("-0.17", "-0.29 to -0.05")
    assert difference(0.0, 0.0, 0.0) == ("0", "0 to 0")
    assert difference(-1234.5, -2000.0, -400.0) == ("-1,230", "-2,000 to -400")  # tens: half-width 800
    assert difference(12.3456, math.nan, math.nan) == ("+12.3", "–")  # no interval: three digits
    assert rounded(-0.00049, 3) == "0" and rounded(0.0004, 3, plus=True) == "0"
    assert rounded(-0.0006, 3) == "-0.001"
    assert decimals(0.0047) == 4 and decimals(27.0) == 0 and decimals(800.0) == -1


def test_verdict_follows_the_registry_direction() -> None:
    assert verdict("routine_wait_days_mean", -0.5, -0.8, -0.2) == BETTER  # lower is better
    assert verdict("routine_wait_days_mean", 0.5, 0.2, 0.8) == WORSE
    assert verdict("access_hours_per_week_per_1000", 1.2, 1.1, 1.3) == BETTER  # higher is better
    assert verdict("cost_dkk_per_capita", 500.0, 470.0, 540.0) == WORSE
    assert verdict("routine_wait_days_mean", -0.5, -1.0, 0.1) == NO_VERDICT  # covers 0
    assert verdict("utilisation", 0.1, 0.05, 0.15) == NO_VERDICT  # neither direction is better
    assert verdict("not_a_kpi", 1.0, 0.5, 1.5) == NO_VERDICT


def test_replications_needed_makes_the_interval_as_narrow_as_the_effect() -> None:
    q = 0.975
    for half, effect, n in ((1.0, 0.5, 10), (0.38, 0.18, 3), (27.0, 1.4, 3)):
        m = replications_needed(half, effect, n)
        sd = half * math.sqrt(n) / stats.t.ppf(q, n - 1)
        assert m is not None and m > n
        assert stats.t.ppf(q, m - 1) * sd / math.sqrt(m) <= effect  # narrow enough
        assert stats.t.ppf(q, m - 2) * sd / math.sqrt(m - 1) > effect  # and no smaller number is
    # for many replications the t quantile hardly changes: about n * (half-width / effect)^2
    assert replications_needed(1.0, 0.5, 100) == pytest.approx(400, rel=0.03)
    assert replications_needed(0.2, 0.5, 10) is None  # already narrow enough
    assert replications_needed(1.0, 0.0, 10) is None  # an effect of 0: no number will do
    assert replications_needed(1.0, 0.5, 1) is None  # one replication: no spread to scale


def test_findings_sentences_say_better_worse_or_not_distinguishable() -> None:
    diffs = _diffs([
        ("health_houses", "routine_wait_days_mean", "all", "days", -0.5, -0.8, -0.2, 10),
        ("health_houses", "cost_dkk_per_capita", "total", "DKK", 507.3, 471.0, 544.0, 10),
        ("health_houses", "avoidable_admissions_per_1000_65plus", "all", "per 1000 aged 65+ per year",
         -1.4, -7.2, 4.5, 10),
        ("health_houses", "access_hours_per_week_per_1000", "all", "hours", -0.00001, -0.3, 0.3, 10),
        ("health_houses", "requests_unmet", "all", "requests per year", 0.0, 0.0, 0.0, 10),
        ("health_houses", "utilisation", "gp", "share", 0.1, 0.05, 0.15, 10),  # not a headline KPI
    ])  # fmt: skip
    items = findings(diffs)
    assert [f.metric for f in items] == [
        "routine_wait_days_mean", "access_hours_per_week_per_1000", "requests_unmet",
        "avoidable_admissions_per_1000_65plus", "cost_dkk_per_capita",
    ]  # fmt: skip
    text = {f.metric: _text(sentence(f, "baseline")) for f in items}
    assert text["routine_wait_days_mean"] == (
        "Better : Mean wait for a routine appointment lower by 0.50 days (95% CI 0.20 to 0.80)."
    )
    assert text["cost_dkk_per_capita"].startswith("Worse : Cost per resident (total) higher by 507 DKK")
    assert text["avoidable_admissions_per_1000_65plus"] == (
        "Not distinguishable from zero : Avoidable admissions of people aged 65+, difference -1.4 per 1000 "
        "aged 65+ per year (95% CI -7.2 to 4.5)."
    )
    assert "difference 0 hours (95% CI -0.30 to 0.30)" in text["access_hours_per_week_per_1000"]
    assert text["requests_unmet"].startswith("No difference")
    assert not any("-0.0" in t or "+0 " in t for t in text.values())
    wide = [f for f in items if f.too_wide]
    assert [f.metric for f in wide] == [
        "access_hours_per_week_per_1000",
        "avoidable_admissions_per_1000_65plus",
    ]
    assert wide[1].needed == replications_needed(5.85, -1.4, 10)


def test_findings_lead_the_report_with_replications_and_plain_variant_labels(study_dir: Path) -> None:
    study = load_study(study_dir)
    section = _text(findings_section(study))
    assert section.startswith("Key findings")
    assert "2 replication(s) per variant" in section and "read the findings as a first look" in section
    # plain-words labels and the scenario's description, with the variant's name beside them
    assert "Health houses ( health_houses )" in section
    assert "Solo and small practices merged into doctors" in section
    assert "Baseline with acute-team nurses on the day shift = 3" in section
    # the fixture's health houses open longer: better, with the interval of the differences table
    diffs = study.differences.set_index(["variant", "metric", "group"])
    row = diffs.loc[("health_houses", "access_hours_per_week_per_1000", "all")]
    assert row["ci_low"] > 0
    assert "Better : GP opening hours per week per 1,000 residents higher by" in section
    assert "1 job(s) failed" in section


def test_too_wide_intervals_name_the_replications_needed(study_dir: Path) -> None:
    study = load_study(study_dir)
    items = [f for f in findings(study.differences) if f.too_wide]
    assert items, "two replications of a small study leave some headline difference unresolved"
    section = findings_section(study)
    assert "Intervals too wide for the question" in section
    assert f"for {len(items)} of the" in section
    for f in items:
        if f.needed:
            assert f"about {f.needed:,} replications" in section


def test_report_opens_with_findings_then_warnings(study_dir: Path, tmp_path: Path) -> None:
    page = build_report(study_dir, tmp_path / "report.html").read_text()
    order = [page.index(f"<h2 id='{key}'>") for key in ("findings", "warnings", "scenarios", "plots")]
    assert order == sorted(order)
    text = re.sub(r"<[^>]+>", " ", page)
    assert not re.findall(r"(?<![\w.])[-+]0(?:\.0+)?(?![\d.])", text)  # no -0, +0, -0.000, ...


def test_the_tally_counts_every_finding_once() -> None:
    def f(metric: str, diff: float, low: float, high: float) -> Finding:
        return Finding("v", metric, "all", "u", diff, low, high, 3, math.nan)

    wait = "routine_wait_days_mean"  # lower is better
    one_rep = [f(wait, 1.0, math.nan, math.nan), f(wait, -1.0, math.nan, math.nan)]
    assert _tally(one_rep) == "No interval (one replication) on 2 of 2 headline KPIs."
    mixed = [f(wait, -1.0, -2.0, -0.5), f(wait, 1.0, 0.0, 2.0), f(wait, 0.0, 0.0, 0.0),
             f(wait, 1.0, 0.5, 1.5)]  # fmt: skip
    assert _tally(mixed) == (
        "Better on 1, worse on 1, not distinguishable from zero on 1 and unchanged on 1 of 4 headline KPIs."
    )  # the interval 0 to 2 touches zero: not distinguishable

