"""Plots for planners. Every plot reads the tidy tables only, never the model.

Plot functions take tables (``kpis``, ``summary``, ``differences``, ``timeseries``, ``jobs``) and
a path, write a PNG and return its path, or None when the tables hold nothing to draw. Tables
of a single run have no ``variant`` column: its ``scenario`` is used instead. Functions that
draw means with confidence intervals accept either a summary (``mean, ci_low, ci_high``) or
per-replication rows (``value``), which they summarise with :func:`sim.report.variants.summarise`.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.report.labels import GROUP_LABELS, LABELS, group_label, label, param_label
from sim.report.variants import (
    ci_errors,
    select,
    short_variant,
    sort_values,
    summarise,
    swept_params,
    unit_of,
    variants_of,
    with_variant,
)

log = logging.getLogger(__name__)

COMPARISON_KPIS: tuple[tuple[str, str], ...] = (
    ("routine_wait_days_mean", "all"),
    ("same_day_share", "all"),
    ("gp_contacts_per_person_year", "all"),
    ("utilisation", "gp"),
    ("access_hours_per_week_per_1000", "all"),
    ("residents_without_gp_per_1000", "all"),
    ("ooh_contacts_per_1000", "all"),
    ("admissions_per_1000_65plus", "all"),
    ("avoidable_admissions_per_1000_65plus", "all"),
    ("readmissions_30d_share", "65+"),
    ("acute_team_response_minutes_p90", "all"),
    ("cost_dkk_per_capita", "total"),
)

# the first six, as in the plot of a single run: (metric, group, planner-friendly label)
HEADLINE: tuple[tuple[str, str, str], ...] = tuple(
    (m, g, LABELS[m] + (f" ({GROUP_LABELS.get(g, g)})" if g != "all" else ""))
    for m, g in (
        ("gp_contacts_per_person_year", "all"),
        ("routine_wait_days_mean", "all"),
        ("same_day_share", "all"),
        ("utilisation", "gp"),
        ("access_hours_per_week_per_1000", "all"),
        ("avoidable_admissions_per_1000_65plus", "all"),
    )
)

AREA_TYPES = ("urban", "town", "rural")
AREA_MARKERS = {"urban": "o", "town": "s", "rural": "^"}
PYRAMID_SCENARIOS = ("baseline", "ageing_2035")
LINE_STYLES = ("-", "--", "-.", ":")
DAY_LABEL = "day of the simulated period (0 = first day after warm-up)"


def colours(variants: Sequence[str]) -> dict[str, tuple]:
    """One colour per variant, stable across plots."""
    cmap = plt.get_cmap("tab10" if len(variants) <= 10 else "tab20")
    return {v: cmap(i % cmap.N) for i, v in enumerate(variants)}


def _wrap(text: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _save(fig: plt.Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    log.debug("plot written to %s", path)
    return path


# ---------------------------------------------------------------------------- single run


def plot_kpis(kpis: pd.DataFrame, path: Path) -> Path:
    """Headline KPIs by variant (or scenario), with 95% confidence intervals over replications."""
    summary = summarise(kpis)
    variants = variants_of(summary)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    for ax, (metric, group, title) in zip(axes.ravel(), HEADLINE, strict=True):
        sel = select(summary, metric, group).set_index("variant").reindex(variants)
        ax.bar(
            range(len(variants)), sel["mean"].to_numpy(float), yerr=ci_errors(sel), capsize=6, color="#4C72B0"
        )
        ax.set_xticks(range(len(variants)), [_wrap(short_variant(v), 18) for v in variants])
        ax.set_xlabel("variant" if "variant" in kpis.columns else "scenario")
        ax.set_title(_wrap(title, 45), fontsize=10)
        ax.set_ylabel(unit_of(select(summary, metric, group)))
    fig.suptitle("Headline KPIs by scenario (bars: mean; whiskers: 95% CI over replications)")
    return _save(fig, path)


def plot_timeseries(ts: pd.DataFrame, path: Path) -> Path:
    """GP and nurse utilisation and the mean routine wait by day, mean over replications."""
    ts = with_variant(ts)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    for role in ("gp", "nurse"):
        sel = ts[(ts["metric"] == "utilisation") & (ts["group"] == role)]
        for variant, part in sel.groupby("variant", sort=False):
            daily = part.groupby("day")["value"].mean()
            ax1.plot(daily.index, daily.to_numpy(), label=f"{short_variant(variant)}: {role}", lw=1)
    ax1.set(
        xlabel="simulation day",
        ylabel="share of offered clinician time used",
        title="Utilisation of the diary by role",
        ylim=(0, 1.05),
    )
    ax1.legend(fontsize=8)
    sel = ts[ts["metric"] == "routine_wait_days_mean"]
    for variant, part in sel.groupby("variant", sort=False):
        daily = part.groupby("day")["value"].mean()
        ax2.plot(daily.index, daily.to_numpy(), label=short_variant(variant), lw=1)
    ax2.set(
        xlabel="simulation day (day of request)", ylabel="days", title="Mean wait for a routine appointment"
    )
    ax2.legend(fontsize=8)
    return _save(fig, path)


# ---------------------------------------------------------------------------- studies


def plot_kpi_comparison(
    summary: pd.DataFrame, path: Path, kpis: Sequence[tuple[str, str]] = COMPARISON_KPIS
) -> Path | None:
    """Headline KPIs across variants: bars are means, whiskers 95% CIs over replications."""
    summary = summarise(summary)
    present = [(m, g) for m, g in kpis if len(select(summary, m, g))]
    if not present:
        return None
    variants = variants_of(summary)
    colour = colours(variants)
    ncols = min(3, len(present))
    nrows = -(-len(present) // ncols)
    height = max(2.2, 0.32 * len(variants) + 1.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, height * nrows), sharey=True,
                             constrained_layout=True, squeeze=False)  # fmt: skip
    y = np.arange(len(variants))
    axes[0, 0].set_yticks(y, [_wrap(short_variant(v), 28) for v in variants], fontsize=8)
    axes[0, 0].invert_yaxis()  # once: the y axis is shared
    for ax, (metric, group) in zip(axes.ravel(), present, strict=False):
        rows = select(summary, metric, group).set_index("variant").reindex(variants)
        ax.barh(y, rows["mean"].to_numpy(float), xerr=ci_errors(rows), capsize=4,
                color=[colour[v] for v in variants])  # fmt: skip
        ax.set_title(_wrap(label(metric, group), 45), fontsize=10)
        ax.set_xlabel(unit_of(rows.dropna(subset=["mean"])) or "value")
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("variant")
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes.ravel()[len(present) :]:
        ax.set_visible(False)
    fig.suptitle("Headline KPIs by variant (bar: mean over replications; whiskers: 95% confidence interval)")
    return _save(fig, path)


TIMESERIES_PANELS = (
    ("routine_wait_days_mean", "all", "Mean wait for a routine appointment", "days (by day of request)"),
    ("requests_unmet", "all", "Requests that found no appointment", "requests per day"),
    ("utilisation", "gp", "GP time used", "share of offered GP time"),
    ("utilisation", "nurse", "Practice nurse time used", "share of offered nurse time"),
)


def _daily_mean(part: pd.DataFrame, smooth_days: int) -> pd.Series:
    """Mean over replications by day, as a rolling mean over ``smooth_days`` days."""
    daily = part.groupby("day")["value"].mean().sort_index()
    if smooth_days > 1 and len(daily):
        full = daily.reindex(range(int(daily.index.min()), int(daily.index.max()) + 1))
        daily = full.rolling(smooth_days, min_periods=1, center=True).mean()
    return daily


def plot_waits_utilisation(
    ts: pd.DataFrame, path: Path, warmup_days: int = 0, smooth_days: int = 7
) -> Path | None:
    """Routine waits, unmet requests and GP and nurse utilisation by day, one line per variant."""
    if ts.empty or "metric" not in ts.columns:
        return None
    ts = with_variant(ts)
    panels = [p for p in TIMESERIES_PANELS if len(select(ts, p[0], p[1]))]
    if not panels:
        return None
    variants = variants_of(ts)
    colour = colours(variants)
    style = {v: LINE_STYLES[k % len(LINE_STYLES)] for k, v in enumerate(variants)}  # overlaps stay visible
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), constrained_layout=True, squeeze=False)
    for ax, (metric, group, title, ylabel) in zip(axes.ravel(), panels, strict=False):
        for variant, part in select(ts, metric, group).groupby("variant", sort=False):
            daily = _daily_mean(part, smooth_days)
            ax.plot(daily.index - warmup_days, daily.to_numpy(), lw=1.2, color=colour[variant],
                    ls=style[variant], label=short_variant(variant))  # fmt: skip
        if warmup_days > 0:
            ax.axvspan(-warmup_days, 0, color="0.85", zorder=0, label="warm-up (not measured)")
        ax.set(title=title, xlabel=DAY_LABEL, ylabel=ylabel)
        if metric == "utilisation":
            ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(panels) :]:
        ax.set_visible(False)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=min(4, len(names)), fontsize=8)
    smooth = f"{smooth_days}-day rolling mean, " if smooth_days > 1 else ""
    fig.suptitle(f"Waits and utilisation over time ({smooth}mean over replications)")
    return _save(fig, path)


def _heat_panel(ax: plt.Axes, rows: pd.DataFrame, x: str, y: str, unit: str, fig: plt.Figure) -> None:
    xs, ys = sort_values(rows[x]), sort_values(rows[y])
    grid = rows.astype({x: str, y: str}).pivot_table(index=y, columns=x, values="mean", aggfunc="mean")
    grid = grid.reindex(index=ys, columns=xs)
    image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="viridis")
    for (i, j), value in np.ndenumerate(grid.to_numpy(float)):
        if np.isfinite(value):
            r, g, b, _ = image.cmap(image.norm(value))
            ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"  # legible on the cell
            ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8, color=ink)
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    fig.colorbar(image, ax=ax, label=unit or "value")


def plot_sweep_heatmap(
    summary: pd.DataFrame,
    jobs: pd.DataFrame,
    path: Path,
    metric: str,
    group: str = "all",
    x: str | None = None,
    y: str | None = None,
) -> Path | None:
    """Mean of one KPI over a two-parameter sweep; None when fewer than two parameters vary."""
    params = swept_params(jobs)
    x = x or next((p for p in params if p != y), None)
    y = y or next((p for p in params if p != x), None)
    if len(params) < 2 or x not in params or y not in params or x == y:
        log.info("no heat map of %s: the study sweeps %d parameter(s)", metric, len(params))
        return None
    rows = select(summarise(summary), metric, group)
    table = jobs[jobs["status"] == "ok"] if "status" in jobs.columns else jobs
    table = table[["variant", *params]].drop_duplicates("variant").astype(str)
    table[params] = table[params].replace({"": "default", "nan": "default", "None": "default"})
    rows = rows.drop(columns=[p for p in params if p in rows.columns]).merge(table, on="variant")
    if rows.empty:
        return None
    others = [p for p in params if p not in (x, y)]
    facets = list(rows.groupby(others, sort=True)) if others else [((), rows)]
    facets = facets[:6]
    fig, axes = plt.subplots(
        1, len(facets), figsize=(6 * len(facets), 4.8), constrained_layout=True, squeeze=False
    )
    for ax, (key, part) in zip(axes[0], facets, strict=True):
        _heat_panel(ax, part, x, y, unit_of(part), fig)
        key = key if isinstance(key, tuple) else (key,)
        ax.set_title(", ".join(f"{p.split('.')[-1]}={v}" for p, v in zip(others, key, strict=True)) or "")
    fig.suptitle(f"{label(metric, group)}: mean over replications")
    return _save(fig, path)


def plot_access_travel(summary: pd.DataFrame, path: Path) -> Path | None:
    """Opening hours per 1,000 against travel time to the practice, by area type and variant."""
    summary = summarise(summary)
    travel = select(summary, "travel_minutes_mean")
    travel = travel[travel["group"].isin(AREA_TYPES)]
    access = select(summary, "access_hours_per_week_per_1000")
    if travel.empty or access.empty:
        return None
    by_area = access["group"].isin(AREA_TYPES).any()
    variants = variants_of(summary)
    colour = colours(variants)
    fig, ax = plt.subplots(figsize=(9, 6), constrained_layout=True)
    for variant in variants:
        for area in AREA_TYPES:
            t = travel[(travel["variant"] == variant) & (travel["group"] == area)]
            a = access[(access["variant"] == variant) & (access["group"] == (area if by_area else "all"))]
            if t.empty or a.empty:
                continue
            ax.errorbar(t["mean"], a["mean"], xerr=ci_errors(t), yerr=ci_errors(a), fmt=AREA_MARKERS[area],
                        color=colour[variant], ms=8, capsize=3)  # fmt: skip
    for variant in variants:
        ax.plot([], [], "o", color=colour[variant], label=short_variant(variant))
    for area in AREA_TYPES:
        ax.plot([], [], AREA_MARKERS[area], color="0.3", mfc="none", label=f"{area} residents")
    ax.legend(fontsize=8, loc="best")
    ax.set_xlabel(f"{LABELS['travel_minutes_mean']} ({unit_of(travel)})")
    scope = "by area type" if by_area else "all areas (not split by area type)"
    ax.set_ylabel(f"{_wrap(LABELS['access_hours_per_week_per_1000'], 40)}, {scope}\n({unit_of(access)})")
    ax.set_title("Access against travel: mean and 95% CI over replications")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_avoidable_by_condition(summary: pd.DataFrame, path: Path) -> Path | None:
    """Avoidable admissions of people 65+ by condition: grouped bars per variant with 95% CIs."""
    summary = summarise(summary)
    rows = select(summary, "avoidable_admissions_per_1000_65plus")
    rows = rows[rows["group"] != "all"]
    if rows.empty:
        return None
    variants = variants_of(summary)
    colour = colours(variants)
    order = rows.groupby("group", sort=False)["mean"].mean().sort_values(ascending=False).index.tolist()
    height = 0.8 / len(variants)
    fig, ax = plt.subplots(figsize=(10, 1.2 + 0.35 * len(order) * max(1.5, len(variants) * 0.6)),
                           constrained_layout=True)  # fmt: skip
    for k, variant in enumerate(variants):
        part = rows[rows["variant"] == variant].set_index("group").reindex(order)
        y = np.arange(len(order)) - 0.4 + height * (k + 0.5)
        ax.barh(y, part["mean"].to_numpy(float), height, xerr=ci_errors(part), capsize=2,
                color=colour[variant], label=short_variant(variant))  # fmt: skip
    ax.set_yticks(range(len(order)), [group_label(g) for g in order])
    ax.invert_yaxis()
    ax.set_xlabel(f"avoidable admissions ({unit_of(rows)})")
    ax.set_ylabel("condition group (Danish list of avoidable admissions)")
    ax.set_title("Avoidable admissions of people aged 65+ by condition (mean, 95% CI)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def _pyramid_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Pyramid rows with sex, lower age edge and band, ordered by age."""
    parts = rows["group"].str.split(":", n=1)
    sex, band = parts.str[0], parts.str[1]
    low = band.str.extract(r"^(\d+)")[0].astype(int)
    return rows.assign(sex=sex, band=band, low=low).sort_values("low")


