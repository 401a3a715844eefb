"""Key findings: what each variant changes in the headline KPIs, read from the paired
differences (``differences.csv``: variant minus the reference, replication by replication).

For each variant and headline KPI (:data:`sim.report.labels.FINDINGS_KPIS`) a finding says
whether the variant is better or worse, in the direction the KPI registry calls better
(``sim/metrics/registry.py``), by how much and with what 95% interval, or that the difference is
not distinguishable from zero when the interval covers 0. Such an interval is too wide for the
question: its half-width is larger than the difference itself, and :func:`replications_needed`
says roughly how many replications would make it as narrow as the difference.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics.registry import HIGHER, KPIS, LOWER
from sim.report.labels import FINDINGS_KPIS
from sim.report.markup import decimals, excludes_zero, rounded

LEVEL = 0.95
MAX_REPLICATIONS = 10_000
BETTER, WORSE, NO_VERDICT = "better", "worse", "–"


def verdict(metric: str, diff: float, low: float, high: float) -> str:
    """'better' or 'worse' for a difference whose interval excludes 0 of a KPI with a better
    direction, else '–'."""
    kpi = KPIS.get(metric)
    if kpi is None or kpi.better not in (HIGHER, LOWER) or not excludes_zero(low, high):
        return NO_VERDICT
    return BETTER if (float(diff) > 0) == (kpi.better == HIGHER) else WORSE


def replications_needed(half_width: float, effect: float, n: int, level: float = LEVEL) -> int | None:
    """About how many replications would make the interval's half-width no larger than
    ``|effect|``: the paired standard deviation implied by the ``n`` replications' half-width,
    with the t quantile of each number of replications (roughly n × (half-width / effect)²,
    fewer as the t quantile falls). None when it is not needed, cannot be said (fewer than two
    replications, an effect of 0) or is more than :data:`MAX_REPLICATIONS`."""
    effect = abs(float(effect))
    if n < 2 or not math.isfinite(half_width) or half_width <= effect or effect == 0:
        return None
    q = 0.5 + level / 2
    sd = half_width * math.sqrt(n) / float(stats.t.ppf(q, n - 1))
    m = np.arange(n + 1, MAX_REPLICATIONS + 1)
    narrow = np.flatnonzero(stats.t.ppf(q, m - 1) * sd / np.sqrt(m) <= effect)
    return int(m[narrow[0]]) if len(narrow) else None


@dataclass(frozen=True)
class Finding:
    """One variant's paired difference against the reference in one headline KPI."""

    variant: str
    metric: str
    group: str
    unit: str
    diff: float
    low: float
    high: float
    n: int
    rel: float

    @property
    def half_width(self) -> float:
        """Half the width of the 95% interval (NaN without one)."""
        return (self.high - self.low) / 2

    @property
    def has_interval(self) -> bool:
        """Whether the difference has an interval (two replications or more)."""
        return math.isfinite(self.low) and math.isfinite(self.high)

    @property
    def unchanged(self) -> bool:
        """Whether the KPI was the same in every replication of both variants."""
        return self.diff == 0 and self.low == 0 and self.high == 0

    @property
    def verdict(self) -> str:
        """'better', 'worse' or '–' (no better direction, or not distinguishable from 0)."""
        return verdict(self.metric, self.diff, self.low, self.high)

    @property
    def distinguishable(self) -> bool:
        """Whether the interval lies wholly above or below 0."""
        return excludes_zero(self.low, self.high)

    @property
    def too_wide(self) -> bool:
        """Whether the interval covers 0 and reaches at least as far on each side as the difference."""
        return self.has_interval and not self.unchanged and self.half_width >= abs(self.diff)

    @property
    def needed(self) -> int | None:
        """Roughly the replications that would make the interval as narrow as the difference."""
        return replications_needed(self.half_width, self.diff, self.n) if self.too_wide else None

    @property
    def places(self) -> int:
        """Decimal places for the difference and its interval (two significant digits of the
        half-width)."""
        return decimals(self.half_width if self.has_interval else math.nan, self.diff)

    def text(self, x: float, plus: bool = False) -> str:
        """``x`` rounded as this finding's numbers are ('0' for a number that rounds to zero)."""
        return rounded(x, self.places, plus=plus)


def findings(differences: pd.DataFrame, kpis: Sequence[tuple[str, str]] = FINDINGS_KPIS) -> list[Finding]:
    """The findings of every variant in ``differences`` for ``kpis``, variant by variant in the
    table's order, each variant's KPIs in the order of ``kpis``."""
    if differences.empty:
        return []
    rows = differences.assign(group=differences["group"].astype(str))
    out = []
    for variant in dict.fromkeys(rows["variant"]):
        part = rows[rows["variant"] == variant]
        for metric, group in kpis:
            row = part[(part["metric"] == metric) & (part["group"] == group)]
            if row.empty:
                continue
            r = row.iloc[0]
            n = int(r["n"]) if pd.notna(r["n"]) else 0
            rel = float(r["rel_diff"]) if "rel_diff" in r.index and pd.notna(r["rel_diff"]) else math.nan
            out.append(Finding(str(variant), metric, group, str(r.get("unit", "")), float(r["mean_diff"]),
                               float(r["ci_low"]), float(r["ci_high"]), n, rel))  # fmt: skip
    return out


def replication_counts(items: Sequence[Finding], differences: pd.DataFrame) -> list[int]:
    """The distinct numbers of paired replications behind the findings (else behind any
    difference), smallest first; KPIs empty in every replication (n = 0) do not count."""
    counts = {f.n for f in items if f.n > 0}
    if not counts and not differences.empty and "n" in differences.columns:
        counts = {int(n) for n in differences["n"].dropna() if n > 0}
    return sorted(counts)
