"""Reading a sensitivity sweep: each scenario's difference from the reference, per sample, its
distribution over the assumptions and the factors that drive it.

For every sample the scenarios ran with the same seed (common random numbers), so the paired
difference of a KPI (scenario minus reference, the mean over replications) is the scenario's
effect under that sample's assumptions. Over the samples this gives:

- ``summary``: per scenario and KPI, the median and the 5th and 95th percentiles of the effect
  and the share of samples in which the scenario is better (the KPI registry's direction). With a
  Latin hypercube design this is the distribution over assumptions, each uniform over its range;
  a Morris design puts its points on a grid of ``MORRIS_LEVELS`` levels, so its distribution is
  coarser (read its ranking; use ``--method latin`` for the distribution);
- ``ranking``: per scenario and KPI, each factor's influence on the effect: Morris mu* (the mean
  absolute elementary effect, in the KPI's unit per whole range of the factor) with its 95%
  interval and sigma (interaction or non-linearity); with a Latin design the partial rank
  correlation of factor and effect (PRCC, adjusted for the other factors), with the half-width
  of its 99% band under no association (about 2.58 / sqrt(n - k - 1): 0.51 at 40 samples of 13
  factors; 99%, not 95%, because a study reads many coefficients at once). Factors are ranked by
  that influence; the reading names only those that stand out from chance
  (:func:`sim.report.sensitivity_text.distinguishable`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.metrics.collate import find_jobs, load_job
from sim.metrics.economics import per_resident
from sim.metrics.registry import HIGHER, LOWER, get
from sim.report.labels import FINDINGS_KPIS
from sim.sensitivity.design import MORRIS_LEVELS, Design, parse_sample_name

SUMMARY_COLUMNS = ("scenario", "metric", "group", "unit", "samples", "median", "p05", "p95", "p_better")
RANKING_COLUMNS = (
    "scenario",
    "metric",
    "group",
    "factor",
    "rank",
    "influence",
    "influence_conf",
    "sigma",
    "measure",
)


def sample_values(sweep: Path) -> pd.DataFrame:
    """Mean over replications of every KPI of every ``ok`` job of ``sweep``, with the job's sample
    index and scenario (from its ``+sample=...`` override); failed jobs are left out."""
    frames = []
    for job in find_jobs(sweep):
        load_job(job)
        name = job.overrides.get("sample")
        if job.status != "ok" or job.kpis is None or name is None:
            continue
        index, scenario = parse_sample_name(name)
        means = job.kpis.groupby(["metric", "group", "unit"], as_index=False)["value"].mean()
        frames.append(means.assign(sample=index, scenario=scenario))
    if not frames:
        return pd.DataFrame(columns=["sample", "scenario", "metric", "group", "unit", "value"])
    return pd.concat(frames, ignore_index=True)


def effects(
    values: pd.DataFrame, reference: str, kpis: Sequence[tuple[str, str]] = FINDINGS_KPIS
) -> pd.DataFrame:
    """Per sample, scenario and KPI: the scenario's value minus the reference's in the same sample
    (only samples where both ran)."""
    wanted = values.set_index(["metric", "group"]).index.isin(list(kpis))
    table = values[wanted]
    ref = table[table["scenario"] == reference][["sample", "metric", "group", "value"]]
    other = table[table["scenario"] != reference]
    merged = other.merge(ref, on=["sample", "metric", "group"], suffixes=("", "_ref"))
    merged["effect"] = merged["value"] - merged["value_ref"]
    return merged[["sample", "scenario", "metric", "group", "unit", "effect"]]


def _better_share(metric: str, effect: np.ndarray) -> float:
    better = get(metric).better
    if better == LOWER:
        return float(np.mean(effect < 0))
    if better == HIGHER:
        return float(np.mean(effect > 0))
    return float("nan")


def summarise(effect: pd.DataFrame) -> pd.DataFrame:
    """Median, 5th and 95th percentiles of each scenario's effect over the samples, and the
    share of samples in which it is better."""
    rows = []
    for (scenario, metric, group, unit), part in effect.groupby(["scenario", "metric", "group", "unit"]):
        e = part["effect"].to_numpy(float)
        e = e[np.isfinite(e)]
        if len(e) == 0:
            continue
        p05, med, p95 = np.percentile(e, [5, 50, 95])
        rows.append((scenario, metric, group, unit, len(e), med, p05, p95, _better_share(metric, e)))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def rank(design: Design, effect: pd.DataFrame) -> pd.DataFrame:
    """Each factor's influence on each scenario's effect (Morris mu*, or the partial rank
    correlation for a Latin design), ranked, from the samples that ran in both scenarios (for
    Morris, the whole trajectories); an effect with too few is not ranked."""
    rows = []
    names = [m.name for m in design.factors]
    spec = design.problem
    k = len(names)
    for (scenario, metric, group), part in effect.groupby(["scenario", "metric", "group"]):
        y = part.set_index("sample")["effect"].reindex(range(len(design.points))).to_numpy(float)
        ran = np.isfinite(y)
        if design.method == "morris":  # whole trajectories only: k + 1 points each
            ran = np.repeat(ran.reshape(-1, k + 1).all(axis=1), k + 1)
        x, y = design.points[ran], y[ran]
        if len(y) < (k + 1 if design.method == "morris" else 3):
            continue  # not ranked: too few samples ran in both scenarios
        if design.method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(spec, x, y, num_levels=MORRIS_LEVELS, seed=design.seed)
            influence = np.asarray(res["mu_star"], float)
            conf = np.asarray(res["mu_star_conf"], float)
            sigma = np.asarray(res["sigma"], float)
            measure = "morris_mu_star"
        else:
            influence = prcc(x, y)
            # half-width of the coefficient's 99% band under no association, given the k - 1 other
            # factors it is adjusted for (about 2.58 / sqrt(n - k - 1)): a smaller one is chance; 99%
            # because a study reads factors x scenarios x KPIs coefficients at once
            conf = np.full(k, 2.58 / np.sqrt(max(len(y) - k - 1, 1)))
            sigma = np.full(k, np.nan)
            measure = "prcc"
        order = np.argsort(-np.abs(np.nan_to_num(influence)), kind="stable")
        for r, j in enumerate(order, start=1):
            rows.append((scenario, metric, group, names[j], r, influence[j], conf[j], sigma[j], measure))
    return pd.DataFrame(rows, columns=list(RANKING_COLUMNS))


def prcc(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Partial rank correlation of each column of ``x`` with ``y``: the correlation of their
    ranks after the ranks of the other columns are regressed out of both (Marino et al. 2008), so
    a factor that only happens to correlate with another in the sample is not credited with its
    effect. 0 for a constant column or effect."""
    from scipy.stats import rankdata

    n, k = x.shape
    if np.ptp(y) == 0:
        return np.zeros(k)
    rx = np.column_stack([rankdata(x[:, j]) for j in range(k)])
    ry = rankdata(y)
    out = np.zeros(k)
    for j in range(k):
        if np.ptp(rx[:, j]) == 0:
            continue
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        rj = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        ey = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = np.sqrt((rj @ rj) * (ey @ ey))
        out[j] = float(rj @ ey / denom) if denom > 0 else 0.0
    return out


