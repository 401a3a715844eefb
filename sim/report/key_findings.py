"""The report's opening section: the key findings in words, how many replications they rest on,
and which of them need more replications (:mod:`sim.report.findings` computes them)."""

from __future__ import annotations

import math

from sim.metrics.registry import KPIS, NEITHER
from sim.report.findings import BETTER, MAX_REPLICATIONS, WORSE, Finding, findings, replication_counts
from sim.report.labels import FINDINGS_KPIS, label
from sim.report.markup import esc, rounded
from sim.report.scenarios import plain_variant, variant_description
from sim.report.stress_des import reference_variant
from sim.report.study import Study, distinct

FEW_REPLICATIONS = 5  # below this, say that the intervals are wide by construction


def _relative(f: Finding, reference: str) -> str:
    """', -40% against baseline' (empty when the reference's mean is 0)."""
    if not math.isfinite(f.rel):
        return ""
    pct = f.rel * 100
    return f", {rounded(pct, 1 if abs(pct) < 10 else 0, plus=True)}% against {esc(reference)}"


def sentence(f: Finding, reference: str) -> str:
    """One finding in words, as HTML: verdict, KPI, size, interval."""
    name, unit = esc(label(f.metric, f.group)), esc(f.unit)
    if f.unchanged:
        return f"<strong>No difference</strong>: {name} is the same in every replication."
    signed = f"{f.text(f.diff, plus=True)} {unit}"
    if not f.has_interval:
        return f"{name}: {signed} (no interval: fewer than two replications)."
    if not f.distinguishable:
        return (
            f"<strong>Not distinguishable from zero</strong>: {name}, difference {signed} "
            f"(95% CI {f.text(f.low)} to {f.text(f.high)})."
        )
    way = "higher" if f.diff > 0 else "lower"
    near, far = sorted((abs(f.low), abs(f.high)))
    words = {BETTER: "Better", WORSE: "Worse"}.get(f.verdict, way.capitalize())
    kpi = KPIS.get(f.metric)
    neither = " (neither direction is better)" if kpi is not None and kpi.better == NEITHER else ""
    return (
        f"<strong>{words}</strong>: {name} {way} by {f.text(abs(f.diff))} {unit} "
        f"(95% CI {f.text(near)} to {f.text(far)}{_relative(f, reference)}){neither}."
    )


def _tally(items: list[Finding]) -> str:
    """'Better on 2, worse on 1 and not distinguishable from zero on 2 of 5 headline KPIs.'"""
    counted = [f for f in items if f.has_interval and not f.unchanged]
    counts = {
        "better on": sum(f.verdict == BETTER for f in counted),
        "worse on": sum(f.verdict == WORSE for f in counted),
        "higher or lower (neither direction better) on": sum(
            f.distinguishable and f.verdict not in (BETTER, WORSE) for f in counted
        ),
        "not distinguishable from zero on": sum(not f.distinguishable for f in counted),
        "unchanged on": sum(f.unchanged for f in items),
        "no interval (one replication) on": sum(not f.has_interval and not f.unchanged for f in items),
    }
    parts = [f"{k} {v}" for k, v in counts.items() if v]
    if not parts:
        return f"No verdict on any of the {len(items)} headline KPIs."
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return f"{text[0].upper()}{text[1:]} of {len(items)} headline KPIs."


def _replications(study: Study, items: list[Finding]) -> str:
    """The number of replications the findings rest on, as a sentence."""
    counts = replication_counts(items, study.differences) or [
        int(x) for x in [distinct(study, "replications")] if x.isdigit()
    ]
    if not counts:
        return "The number of replications is not recorded."
    n = str(counts[0]) if len(counts) == 1 else f"{counts[0]} to {counts[-1]}"
    text = f"<strong>{n} replication(s)</strong> per variant, paired by replication (common random numbers)."
    if counts[0] < FEW_REPLICATIONS:
        text += (
            f" With fewer than {FEW_REPLICATIONS} replications a 95% interval is several standard errors "
            "wide on each side: read the findings as a first look."
        )
    return text


def _too_wide(items: list[Finding]) -> str:
    """The warning listing the findings whose interval is too wide to tell their sign."""
    wide = [f for f in items if f.too_wide]
    if not wide:
        return ""
    rows = []
    for f in wide:
        needed = f"about {f.needed:,}" if f.needed else f"more than {MAX_REPLICATIONS:,}"
        if f.text(f.diff) == "0":
            more = f"below the precision of the interval; telling its sign would take {needed} replications"
        else:
            more = f"{needed} replications"
        rows.append(
            f"<li>{esc(plain_variant(f.variant))}, {esc(label(f.metric, f.group))}: "
            f"{f.text(f.diff, plus=True)} (95% CI {f.text(f.low)} to {f.text(f.high)}, "
            f"{f.n} replications): {more}</li>"
        )
    return (
        f"<div class='warn'><p><strong>Intervals too wide for the question</strong>: for {len(wide)} of the "
        f"{len(items)} headline differences the interval covers 0 and is wider on each side than the "
        "difference itself, so the study cannot tell whether the variant is better or worse. If the "
        "difference is real and about this size, an interval as narrow as the difference would take "
        "(the interval narrows about as 1/&radic;replications):</p><ul>" + "".join(rows) + "</ul></div>"
    )


def findings_section(study: Study) -> str:
    """The key findings: per variant, a sentence per headline KPI; replications and warnings."""
    reference = reference_variant(study)
    items = findings(study.differences)
    kpis = ", ".join(esc(label(m, g)) for m, g in FINDINGS_KPIS)
    head = (
        "<h2 id='findings'>Key findings</h2>"
        f"<p>Each variant against <strong>{esc(reference)}</strong> in the headline KPIs ({kpis}): the "
        "difference paired by replication, with its 95% confidence interval, and whether it is better or "
        "worse in the direction the KPI registry calls better. " + _replications(study, items)
    )
    failed = len(study.failures)
    if failed:
        head += (
            f" {failed} job(s) failed and are missing from every finding (see "
            "<a href='#failures'>Failed jobs</a>)."
        )
    head += "</p>"
    if not items:
        return head + "<p class='note'>No paired differences in this study (only one variant?).</p>"
    body = []
    for variant in dict.fromkeys(f.variant for f in items):
        mine = [f for f in items if f.variant == variant]
        description = variant_description(study, variant)
        body.append(
            f"<h3>{esc(plain_variant(variant))} <small>(<code>{esc(variant)}</code>)</small></h3><p>"
            + (f"<em>{esc(description)}</em> " if description else "")
            + f"{_tally(mine)}</p><ul>"
            + "".join(f"<li>{sentence(f, reference)}</li>" for f in mine)
            + "</ul>"
        )
    return head + _too_wide(items) + "".join(body)
