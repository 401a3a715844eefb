"""The report's cost per avoided avoidable admission over the study's replications: each variant's
extra cost per resident and avoidable admissions avoided against the reference, paired by
replication, and their ratio with Fieller's interval (:mod:`sim.metrics.economics`)."""

from __future__ import annotations

import math

import pandas as pd

from sim.metrics.economics import cost_effectiveness
from sim.report.markup import esc
from sim.report.sensitivity_text import number
from sim.report.study import Study


def _ratio(r: object) -> tuple[str, str]:
    """The cost per avoided admission and its interval, in words where there is no ratio."""
    ratio, low, high = float(r.dkk_per_avoided_admission), float(r.ci_low), float(r.ci_high)
    if not math.isfinite(ratio):
        return "none avoided", "–"
    if ratio <= 0:
        return "cheaper and better", f"{number(low)} to {number(high)}" if math.isfinite(low) else "–"
    if int(r.n) < 2:
        return number(ratio), "needs 2 or more replications"
    if not math.isfinite(low):
        return number(ratio), "unbounded (admissions avoided not told from 0)"
    return number(ratio), f"{number(low)} to {number(high)}"


def cost_effectiveness_section(study: Study, reference: str) -> str:
    """The section "Cost per avoided avoidable admission" (empty without the KPIs it needs or
    without a second variant)."""
    table = cost_effectiveness(study.kpis, reference) if not study.kpis.empty else pd.DataFrame()
    if table.empty:
        return ""
    rows = []
    for r in table.itertuples():
        ratio, interval = _ratio(r)
        rows.append(
            f"<tr><td>{esc(r.variant)}</td>"
            f"<td class='num'>{number(r.extra_cost_dkk_per_resident)} <small>({number(r.extra_cost_ci_low)} "
            f"to {number(r.extra_cost_ci_high)})</small></td>"
            f"<td class='num'>{number(r.avoided_per_1000_residents)} <small>({number(r.avoided_ci_low)} "
            f"to {number(r.avoided_ci_high)})</small></td>"
            f"<td class='num'>{ratio}</td><td class='num'>{interval}</td><td class='num'>{int(r.n)}</td></tr>"
        )
    return (
        "<h2 id='cost-effectiveness'>Cost per avoided avoidable admission</h2>"
        f"<p>Each variant against <strong>{esc(reference)}</strong>, replication by replication (common "
        "random numbers): the extra cost per resident a year (every component, health houses' capital "
        "as an annuity) and the avoidable admissions of people aged 65+ avoided per 1,000 residents a "
        "year, each with its 95% interval; their ratio is the cost per avoided admission, with "
        "Fieller's 95% interval (unbounded when the admissions avoided are not told from 0: run more "
        "replications). This interval covers the model's noise only; how much the ratio depends on the "
        "assumptions is in the section on assumptions (<code>sim sensitivity</code>).</p>"
        "<div class='scroll'><table><tr><th>variant</th><th>extra DKK per resident (95% CI)</th>"
        "<th>avoided per 1,000 residents (95% CI)</th><th>DKK per avoided admission</th>"
        "<th>95% interval (Fieller)</th><th>n</th></tr>" + "".join(rows) + "</table></div>"
    )
