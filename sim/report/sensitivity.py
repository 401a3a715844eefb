"""The report's section "How much the answers depend on assumptions", from the tables of
``sim sensitivity`` (docs/sensitivity.md): per scenario and headline KPI the effect's spread over
the register's assumptions, the share of samples in which the scenario is better and the links
that drive it, with the ranking's plot. A study without one says how to make one."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.report.figures import Figure, embed
from sim.report.labels import label
from sim.report.markup import esc
from sim.report.sensitivity_text import better_text, drivers_text, half_crossing, icer_text, number

TITLE = "How much the answers depend on assumptions"
TOP = 3  # drivers named per effect


def sensitivity_folder(study: Path, given: Path | None = None) -> Path | None:
    """The sensitivity analysis to report: ``given``, or the study's own ``sensitivity/`` folder."""
    for folder in (given, study / "sensitivity"):
        if folder is not None and (folder / "sensitivity_summary.csv").is_file():
            return folder
    return None


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
    rows = [
        f"<tr><td>{esc(r.scenario)}</td>"
        f"<td>{esc(label(r.metric, r.group))} <small>({esc(r.unit)})</small></td>"
        f"<td class='num'>{number(r.median)}</td><td class='num'>{number(r.p05)} to {number(r.p95)}</td>"
        f"<td class='num'>{better_text(r.p_better)}</td><td>{drivers_text(ranking, r, TOP, esc)}</td></tr>"
        for r in summary.itertuples()
    ]
    table = (
        "<div class='scroll'><table><tr><th>scenario</th><th>KPI</th><th>median effect</th>"
        "<th>90% of samples</th><th>better in</th><th>driven most by (influence)</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
    figure = _figure(folder / "sensitivity.png", "sensitivity", "The links that drive each effect",
                     "Morris mu* or the partial rank correlation of each link of the mechanism register "
                     "with each scenario's effect; the longest bars are the assumptions that would "
                     "change the answer most.")  # fmt: skip
    return head + _intro(design, ranking, facts, folder) + table + figure + _economics(folder)


def _figure(path: Path, key: str, title: str, caption: str) -> str:
    """A plot of the analysis folder, inline; nothing when it was not drawn."""
    return embed(Figure(key, title, caption, path)) if path.is_file() else ""


def _intro(design: str, ranking: pd.DataFrame, facts: dict, folder: Path) -> str:
    return (
        f"<p>{esc(design)}. {len(ranking['factor'].unique())} links of the mechanism register varied, "
        f"n = {esc(str(facts.get('n')))}, scenarios {esc(', '.join(facts.get('scenarios', [])))}, "
        f"each against {esc((facts.get('scenarios') or ['?'])[0])} with the same seed and assumptions "
        f"(from <code>{esc(str(folder))}</code>).</p>"
    )


def _economics(folder: Path) -> str:
    """The cost per avoided avoidable admission over the samples, and the acceptability curve."""
    path = folder / "sensitivity_icer.csv"
    if not path.is_file():
        return ""
    icer = pd.read_csv(path)
    if icer.empty:
        return ""
    ceac = pd.read_csv(folder / "sensitivity_ceac.csv")
    rows = []
    for r in icer.itertuples():
        crossing, ratio = half_crossing(ceac, r.scenario), icer_text(r.cost_per_avoided_admission)
        rows.append(
            f"<tr><td>{esc(r.scenario)}</td><td class='num'>{number(r.cost_dkk_per_resident)} "
            f"<small>({number(r.cost_p05)} to {number(r.cost_p95)})</small></td>"
            f"<td class='num'>{number(r.avoided_per_1000_residents)} "
            f"<small>({number(r.avoided_p05)} to {number(r.avoided_p95)})</small></td>"
            f"<td class='num'>{ratio}</td><td class='num'>{r.dominant_share:.0%}</td>"
            f"<td class='num'>{crossing}</td></tr>"
        )
    table = (
        "<h3>Cost per avoided avoidable admission</h3><p>Extra cost per resident a year against the "
        "reference (every component; health houses' capital as an annuity) and avoidable admissions "
        "avoided per 1,000 residents a year, over the samples (5th to 95th percentile); their ratio is "
        "mean extra cost over mean admissions avoided. The curve gives, for each price a payer would "
        "accept per avoided admission, the share of samples in which the scenario is worth it.</p>"
        "<div class='scroll'><table><tr><th>scenario</th><th>extra DKK per resident</th>"
        "<th>avoided per 1,000 residents</th><th>DKK per avoided admission</th>"
        "<th>cheaper and better in</th><th>worth it in half the samples from (DKK)</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
    curve = _figure(folder / "ceac.png", "ceac", "Cost-effectiveness acceptability curve",
                    "Share of samples in which each scenario's net benefit is positive, by the price "
                    "accepted per avoided avoidable admission.")  # fmt: skip
    return table + curve
