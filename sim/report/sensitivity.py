"""The report's section "How much the answers depend on assumptions", from the tables of
``sim sensitivity`` (docs/sensitivity.md): per scenario and headline KPI the effect's spread over
the register's assumptions, the share of samples in which the scenario is better and the links
that drive it, with the ranking's plot. A study without one says how to make one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from sim.report.figures import Figure, embed
from sim.report.labels import label
from sim.report.markup import esc

TITLE = "How much the answers depend on assumptions"
TOP = 3  # drivers named per effect


def sensitivity_folder(study: Path, given: Path | None = None) -> Path | None:
    """The sensitivity analysis to report: ``given``, or the study's own ``sensitivity/`` folder."""
    for folder in (given, study / "sensitivity"):
        if folder is not None and (folder / "sensitivity_summary.csv").is_file():
            return folder
    return None


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:.3g}"
    return "0" if text in ("-0", "-0.0") else text


def sensitivity_section(folder: Path | None) -> str:
    """The section's HTML (an explanation of what is missing when there is no analysis)."""
    head = f"<h2 id='sensitivity'>{esc(TITLE)}</h2>"
    if folder is None:
        return head + (
            "<p class='note'>The intervals above cover replication noise only: every link of the model "
            "was held at its configured value. <code>sim sensitivity</code> varies the links of the "
            "mechanism register over their ranges (docs/sensitivity.md); give its folder to "
            "<code>sim report --sensitivity DIR</code>, or write it to "
            "<code>&lt;study&gt;/sensitivity</code>, "
            "and this section shows how much each effect depends on them.</p>"
        )
    summary = pd.read_csv(folder / "sensitivity_summary.csv")
    ranking = pd.read_csv(folder / "sensitivity_ranking.csv")
    facts = json.loads((folder / "sensitivity.json").read_text())
    method = facts.get("method", "")
    design = (
        "Morris screening: its points lie on a grid of each range, so read the drivers; the spread is "
        "over the grid, not a probability"
        if method == "morris"
        else "Latin hypercube: each link uniform over its range; the spread is the 5th to 95th percentile"
    )
    rows = []
    for r in summary.itertuples():
        mine = ranking[
            (ranking["scenario"] == r.scenario)
            & (ranking["metric"] == r.metric)
            & (ranking["group"] == r.group)
        ]
        top = mine.nsmallest(TOP, "rank")
        drivers = ", ".join(
            f"{esc(t.factor)} ({_num(t.influence)})" for t in top.itertuples() if t.influence != 0
        )
        better = "n/a" if not math.isfinite(r.p_better) else f"{r.p_better:.0%}"
        rows.append(
            f"<tr><td>{esc(r.scenario)}</td>"
            f"<td>{esc(label(r.metric, r.group))} <small>({esc(r.unit)})</small></td>"
            f"<td class='num'>{_num(r.median)}</td><td class='num'>{_num(r.p05)} to {_num(r.p95)}</td>"
            f"<td class='num'>{better}</td><td>{drivers or 'none'}</td></tr>"
        )
    table = (
        "<div class='scroll'><table><tr><th>scenario</th><th>KPI</th><th>median effect</th>"
        "<th>90% of samples</th><th>better in</th><th>driven most by (influence)</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
    plot = folder / "sensitivity.png"
    figure = (
        embed(Figure("sensitivity", "The links that drive each effect", "Morris mu* or Spearman's rho of "
                     "each link of the mechanism register on each scenario's effect; the longest bars "
                     "are the assumptions that would change the answer most.", plot))
        if plot.is_file()
        else ""
    )  # fmt: skip
    return head + (
        f"<p>{esc(design)}. {len(ranking['factor'].unique())} links of the mechanism register varied, "
        f"n = {esc(str(facts.get('n')))}, scenarios {esc(', '.join(facts.get('scenarios', [])))}, "
        f"each against {esc((facts.get('scenarios') or ['?'])[0])} with the same seed and assumptions "
        f"(from <code>{esc(str(folder))}</code>).</p>{table}{figure}"
    )
