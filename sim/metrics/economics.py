"""Cost per avoided avoidable admission: the incremental cost-effectiveness of a scenario.

The outcome is avoidable admissions among people aged 65+ (the headline KPI), turned into
admissions per resident (the rate per 1,000 aged 65+ times the share of residents aged 65+ at the
end), so that it meets the cost per resident (all components, DKK a year). For paired runs
(replications with the same seeds, or the samples of a sensitivity analysis) the incremental
cost-effectiveness ratio is the mean extra cost over the mean admissions avoided; over
replications its 95% interval is Fieller's (the standard interval of a ratio of two correlated
means; unbounded when the admissions avoided are not told from zero, then reported as NaN).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics.places import reference_of
from sim.metrics.stats import CONFIDENCE, mean_ci

AVOIDABLE = ("avoidable_admissions_per_1000_65plus", "all")
COST = ("cost_dkk_per_capita", "total")
OLD_BANDS = ("65-79", "80+")  # the population KPI's groups of people aged 65+
COST_EFFECT_COLUMNS = (
    *("variant", "scenario", "reference", "n"),
    *("extra_cost_dkk_per_resident", "extra_cost_ci_low", "extra_cost_ci_high"),
    *("avoided_per_1000_residents", "avoided_ci_low", "avoided_ci_high"),
    *("dkk_per_avoided_admission", "ci_low", "ci_high"),
)


def per_resident(values: pd.DataFrame, index: Sequence[str]) -> pd.DataFrame:
    """Per row of ``index`` (for example sample and scenario): the cost per resident (DKK a year,
    ``cost``) and the avoidable admissions per resident a year (``avoidable``), from a tidy KPI
    table with ``metric``, ``group`` and ``value``. Empty when a KPI it needs is missing."""
    wide = values.pivot_table(index=list(index), columns=["metric", "group"], values="value")
    needed = [AVOIDABLE, COST, ("population", "all"), *(("population", b) for b in OLD_BANDS)]
    if wide.empty or any(col not in wide.columns for col in needed):
        return pd.DataFrame(columns=[*index, "cost", "avoidable"])
    old = sum(wide["population", b] for b in OLD_BANDS)
    out = pd.DataFrame(
        {"cost": wide[COST], "avoidable": wide[AVOIDABLE] / 1000.0 * old / wide["population", "all"]}
    )
    return out.reset_index()


def fieller(cost: np.ndarray, effect: np.ndarray, level: float = CONFIDENCE) -> tuple[float, float]:
    """Fieller's interval of mean(cost) / mean(effect) for paired observations: the ratios R with
    (mean(c) - R mean(e))^2 <= t^2 var(mean(c) - R mean(e)). (NaN, NaN) when it is unbounded (the
    effect's own interval covers 0) or there are fewer than two pairs."""
    c, e = np.asarray(cost, float), np.asarray(effect, float)
    keep = np.isfinite(c) & np.isfinite(e)
    c, e = c[keep], e[keep]
    n = len(c)
    if n < 2:
        return math.nan, math.nan
    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    vc, ve = np.var(c, ddof=1) / n, np.var(e, ddof=1) / n
    vce = np.cov(c, e, ddof=1)[0, 1] / n
    mc, me = c.mean(), e.mean()
    a = me * me - t2 * ve
    b = mc * me - t2 * vce
    if a <= 0:
        return math.nan, math.nan
    # with a > 0 the discriminant is >= 0 (Cauchy-Schwarz); rounding can take a zero below it
    root = math.sqrt(max(b * b - a * (mc * mc - t2 * vc), 0.0))
    return float((b - root) / a), float((b + root) / a)


def cost_effectiveness(kpis: pd.DataFrame, reference: str) -> pd.DataFrame:
    """For every variant of a study against ``reference`` (in a sweep over places, the reference
    scenario of the same place: :func:`sim.metrics.places.reference_of`), paired by replication
    and seed: the
    extra cost per resident, the avoidable admissions avoided per 1,000 residents a year (each
    with its t interval) and the cost per avoided admission with Fieller's interval (NaN where the
    variant avoids none on average or the interval is unbounded)."""
    keys = ["variant", "scenario", "replication", "seed"]
    if kpis.empty or any(k not in kpis.columns for k in keys):
        return pd.DataFrame(columns=list(COST_EFFECT_COLUMNS))
    table = per_resident(kpis, keys)
    pair = ["replication", "seed"]
    variants = list(dict.fromkeys(kpis["variant"]))
    rows = []
    for (variant, scenario), part in table.groupby(["variant", "scenario"], sort=False):
        against = reference_of(variant, reference, variants)  # in a sweep over places: the same place's
        if against is None:
            continue
        ref = table[table["variant"] == against][[*pair, "cost", "avoidable"]]
        both = part.merge(ref, on=pair, suffixes=("", "_ref")).dropna(subset=["cost", "cost_ref"])
        both = both.dropna(subset=["avoidable", "avoidable_ref"])
        if both.empty:
            continue
        extra = (both["cost"] - both["cost_ref"]).to_numpy(float)
        avoided = (both["avoidable_ref"] - both["avoidable"]).to_numpy(float)
        cost_ci, avoided_ci = mean_ci(extra), mean_ci(avoided * 1000)
        gain = avoided.mean() > 0
        ratio = cost_ci[0] / avoided.mean() if gain else math.nan
        low, high = fieller(extra, avoided) if gain else (math.nan, math.nan)
        head = (variant, scenario, against, len(both))
        rows.append((*head, *cost_ci[:3], *avoided_ci[:3], ratio, low, high))
    return pd.DataFrame(rows, columns=list(COST_EFFECT_COLUMNS))
