"""Plots of KPI means across the variants of a study, with 95% intervals cut at the bounds of
each KPI (:mod:`sim.report.bounds`; an open circle marks a cut end): the headline panels, access
against travel, and avoidable admissions by condition. Each reads a summary (or
per-replication rows) only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.report import plot_style
from sim.report.bounds import bounded
from sim.report.labels import LABELS, group_label, label
from sim.report.plot_style import coincide_note, coinciding, colours, wrap
from sim.report.variants import ci_errors, select, short_variant, summarise, unit_of, variants_of

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
# the first six, as in the plot of a single run: (metric, group)
HEADLINE: tuple[tuple[str, str], ...] = (
    ("gp_contacts_per_person_year", "all"),
    ("routine_wait_days_mean", "all"),
    ("same_day_share", "all"),
    ("utilisation", "gp"),
    ("access_hours_per_week_per_1000", "all"),
    ("avoidable_admissions_per_1000_65plus", "all"),
)
AREA_TYPES = ("urban", "town", "rural")
CUT_NOTE = "○ at a whisker's end: the interval was cut at 0 (or at 1 for a share)"
CUT_LABEL = "interval cut at 0 (or at 1 for a share)"
CUT_MARK = {
    "marker": "o",
    "mfc": "white",
    "mec": "black",
    "ms": 5,
    "ls": "none",
    "clip_on": False,
    "zorder": 5,
}
AREA_MARKERS = {"urban": "o", "town": "s", "rural": "^"}


def mark_cut(ax: plt.Axes, rows: pd.DataFrame, positions: np.ndarray, horizontal: bool = True) -> bool:
    """Open circles at the ends of the intervals of ``rows`` (drawn at ``positions`` across the
    bars) that were cut at a bound; whether there were any."""
    any_cut = False
    for end, column in (("ci_low", "cut_low"), ("ci_high", "cut_high")):
        if column not in rows.columns:
            continue
        cut = rows[column].eq(True).to_numpy()
        if cut.any():
            at, where = rows[end].to_numpy(float)[cut], np.asarray(positions, dtype=float)[cut]
            ax.plot(*((at, where) if horizontal else (where, at)), **CUT_MARK)
            any_cut = True
    return any_cut


def has_values(values: pd.Series | np.ndarray) -> bool:
    """Whether ``values`` hold a number other than 0 (a panel of zeros or NaN shows nothing)."""
    array = np.asarray(values, dtype=float)
    return bool((np.isfinite(array) & (array != 0)).any())


def left_out_note(names: Sequence[str], why: str = "0 or missing in every variant") -> str:
    """A line naming the panels not drawn, and why; empty when none was left out."""
    return f"\nNot drawn ({why}): {'; '.join(names)}" if names else ""


def plot_kpis(kpis: pd.DataFrame, path: Path) -> Path:
    """Headline KPIs of a single run by variant (or scenario), with 95% confidence intervals
    over replications."""
    summary = bounded(summarise(kpis))
    variants = variants_of(summary)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7), constrained_layout=True)
    cut = False
    for ax, (metric, group) in zip(axes.ravel(), HEADLINE, strict=True):
        sel = select(summary, metric, group).set_index("variant").reindex(variants)
        ax.bar(range(len(variants)), sel["mean"].to_numpy(float), yerr=ci_errors(sel), capsize=6,
               color="#4C72B0")  # fmt: skip
        cut = mark_cut(ax, sel, np.arange(len(variants)), horizontal=False) or cut
        ax.set_xticks(range(len(variants)), [wrap(short_variant(v), 18) for v in variants])
        ax.set_xlabel("variant" if "variant" in kpis.columns else "scenario")
        ax.set_title(wrap(label(metric, group), 45), fontsize=10)
        ax.set_ylabel(unit_of(select(summary, metric, group)))
    fig.suptitle("Headline KPIs by scenario (bars: mean; whiskers: 95% CI over replications)"
                 + (f"\n{CUT_NOTE}" if cut else ""))  # fmt: skip
    return plot_style.save(fig, path)


def plot_kpi_comparison(
    summary: pd.DataFrame, path: Path, kpis: Sequence[tuple[str, str]] = COMPARISON_KPIS
) -> Path | None:
    """Headline KPIs across variants: bars are means, whiskers 95% CIs over replications; KPIs
    that are 0 or missing in every variant are named in the title instead of drawn."""
    summary = bounded(summarise(summary))
    present, empty = [], []
    for metric, group in kpis:
        rows = select(summary, metric, group)
        if has_values(rows["mean"]):
            present.append((metric, group))
        elif len(rows):
            empty.append(label(metric, group))
    if not present:
        return None
    variants = variants_of(summary)
    colour = colours(variants)
    ncols = min(3, len(present))
    nrows = -(-len(present) // ncols)
    height = max(2.2, 0.32 * len(variants) + 1.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, height * nrows + 0.3 * bool(empty)),
                             sharey=True, constrained_layout=True, squeeze=False)  # fmt: skip
    y = np.arange(len(variants))
    axes[0, 0].set_yticks(y, [wrap(short_variant(v), 28) for v in variants], fontsize=8)
    axes[0, 0].invert_yaxis()  # once: the y axis is shared
    cut = False
    for ax, (metric, group) in zip(axes.ravel(), present, strict=False):
        rows = select(summary, metric, group).set_index("variant").reindex(variants)
        ax.barh(y, rows["mean"].to_numpy(float), xerr=ci_errors(rows), capsize=4,
                color=[colour[v] for v in variants])  # fmt: skip
        cut = mark_cut(ax, rows, y) or cut
        ax.set_title(wrap(label(metric, group), 45), fontsize=10)
        ax.set_xlabel(unit_of(rows.dropna(subset=["mean"])) or "value")
        ax.grid(axis="x", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("variant")
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes.ravel()[len(present) :]:
        ax.set_visible(False)
    fig.suptitle("Headline KPIs by variant (bar: mean over replications; whiskers: 95% confidence interval)"
                 + (f"\n{CUT_NOTE}" if cut else "") + left_out_note(empty))  # fmt: skip
    return plot_style.save(fig, path)


def _area_points(travel: pd.DataFrame, access: pd.DataFrame, variant: str, by_area: bool) -> dict:
    """Per area type: the travel and access rows of ``variant`` (areas without both left out)."""
    points = {}
    for area in AREA_TYPES:
        t = travel[(travel["variant"] == variant) & (travel["group"] == area)]
        a = access[(access["variant"] == variant) & (access["group"] == (area if by_area else "all"))]
        if len(t) and len(a):
            points[area] = (t, a)
    return points


def _means(points: dict) -> np.ndarray:
    """Travel and access means of a variant's points, area by area (NaN where none)."""
    out: list[float] = []
    for area in AREA_TYPES:
        t, a = points.get(area, (None, None))
        out += [t["mean"].iloc[0], a["mean"].iloc[0]] if t is not None else [np.nan, np.nan]
    return np.array(out, dtype=float)


