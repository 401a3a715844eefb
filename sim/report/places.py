"""The report's "Places" section: how outcomes vary between real places, and what explains it.

Reads the study's ``places.csv`` (written by ``sim collate``: :mod:`sim.metrics.places`) and
nothing else. :func:`variation` measures the spread of a KPI between places under the reference
scenario (highest over lowest, 90th over 10th percentile), how much of the spread is replication
noise (the mean squared standard error of a place's mean, sd² / n, over the variance of the
means, with ``sd_between``: the replication noise net of what common random numbers share between
places), and how much the places' own figures explain: the adjusted R² of a least-squares fit of
the municipalities' means on the share aged 80+, the share aged 65+, DST's municipality group and
the 2019 GP-shortage flag (at least 20 municipalities).
:func:`plot_place_maps` draws the maps; :func:`places_section` writes the section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.metrics.places import family_of
from sim.report.choropleth import draw_choropleth
from sim.report.labels import label
from sim.report.markup import esc, fmt, table

OUTCOME = "avoidable_admissions_per_1000_65plus"
MAPPED = (OUTCOME, "routine_wait_days_mean", "access_hours_per_week_per_1000")
EXPLAINERS = ("share_80plus", "share_65plus")  # with dummies of rural_class and gp_shortage_2019
MIN_PLACES_FOR_FIT = 20


@dataclass(frozen=True)
class Variation:
    """The spread of one KPI between places under one scenario."""

    metric: str
    scenario: str
    places: int
    lowest: tuple[str, float]
    highest: tuple[str, float]
    ratio: float  # highest over lowest mean
    ratio_90_10: float  # 90th over 10th percentile of the means
    noise_share: float  # mean squared standard error / variance of the means
    r2: float  # explained by age, municipality group and GP shortage (NaN: too few places)


def reference_rows(places: pd.DataFrame) -> pd.DataFrame:
    """The rows of each place under the reference scenario (the variants that are their own
    reference; the first scenario's rows when no variant is)."""
    own = places[places["variant"].astype(str) == places["reference"].astype(str)]
    return own if len(own) else places[places["scenario"] == places["scenario"].iloc[0]]


def _design(means: pd.DataFrame) -> np.ndarray:
    """Columns of the fit: 1, the explainers, and 0/1 dummies of the groups and the shortage flag."""
    cols = [np.ones(len(means))]
    cols += [means[c].astype(float).to_numpy() for c in EXPLAINERS]
    for group in sorted(means["rural_class"].dropna().unique())[1:]:
        cols.append((means["rural_class"] == group).to_numpy(float))
    shortage = means["gp_shortage_2019"].map(lambda v: str(v).lower() in ("true", "1", "1.0"))
    cols.append(shortage.to_numpy(float))
    return np.column_stack(cols)


def variation(places: pd.DataFrame, metric: str = OUTCOME) -> Variation | None:
    """The spread of ``metric`` between places under the reference scenario (None: fewer than 2)."""
    rows = reference_rows(places)
    rows = rows[(rows["metric"] == metric) & np.isfinite(rows["mean"].astype(float))]
    if len(rows) < 2:
        return None
    means = rows["mean"].astype(float).to_numpy()
    paired = "sd_between" in rows.columns and rows["sd_between"].notna().any()
    sd = rows["sd_between"] if paired else rows["sd"]
    se2_each = (sd.astype(float) ** 2 / rows["n"].astype(float)).to_numpy()  # NaN at n = 1
    known = np.isfinite(se2_each)
    se2 = float(se2_each[known].mean()) if known.any() else np.nan
    var = float(np.var(means[known], ddof=1)) if known.sum() > 1 else float(np.var(means, ddof=1))
    low, high = int(np.argmin(means)), int(np.argmax(means))
    p10, p90 = np.percentile(means, [10, 90])
    r2 = np.nan
    usable = rows.dropna(subset=[*EXPLAINERS, "rural_class"])  # municipalities, not regions
    if len(usable) >= MIN_PLACES_FOR_FIT:
        x, y = _design(usable), usable["mean"].astype(float).to_numpy()
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        resid = y - x @ coef
        total = float(((y - y.mean()) ** 2).sum())
        k = np.linalg.matrix_rank(x) - 1  # explainers besides the intercept
        if total > 0 and len(y) - k - 1 > 0:  # adjusted R²: chance fits of many columns discounted
            r2 = 1.0 - (float(resid @ resid) / (len(y) - k - 1)) / (total / (len(y) - 1))
    names = rows["name"].astype(str).to_numpy()
    return Variation(
        metric=metric,
        scenario=str(rows["scenario"].iloc[0]),
        places=len(rows),
        lowest=(names[low], float(means[low])),
        highest=(names[high], float(means[high])),
        ratio=float(means[high] / means[low]) if means[low] > 0 else np.inf,
        ratio_90_10=float(p90 / p10) if p10 > 0 else np.inf,
        noise_share=float(se2 / var) if var > 0 and np.isfinite(se2) else np.nan,
        r2=r2,
    )


def _values(rows: pd.DataFrame, column: str) -> dict[int, float]:
    known = rows.dropna(subset=["kommunekode"])
    return {int(float(k)): float(v) for k, v in zip(known["kommunekode"], known[column], strict=True)}


def plot_place_maps(places: pd.DataFrame, path: Path) -> Path | None:
    """Maps of Denmark: each mapped KPI under the reference scenario, then each other scenario's
    paired effect on avoidable admissions; None when no place is a single municipality."""
    if places.empty or places["kommunekode"].dropna().empty:
        return None
    ref = reference_rows(places)
    panels = [(ref[ref["metric"] == m], "mean", label(m, "all"), False) for m in MAPPED]
    for scenario in places["scenario"].unique():
        if scenario == ref["scenario"].iloc[0]:
            continue
        rows = places[(places["scenario"] == scenario) & (places["metric"] == OUTCOME)]
        panels.append((rows, "diff", f"{scenario}: change in avoidable admissions", True))
    panels = [p for p in panels if len(p[0])]
    cols = min(3, len(panels))
    nrows = -(-len(panels) // cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5.2 * cols, 4.6 * nrows), squeeze=False)
    for ax, (rows, column, title, diverging) in zip(axes.flat, panels, strict=False):
        unit = str(rows["unit"].iloc[0]) if len(rows) else ""
        draw_choropleth(ax, _values(rows, column), title=title, label=unit, diverging=diverging)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _reading(v: Variation) -> str:
    """One paragraph that reads a :class:`Variation` for a planner."""
    text = (
        f"<strong>{esc(label(v.metric, 'all'))}</strong> under {esc(v.scenario)}: from "
        f"{fmt(v.lowest[1])} ({esc(v.lowest[0])}) to {fmt(v.highest[1])} ({esc(v.highest[0])}) over "
        f"{v.places} places, {fmt(v.ratio)} times from lowest to highest and {fmt(v.ratio_90_10)} times "
        "from the 10th to the 90th percentile."
    )
    if np.isfinite(v.noise_share):
        text += (
            f" Replication noise accounts for about {100 * min(v.noise_share, 1):.0f}% of the variance "
            "between places (the rest is what the model makes of the places' differences)."
        )
    if np.isfinite(v.r2):
        text += (
            f" The places' age (shares 65+ and 80+), DST municipality group and 2019 GP-shortage flag "
            f"explain {100 * max(v.r2, 0):.0f}% of it (adjusted R² of a least-squares fit)."
        )
    return f"<p>{text}</p>"


def places_section(study_places: pd.DataFrame) -> str:
    """The "Places" section: the reading of the variation and one row per place ("" when the
    study ran no real place)."""
    if study_places.empty:
        return ""
    parts = ["<h2 id='places'>Places</h2>"]
    sizes = study_places.drop_duplicates("place")
    scaled = sizes[sizes["scale"].astype(float) < 0.999]
    parts.append(
        f"<p>{len(sizes)} real places, each with its own ages, settlement and GP supply "
        "(<code>sim/config/places.py</code>, docs/places.md). "
        + (
            f"{len(scaled)} larger places ran scaled down (scale factors {fmt(scaled['scale'].min())} to "
            f"{fmt(scaled['scale'].max())}): the map keeps their density; whole practices and the "
            "hospital's real distance do not scale (docs/places.md)."
            if len(scaled)
            else "Every place ran at its full size."
        )
        + "</p>"
    )
    for metric in MAPPED:
        v = variation(study_places, metric)
        if v is not None:
            parts.append(_reading(v))
    ref = reference_rows(study_places)
    scenarios = [s for s in study_places["scenario"].unique() if s != ref["scenario"].iloc[0]]
    header = ["place", "region", "run at (scale)", "65+", "80+", "group", "GP shortage 2019"]
    header += [label(m, "all") for m in MAPPED] + [f"{s}: Δ avoidable" for s in scenarios]
    rows = []
    for _, mine in study_places.groupby("place", sort=True):
        first = mine.iloc[0]
        refm = mine[mine["scenario"] == ref["scenario"].iloc[0]].set_index("metric")
        cells = [
            esc(first["name"]),
            esc(first["region"]),
            f"{int(first['size']):,} ({fmt(float(first['scale']))})",
            fmt(first["share_65plus"]),
            fmt(first["share_80plus"]),
            esc(first["rural_class"]),
            esc(first["gp_shortage_2019"]),
        ]
        cells += [fmt(refm["mean"].get(m, np.nan)) for m in MAPPED]
        for s in scenarios:
            eff = mine[(mine["scenario"] == s) & (mine["metric"] == OUTCOME)]
            cells.append(fmt(eff["diff"].iloc[0]) if len(eff) else "–")
        rows.append(cells)
    parts.append(table(header, rows))
    return "\n".join(parts)


# ------------------------------------------------------------------ a study of many places
MANY_PLACES = 4  # more places than this: findings summed over places, no per-variant tables or plots
COUNT_KPIS = ("requests_unmet",)  # counts per year: they differ with each place's size


def many_places(study_places: pd.DataFrame) -> bool:
    """Whether a study runs so many places that per-variant tables and plots are unreadable."""
    return not study_places.empty and study_places["place"].nunique() > MANY_PLACES


def places_findings_section(differences: pd.DataFrame, study_places: pd.DataFrame) -> str:
    """Key findings of a study of many places: for each scenario and headline KPI, in how many
    places it is better, worse or not distinguishable from the same place's reference, and the
    mean and range of the paired differences."""
    from sim.report.findings import findings
    from sim.report.labels import FINDINGS_KPIS

    items = findings(differences)
    n_places = study_places["place"].nunique()
    kpis = ", ".join(esc(label(m, g)) for m, g in FINDINGS_KPIS)
    head = (
        "<h2 id='findings'>Key findings</h2>"
        f"<p>This study runs {n_places} places. Each scenario is compared with the reference scenario "
        f"<em>of the same place</em>, paired by replication, in the headline KPIs ({kpis}); for each, in "
        "how many places the 95% interval says better or worse (in the direction the KPI registry "
        "calls better), in how many it cannot tell, and the mean and range of the differences (counts "
        "per year, which grow with a place's size, are left out). The places themselves are compared "
        "in <a href='#places'>Places</a>; every variant's numbers are in <code>summary.csv</code>, "
        "<code>differences.csv</code> and <code>places.csv</code> of the study.</p>"
    )
    if not items:
        return head + "<p class='note'>No paired differences in this study.</p>"
    by_family: dict[str, list] = {}  # the variant without its place: a scenario and other values
    for f in items:
        by_family.setdefault(family_of(f.variant), []).append(f)
    body = []
    for family, mine in by_family.items():
        lines = []
        for metric, group in FINDINGS_KPIS:
            if metric in COUNT_KPIS:  # a count per year grows with the run's size: not summed over places
                continue
            cells = [f for f in mine if f.metric == metric and f.group == group]
            if not cells:
                continue
            better = sum(f.verdict == "better" for f in cells)
            worse = sum(f.verdict == "worse" for f in cells)
            diffs = np.array([f.diff for f in cells])
            unit = cells[0].unit
            lines.append(
                f"<li>{esc(label(metric, group))}: better in {better}, worse in {worse}, not told apart "
                f"from 0 in {len(cells) - better - worse} of {len(cells)} places; mean difference "
                f"{fmt(float(diffs.mean()))} {esc(unit)} (from {fmt(float(diffs.min()))} to "
                f"{fmt(float(diffs.max()))})</li>"
            )
        scenario, *rest = (p.strip() for p in family.split("|"))
        title = " | ".join([scenario.replace("_", " ").capitalize(), *rest])
        body.append(f"<h3>{esc(title)}</h3><ul>{''.join(lines)}</ul>")
    return head + "".join(body)


def per_variant_note(section: str, title: str) -> str:
    """The short stand-in for a per-variant table in a study of many places."""
    return (
        f"<h2 id='{section}'>{esc(title)}</h2><p class='note'>A study of many places has too many "
        "variants for this table: see the Key findings (summed over places), the "
        "<a href='#places'>Places</a> section, and <code>summary.csv</code> and "
        "<code>differences.csv</code> of the study.</p>"
    )
