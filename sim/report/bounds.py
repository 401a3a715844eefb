"""Confidence intervals of means cut at the bounds of what they measure.

``summary.csv`` holds t-based intervals, mean ± half-width: for a few replications of a wait, a
travel time or a count they can reach below 0, and for a share above 1, which no replication
could give. The report cuts such an interval at the bound and marks the cut end. The cut keeps
the interval's 95% coverage (the true mean lies within the bounds, so it lies in the cut
interval exactly when it lies in the whole one), where an interval on the log or logit scale
would stretch the other end far out with as few replications as a first study has. Every
registered KPI counts, times, costs or shares something, so none is below 0
(``sim/metrics/registry.py``); shares, up to 1, are the KPIs whose unit starts with ``share``.
Other metrics keep their t interval.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.metrics.registry import KPIS

NOTE = (
    "Where a t interval reaches below 0, or above 1 for a share, which no replication could give, it "
    "is cut at that bound and the cut end is marked."
)


def limits(metric: str, unit: str = "") -> tuple[float, float]:
    """The values a KPI can take: (0, 1) for a share, (0, inf) for any other registered KPI,
    (-inf, inf) for a metric the registry does not know."""
    if str(unit).startswith("share") or (metric in KPIS and KPIS[metric].unit.startswith("share")):
        return 0.0, 1.0
    return (0.0, math.inf) if metric in KPIS else (-math.inf, math.inf)


def bounded(summary: pd.DataFrame) -> pd.DataFrame:
    """``summary`` (``metric, mean, ci_low, ci_high``, optionally ``unit``) with every interval
    cut at its KPI's bounds, and ``cut_low``, ``cut_high`` saying which ends were cut."""
    if summary.empty or "ci_low" not in summary.columns:
        return summary.assign(cut_low=False, cut_high=False)
    units = summary["unit"] if "unit" in summary.columns else pd.Series("", index=summary.index)
    bounds = [limits(str(m), str(u)) for m, u in zip(summary["metric"], units, strict=True)]
    low = np.array([b[0] for b in bounds], dtype=float)
    high = np.array([b[1] for b in bounds], dtype=float)
    ci_low, ci_high = summary["ci_low"].to_numpy(float), summary["ci_high"].to_numpy(float)
    cut_low, cut_high = ci_low < low, ci_high > high
    return summary.assign(
        ci_low=np.where(cut_low, low, ci_low),
        ci_high=np.where(cut_high, high, ci_high),
        cut_low=cut_low,
        cut_high=cut_high,
    )