def plot_access_travel(summary: pd.DataFrame, path: Path) -> Path | None:
    """Opening hours per 1,000 against travel time to the practice, by area type and variant;
    variants that coincide are drawn as concentric markers and named in the legend."""
    summary = bounded(summarise(summary))
    travel = select(summary, "travel_minutes_mean")
    travel = travel[travel["group"].isin(AREA_TYPES)]
    access = select(summary, "access_hours_per_week_per_1000")
    if travel.empty or access.empty:
        return None
    by_area = access["group"].isin(AREA_TYPES).any()
    variants = variants_of(summary)
    colour = colours(variants)
    points = {v: _area_points(travel, access, v, by_area) for v in variants}
    groups = coinciding({v: _means(points[v]) for v in variants}, rtol=1e-3)
    size = {v: 8.0 for v in variants}
    for group in groups:  # the first drawn largest, the later ones smaller on top: concentric
        for k, v in enumerate(group):
            size[v] = 8.0 + 5.0 * (len(group) - 1 - k)
    fig, ax = plt.subplots(figsize=(11, 6), layout="constrained")
    cut = False
    for variant in variants:
        for area, (t, a) in points[variant].items():
            ax.errorbar(t["mean"], a["mean"], xerr=ci_errors(t), yerr=ci_errors(a), fmt=AREA_MARKERS[area],
                        color=colour[variant], ms=size[variant], mec="white", mew=0.8, capsize=3)  # fmt: skip
            cut = (
                mark_cut(ax, t, a["mean"].to_numpy(float))
                | mark_cut(ax, a, t["mean"].to_numpy(float), False)
                | cut
            )
    for variant in variants:
        ax.plot([], [], "o", color=colour[variant], label=short_variant(variant))
    for area in AREA_TYPES:
        ax.plot([], [], AREA_MARKERS[area], color="0.3", mfc="none", label=f"{area} residents")
    if cut:
        ax.plot([], [], label=wrap(CUT_LABEL, 40), **CUT_MARK)
    note = coincide_note(groups)
    title = wrap(f"{note} (concentric markers)", 45) if note else None
    fig.legend(fontsize=8, loc="outside right upper", title=title, title_fontsize=8)
    ax.set_xlabel(f"{LABELS['travel_minutes_mean']} ({unit_of(travel)})")
    scope = "by area type" if by_area else "all areas (not split by area type)"
    ax.set_ylabel(f"{wrap(LABELS['access_hours_per_week_per_1000'], 40)}, {scope}\n({unit_of(access)})")
    ax.set_title("Access against travel: mean and 95% CI over replications")
    ax.grid(alpha=0.3)
    return plot_style.save(fig, path)


