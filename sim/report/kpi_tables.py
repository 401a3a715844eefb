"""The report's KPI tables: means with their 95% intervals per variant, and the differences
against the reference variant paired by replication."""

from __future__ import annotations

import pandas as pd

from sim.report.bounds import NOTE, bounded
from sim.report.findings import verdict
from sim.report.labels import REPORT_KPIS, label
from sim.report.markup import difference, esc, excludes_zero, fmt, frame_table, interval, rounded, table
from sim.report.stress_des import reference_variant
from sim.report.study import Study
from sim.report.variants import variants_of


def _present(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """REPORT_KPIS that ``frame`` holds."""
    if frame.empty:
        return []
    keys = set(zip(frame["metric"], frame["group"].astype(str), strict=True))
    return [k for k in REPORT_KPIS if (k[1], k[2]) in keys]


def _cut_interval(row: pd.Series) -> str:
    """The interval of a summary row; an end cut at the KPI's bound shows the bound and a '*'."""
    if interval(row["ci_low"], row["ci_high"]) == "–":
        return "–"
    ends = [
        f"{float(row[end]):g}*" if bool(row.get(cut, False)) else fmt(row[end])
        for end, cut in (("ci_low", "cut_low"), ("ci_high", "cut_high"))
    ]
    return " to ".join(ends)


def headline_section(study: Study) -> str:
    """Means and 95% CIs of the headline KPIs, one column per variant."""
    s = study.summary
    variants = variants_of(s)
    rows, classes, theme = [], [], None
    index = bounded(s).set_index(["metric", "group", "variant"])
    for kpi_theme, metric, group in _present(s):
        if kpi_theme != theme:
            theme = kpi_theme
            rows.append([f"<strong>{esc(theme)}</strong>", "", *[""] * len(variants)])
            classes.append("theme")
        cells = []
        unit = ""
        for v in variants:
            if (metric, group, v) in index.index:
                r = index.loc[(metric, group, v)]
                r = r.iloc[0] if isinstance(r, pd.DataFrame) else r
                unit = unit or str(r.get("unit", ""))
                cells.append(f"{fmt(r['mean'])}<br><small>{_cut_interval(r)}</small>")
            else:
                cells.append("–")
        rows.append([esc(label(metric, group)), esc(unit), *cells])
        classes.append("")
    header = ["KPI", "unit", *variants]
    return (
        "<h2 id='headline'>Headline KPIs: mean and 95% confidence interval</h2>"
        "<p>Each cell is the mean over replications and, below it, the 95% confidence interval: intervals "
        "made this way contain the model's true long-run mean in 95 of 100 studies. A wide interval "
        f"means more replications are needed before reading much into the number. {esc(NOTE)} "
        "Here a cut end carries a *.</p>"
        + table(header, rows, classes)
        + "<details><summary>All KPIs of all variants (summary.csv: t intervals on the scale of the "
        "values)</summary>" + frame_table(s) + "</details>"
    )


def _difference_rows(diffs: pd.DataFrame, kpis: list[tuple[str, str, str]] | None) -> tuple[list, list]:
    """Table rows (and their classes) of the differences of ``kpis`` in their order, or of all."""
    rows, classes = [], []
    if kpis is not None:  # the chosen KPIs only, in their order within each variant
        order = {(m, g): k for k, (_, m, g) in enumerate(kpis)}
        rank = [order.get((m, str(g)), -1) for m, g in zip(diffs["metric"], diffs["group"], strict=True)]
        variant_rank = {v: k for k, v in enumerate(dict.fromkeys(diffs["variant"]))}
        diffs = diffs.assign(_rank=rank, _variant=diffs["variant"].map(variant_rank))
        diffs = diffs[diffs["_rank"] >= 0].sort_values(["_variant", "_rank"], kind="stable")
    for r in diffs.itertuples(index=False):
        clear = excludes_zero(r.ci_low, r.ci_high)
        rel = getattr(r, "rel_diff", float("nan"))
        rel_text = "–" if pd.isna(rel) else rounded(float(rel) * 100, 1, plus=True) + "%"
        diff, ci = difference(r.mean_diff, r.ci_low, r.ci_high)
        rows.append([
            esc(r.variant), esc(label(r.metric, str(r.group))), esc(r.unit), diff, ci, rel_text,
            esc(int(r.n) if not pd.isna(r.n) else "–"), "● yes" if clear else "no",
            verdict(r.metric, r.mean_diff, r.ci_low, r.ci_high),
        ])  # fmt: skip
        classes.append("clear" if clear else "")
    return rows, classes


def differences_section(study: Study) -> str:
    """Paired differences against the reference variant, CIs that exclude 0 marked."""
    diffs = study.differences
    ref = reference_variant(study)
    intro = (
        f"<h2 id='differences'>Differences against {esc(ref)}</h2>"
        f"<p>Each row is a variant minus <strong>{esc(ref)}</strong>, computed replication by replication "
        "(replication <em>r</em> of every variant meets the same random events: common random numbers) "
        "and then averaged, with a 95% confidence interval of the paired differences. "
        "<strong>Highlighted rows (●)</strong> have an interval that excludes 0: the model shows a "
        "difference larger than its own noise. <em>Better or worse</em> follows the direction the KPI "
        "registry calls better (a shorter wait, more opening hours); '–' where neither direction is "
        "better or the interval covers 0. Each difference is rounded to the precision of its interval.</p>"
    )
    if diffs.empty:
        return intro + "<p class='note'>No differences table in this study (only one variant?).</p>"
    header = ["variant", "KPI", "unit", "difference", "95% CI", "relative", "n", "CI excludes 0", "verdict"]
    rows, classes = _difference_rows(diffs, _present(diffs))
    all_rows, all_classes = _difference_rows(diffs, None)
    return (
        intro
        + table(header, rows, classes)
        + "<details><summary>All KPIs (differences.csv)</summary>"
        + table(header, all_rows, all_classes)
        + "</details>"
    )
