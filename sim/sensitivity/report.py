"""The reading and the plot of a sensitivity analysis (they read its tables only)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from sim.report.labels import label
from sim.report.sensitivity_text import better_text, drivers_text, half_crossing, icer_text, number

TOP = 5  # factors named in the reading of each effect
PLOT_TOP = 8  # factors drawn per panel


def reading(summary: pd.DataFrame, ranking: pd.DataFrame, facts: dict, ran: int, expected: int) -> str:
    """A plain reading in markdown: per scenario and KPI the effect over the samples, the share of
    samples in which the scenario is better, and the factors that drive it most."""
    method = facts["method"]
    lines = [
        "# How much the answers depend on assumptions",
        "",
        f"Design: {method}, n = {facts['n']}, seed {facts['seed']}; "
        f"scenarios {', '.join(facts['scenarios'])} "
        f"(each against {facts['scenarios'][0]}, paired by sample: the same seed and assumptions); "
        f"{ran} of {expected} jobs ran. Overrides: {' '.join(facts['overrides']) or 'none'}.",
        "",
    ]
    if method == "morris":
        lines += [
            "A Morris design screens: its points lie on a grid of each range, so the interval below is "
            "over the grid, not a probability; the ranking (mu*, the mean absolute change of the effect "
            "when one factor moves over its range) is what it is for. `--method latin` gives the "
            "distribution.",
            "",
        ]
    else:
        lines += [
            "A Latin hypercube: every factor uniform over its range, independent of the others; the "
            "interval is the 5th to 95th percentile of the effect over the samples, the ranking by "
            "partial rank correlation of factor and effect (PRCC: adjusted for the other factors, so a "
            "factor that happens to correlate with a driver in the sample is not credited with its "
            "effect); a driver is named only where it stands out from chance (above about "
            "2.58 / sqrt(samples - factors - 1), its 99% band under no association).",
            "",
        ]
    lines += [
        "| scenario | KPI | median effect | 90% of samples | better in | driven most by |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in summary.itertuples():
        lines.append(
            f"| {row.scenario} | {label(row.metric, row.group)} ({row.unit}) | {number(row.median)} | "
            f"{number(row.p05)} to {number(row.p95)} | {better_text(row.p_better)} | "
            f"{drivers_text(ranking, row, TOP)} |"
        )
    return "\n".join(lines) + "\n"


def write_plot(ranking: pd.DataFrame, summary: pd.DataFrame, path: Path) -> None:
    """Bars of each factor's influence on each scenario's effect (top ``PLOT_TOP`` a panel)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(summary[["scenario", "metric", "group"]].itertuples(index=False, name=None))
    if not panels:
        fig, ax = plt.subplots(figsize=(6, 2))
        ax.text(0.5, 0.5, "no effects to rank (no job of a sample ran in both scenarios)", ha="center")
        ax.axis("off")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return
    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 2.6 * rows), squeeze=False)
    for ax, (scenario, metric, group) in zip(axes.flat, panels, strict=False):
        part = ranking[
            (ranking["scenario"] == scenario) & (ranking["metric"] == metric) & (ranking["group"] == group)
        ]
        part = part.nsmallest(PLOT_TOP, "rank").iloc[::-1]
        measure = part["measure"].iloc[0] if len(part) else ""
        err = part["influence_conf"] if measure == "morris_mu_star" else None
        ax.barh(part["factor"], part["influence"], xerr=err, color="#4c72b0", ecolor="#333333", capsize=2)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(f"{scenario}: {label(metric, group)}", fontsize=9)
        ax.set_xlabel(
            "Morris mu* (KPI units over the range)"
            if measure == "morris_mu_star"
            else "partial rank correlation (PRCC)",
            fontsize=8,
        )
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def economics_reading(icer: pd.DataFrame, ceac: pd.DataFrame) -> str:
    """Markdown: each scenario's extra cost, admissions avoided and cost per avoided admission over
    the samples, and where its acceptability curve crosses one half."""
    if icer.empty:
        return ""
    lines = [
        "",
        "## Cost per avoided avoidable admission",
        "",
        "Extra cost per resident a year against the reference (every component, health houses' capital "
        "as an annuity), avoidable admissions avoided per 1,000 residents a year, and their ratio (mean "
        "extra cost over mean admissions avoided); the acceptability curve is the share of samples in "
        "which the scenario's net benefit (threshold x admissions avoided - extra cost) is positive "
        "(`sensitivity_ceac.csv`, `ceac.png`).",
        "",
        "| scenario | extra cost, DKK per resident (90%) | avoided per 1,000 residents (90%) | "
        "DKK per avoided admission | cheaper and better in | cost-effective in half the samples from |",
        "|---|---|---|---:|---:|---:|",
    ]
    for r in icer.itertuples():
        crossing, ratio = half_crossing(ceac, r.scenario) + " DKK", icer_text(r.cost_per_avoided_admission)
        cost = f"{number(r.cost_dkk_per_resident)} ({number(r.cost_p05)} to {number(r.cost_p95)})"
        lines.append(
            f"| {r.scenario} | {cost} | "
            f"{number(r.avoided_per_1000_residents)} ({number(r.avoided_p05)} to {number(r.avoided_p95)}) | "
            f"{ratio} | {r.dominant_share:.0%} | {crossing} |"
        )
    return "\n".join(lines) + "\n"


def write_ceac(ceac: pd.DataFrame, path: Path) -> None:
    """The cost-effectiveness acceptability curve of each scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    styles = ("-", "--", ":", "-.")
    for k, (scenario, part) in enumerate(ceac.groupby("scenario")):
        ax.plot(part["threshold_dkk"] / 1000, part["p_cost_effective"], styles[k % 4], label=scenario)
    ax.set_xlabel("willingness to pay per avoided avoidable admission (1,000 DKK)")
    ax.set_ylabel("share of samples cost-effective")
    ax.set_ylim(-0.02, 1.02)
    ax.axhline(0.5, color="grey", lw=0.5)
    if len(ceac):
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
