"""Plots for planners. Every plot reads the tidy tables only, never the model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.metrics.stats import mean_ci

# (metric, group, planner-friendly label)
HEADLINE = (
    ("gp_contacts_per_person_year", "all", "GP contacts per person per year"),
    ("routine_wait_days_mean", "all", "Mean wait for a routine appointment (days)"),
    ("same_day_share", "all", "Share of contacts on the day asked (share)"),
    ("utilisation", "gp", "GP time used (share of offered)"),
    ("access_hours_per_week_per_1000", "all", "Opening hours per week per 1,000 residents"),
    ("avoidable_admissions_per_1000_65plus", "all", "Avoidable admissions per 1,000 aged 65+ per year"),
)


def plot_kpis(kpis: pd.DataFrame, path: Path) -> Path:
    """Headline KPIs by scenario, with 95% confidence intervals over replications."""
    scenarios = list(dict.fromkeys(kpis["scenario"]))
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    for ax, (metric, group, label) in zip(axes.ravel(), HEADLINE, strict=True):
        sel = kpis[(kpis["metric"] == metric) & (kpis["group"] == group)]
        rows = [mean_ci(sel[sel["scenario"] == s]["value"].to_numpy()) for s in scenarios]
        means = [r[0] for r in rows]
        err = np.nan_to_num(np.array([[r[0] - r[1] for r in rows], [r[2] - r[0] for r in rows]]))
        ax.bar(range(len(scenarios)), means, yerr=err, capsize=6, color="#4C72B0")
        ax.set_xticks(range(len(scenarios)), [s.replace("_", " ") for s in scenarios])
        ax.set_title(label, fontsize=10)
        unit = sel["unit"].iloc[0] if len(sel) else ""
        ax.set_ylabel(unit)
    fig.suptitle("Headline KPIs by scenario (bars: mean; whiskers: 95% CI over replications)")
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_timeseries(ts: pd.DataFrame, path: Path) -> Path:
    """GP and nurse utilisation and the mean routine wait by day, mean over replications."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    for role in ("gp", "nurse"):
        sel = ts[(ts["metric"] == "utilisation") & (ts["group"] == role)]
        for scenario, part in sel.groupby("scenario", sort=False):
            daily = part.groupby("day")["value"].mean()
            ax1.plot(daily.index, daily.to_numpy(), label=f"{scenario}: {role}", lw=1)
    ax1.set(
        xlabel="simulation day",
        ylabel="share of offered clinician time used",
        title="Utilisation of the diary by role",
        ylim=(0, 1.05),
    )
    ax1.legend(fontsize=8)
    sel = ts[ts["metric"] == "routine_wait_days_mean"]
    for scenario, part in sel.groupby("scenario", sort=False):
        daily = part.groupby("day")["value"].mean()
        ax2.plot(daily.index, daily.to_numpy(), label=str(scenario), lw=1)
    ax2.set(
        xlabel="simulation day (day of request)", ylabel="days", title="Mean wait for a routine appointment"
    )
    ax2.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
