"""Plots of the daily series (``timeseries.parquet``): waits, unmet requests and utilisation by
day, one line per variant.

A rolling mean is drawn only where its whole window lies within the run. At the ends of the
run a window cut short averages fewer days, and the days it keeps are not a fair week: practices
take requests on weekdays only, so the last three days of a run ending mid-week averaged
without the weekend that would follow showed a spike in the requests that found no
appointment that was not in the data. The first and last ``smooth_days // 2`` days are left out.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import plot_style
from sim.report.kpi_plots import has_values, left_out_note
from sim.report.plot_style import axis_tolerance, coincide_note, coinciding, line_styles
from sim.report.variants import select, short_variant, variants_of, with_variant

DAY_LABEL = "day of the simulated period (0 = first day after warm-up)"
TIMESERIES_PANELS = (
    ("routine_wait_days_mean", "all", "Mean wait for a routine appointment", "days (by day of request)"),
    ("requests_unmet", "all", "Requests that found no appointment", "requests per day"),
    ("utilisation", "gp", "GP time used", "share of offered GP time"),
    ("utilisation", "nurse", "Practice nurse time used", "share of offered nurse time"),
)


def daily_mean(part: pd.DataFrame, smooth_days: int, first: int, last: int) -> pd.Series:
    """Mean over replications for each day ``first`` to ``last``, as a centred rolling mean over
    ``smooth_days`` days; NaN where the window would reach beyond the run. A run shorter than two
    windows is not smoothed (its every day would be an edge)."""
    daily = part.groupby("day")["value"].mean().sort_index().reindex(range(first, last + 1))
    if smooth_days <= 1 or daily.empty or len(daily) < 2 * smooth_days:
        return daily
    smooth = daily.rolling(smooth_days, min_periods=1, center=True).mean()
    half = smooth_days // 2
    if half:
        smooth.iloc[:half] = np.nan
        smooth.iloc[-half:] = np.nan
    return smooth


def _panel_series(ts: pd.DataFrame, metric: str, group: str, smooth_days: int) -> dict[str, pd.Series]:
    """The smoothed daily series of one panel, per variant."""
    first, last = int(ts["day"].min()), int(ts["day"].max())
    rows = select(ts, metric, group)
    parts = rows.groupby("variant", sort=False)
    return {str(v): daily_mean(part, smooth_days, first, last) for v, part in parts}


def plot_waits_utilisation(
    ts: pd.DataFrame, path: Path, warmup_days: int = 0, smooth_days: int = 7
) -> Path | None:
    """Routine waits, unmet requests and GP and nurse utilisation by day, one line (style and
    markers of its own) per variant; each panel names the variants that coincide, and a panel
    whose every value is 0 or missing is named in the title instead of drawn."""
    if ts.empty or "metric" not in ts.columns:
        return None
    ts = with_variant(ts)
    panels, empty = [], []
    for metric, group, title, ylabel in TIMESERIES_PANELS:
        if not len(select(ts, metric, group)):
            continue
        series = _panel_series(ts, metric, group, smooth_days)
        if has_values(np.concatenate([s.to_numpy(float) for s in series.values()])):
            panels.append((metric, title, ylabel, series))
        else:
            empty.append(title)
    if not panels:
        return None
    variants = variants_of(ts)
    style = line_styles(variants, points=int(ts["day"].max() - ts["day"].min()) + 1)
    fig, axes = plt.subplots(2, 2, figsize=(13, 8.4), constrained_layout=True, squeeze=False)
    for ax, (metric, title, ylabel, series) in zip(axes.ravel(), panels, strict=False):
        for variant, daily in series.items():
            ax.plot(daily.index - warmup_days, daily.to_numpy(), lw=1.2, label=short_variant(variant),
                    **style[variant])  # fmt: skip
        if warmup_days > 0:
            ax.axvspan(-warmup_days, 0, color="0.85", zorder=0, label="warm-up (not measured)")
        ax.set(title=title, xlabel=DAY_LABEL, ylabel=ylabel)
        if metric == "utilisation":
            ax.set_ylim(0, 1.05)
        arrays = {v: s.to_numpy(float) for v, s in series.items()}
        note = coincide_note(coinciding(arrays, atol=axis_tolerance(ax)))
        if note:  # under the panel's title, where it hides no line
            ax.set_title(f"{title}\n({plot_style.wrap(note, 64)})", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=min(4, len(names)), fontsize=8)
    smooth = f"{smooth_days}-day rolling mean, " if smooth_days > 1 else ""
    fig.suptitle(f"Waits and utilisation over time ({smooth}mean over replications)"
                 + left_out_note(empty, "0 or missing on every day in every variant"))  # fmt: skip
    return plot_style.save(fig, path)


def plot_timeseries(ts: pd.DataFrame, path: Path) -> Path:
    """GP and nurse utilisation and the mean routine wait by day of a single run, mean over
    replications."""
    ts = with_variant(ts)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    lines = [f"{v}: {role}" for v in variants_of(ts) for role in ("gp", "nurse")]
    points = int(ts["day"].max() - ts["day"].min()) + 1 if len(ts) else 1
    style = line_styles(lines, points)
    for role in ("gp", "nurse"):
        sel = ts[(ts["metric"] == "utilisation") & (ts["group"] == role)]
        for variant, part in sel.groupby("variant", sort=False):
            daily = part.groupby("day")["value"].mean()
            ax1.plot(daily.index, daily.to_numpy(), label=f"{short_variant(variant)}: {role}", lw=1,
                     **style[f"{variant}: {role}"])  # fmt: skip
    ax1.set(xlabel="simulation day", ylabel="share of offered clinician time used",
            title="Utilisation of the diary by role", ylim=(0, 1.05))  # fmt: skip
    ax1.legend(fontsize=8)
    style = line_styles(variants_of(ts), points)
    for variant, part in ts[ts["metric"] == "routine_wait_days_mean"].groupby("variant", sort=False):
        daily = part.groupby("day")["value"].mean()
        ax2.plot(daily.index, daily.to_numpy(), label=short_variant(variant), lw=1, **style[variant])
    ax2.set(xlabel="simulation day (day of request)", ylabel="days",
            title="Mean wait for a routine appointment")  # fmt: skip
    ax2.legend(fontsize=8)
    return plot_style.save(fig, path)