def plot_avoidable_by_condition(summary: pd.DataFrame, path: Path) -> Path | None:
    """Avoidable admissions of people 65+ by condition: grouped bars per variant with 95% CIs;
    conditions with no admission in any variant are named in the title instead of drawn."""
    summary = bounded(summarise(summary))
    rows = select(summary, "avoidable_admissions_per_1000_65plus")
    rows = rows[rows["group"] != "all"]
    drawn = [g for g, part in rows.groupby("group", sort=False) if has_values(part["mean"])]
    empty = [group_label(g) for g in dict.fromkeys(rows["group"]) if g not in drawn]
    rows = rows[rows["group"].isin(drawn)]
    if rows.empty:
        return None
    variants = variants_of(summary)
    colour = colours(variants)
    order = rows.groupby("group", sort=False)["mean"].mean().sort_values(ascending=False).index.tolist()
    height = 0.8 / len(variants)
    cut = False
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.35 * len(order) * max(1.5, len(variants) * 0.6)),
                           constrained_layout=True)  # fmt: skip
    for k, variant in enumerate(variants):
        part = rows[rows["variant"] == variant].set_index("group").reindex(order)
        y = np.arange(len(order)) - 0.4 + height * (k + 0.5)
        ax.barh(y, part["mean"].to_numpy(float), height, xerr=ci_errors(part), capsize=2,
                color=colour[variant], label=short_variant(variant))  # fmt: skip
        cut = mark_cut(ax, part, y) or cut
    ax.set_yticks(range(len(order)), [group_label(g) for g in order])
    ax.invert_yaxis()
    ax.set_xlabel(f"avoidable admissions ({unit_of(rows)})")
    ax.set_ylabel("condition group (Danish list of avoidable admissions)")
    ax.set_title("Avoidable admissions of people aged 65+ by condition (mean, 95% CI)"
                 + left_out_note(empty, "no admission in any variant"), fontsize=10)  # fmt: skip
    ax.grid(axis="x", alpha=0.3)
    if cut:
        ax.plot([], [], label=wrap(CUT_LABEL, 40), **CUT_MARK)
    ax.legend(fontsize=8)
    return plot_style.save(fig, path)