def pyramid_variants(summary: pd.DataFrame) -> list[str]:
    """Variants of the pyramid: those of the baseline and 2035 scenarios when present, else all."""
    rows = select(with_variant(summary), "population_by_age")
    variants = list(dict.fromkeys(rows["variant"]))
    if "scenario" in rows.columns:
        scenario = rows.drop_duplicates("variant").set_index("variant")["scenario"]
        chosen = [v for v in variants if scenario[v] in PYRAMID_SCENARIOS]
        plain = [v for v in chosen if v == scenario[v]]  # the scenarios without other overrides
        variants = plain or chosen or variants
    return variants[:6]


def plot_population_pyramid(summary: pd.DataFrame, path: Path) -> Path | None:
    """Residents by sex and five-year age group at the end, one panel per variant (men left)."""
    summary = summarise(summary)
    rows = select(summary, "population_by_age")
    variants = pyramid_variants(summary)
    if rows.empty or not variants:
        return None
    fig, axes = plt.subplots(1, len(variants), figsize=(5.5 * len(variants), 6.5), sharey=True,
                             sharex=True, constrained_layout=True, squeeze=False)  # fmt: skip
    first = _pyramid_rows(rows[rows["variant"] == variants[0]])
    bands = list(dict.fromkeys(first["band"]))
    for ax, variant in zip(axes[0], variants, strict=True):
        part = _pyramid_rows(rows[rows["variant"] == variant])
        men = part[part["sex"] == "M"].set_index("band").reindex(bands)["mean"].to_numpy(float)
        women = part[part["sex"] == "F"].set_index("band").reindex(bands)["mean"].to_numpy(float)
        y = np.arange(len(bands))
        ax.barh(y, -men, color="#4C72B0", label="men")
        ax.barh(y, women, color="#DD8452", label="women")
        if variant != variants[0]:  # the first panel's population as an outline, for comparison
            ref_m = first[first["sex"] == "M"].set_index("band").reindex(bands)["mean"].to_numpy(float)
            ref_f = first[first["sex"] == "F"].set_index("band").reindex(bands)["mean"].to_numpy(float)
            outline = {"fill": False, "edgecolor": "black", "lw": 0.8}
            ax.barh(y, -ref_m, **outline, label=f"{short_variant(variants[0])} (outline)")
            ax.barh(y, ref_f, **outline)
        ax.set_yticks(y, bands, fontsize=8)
        ax.axvline(0, color="black", lw=0.5)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):,.0f}"))
        ax.set_xlabel("residents (persons; men left, women right)")
        ax.set_title(_wrap(short_variant(variant), 40))
        ax.legend(fontsize=8, loc="upper right")
    axes[0, 0].set_ylabel("age group (years)")
    fig.suptitle("Population by sex and age at the end of the measured period (mean over replications)")
    return _save(fig, path)