# ------------------------------------------------------------------ economics
ICER_COLUMNS = (
    *("scenario", "samples", "cost_dkk_per_resident", "cost_p05", "cost_p95"),
    *("avoided_per_1000_residents", "avoided_p05", "avoided_p95"),
    *("cost_per_avoided_admission", "dominant_share"),
)
THRESHOLDS = tuple(range(0, 1_000_001, 25_000))  # DKK per avoided avoidable admission


def economics(values: pd.DataFrame, reference: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The incremental cost per avoided avoidable admission of each scenario against ``reference``
    over the samples, and its cost-effectiveness acceptability curve: at each threshold (DKK per
    avoided admission) the share of samples whose net benefit, threshold x admissions avoided -
    extra cost, is positive."""
    table = per_resident(values, ["sample", "scenario"])
    ref = table[table["scenario"] == reference][["sample", "cost", "avoidable"]]
    icer_rows, ceac_rows = [], []
    for scenario, part in table[table["scenario"] != reference].groupby("scenario"):
        part = part.merge(ref, on="sample", suffixes=("", "_ref"))
        if part.empty:
            continue
        extra = (part["cost"] - part["cost_ref"]).to_numpy(float)  # DKK per resident a year
        avoided = (part["avoidable_ref"] - part["avoidable"]).to_numpy(float)  # per resident a year
        mean_avoided = float(avoided.mean())
        icer = float(extra.mean()) / mean_avoided if mean_avoided > 0 else float("nan")
        c05, c95 = np.percentile(extra, [5, 95])
        a05, a95 = np.percentile(avoided * 1000, [5, 95])
        dominant = float(np.mean((extra <= 0) & (avoided > 0)))
        cost_part = (float(extra.mean()), c05, c95)
        icer_rows.append((scenario, len(extra), *cost_part, mean_avoided * 1000, a05, a95, icer, dominant))
        for threshold in THRESHOLDS:
            ceac_rows.append((scenario, threshold, float(np.mean(threshold * avoided - extra > 0))))
    icer = pd.DataFrame(icer_rows, columns=list(ICER_COLUMNS))
    ceac = pd.DataFrame(ceac_rows, columns=["scenario", "threshold_dkk", "p_cost_effective"])
    return icer, ceac
