"""The words and figures of a sensitivity analysis's reading, shared by ``sim sensitivity``'s
``sensitivity.md`` and the report's section (:mod:`sim.report.sensitivity`): which factors a
reading names, how a share or a cost per avoided admission is written."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

NO_DRIVER = "none told apart from chance"


def number(x: float) -> str:
    """A figure of the reading, three significant digits (no -0; n/a for a missing one)."""
    if not math.isfinite(x):
        return "n/a"
    text = f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return "0" if text in ("-0", "-0.0") else text


def rows_of(ranking: pd.DataFrame, scenario: str, metric: str, group: str) -> pd.DataFrame:
    """The ranking's rows of one scenario's effect on one KPI."""
    return ranking[
        (ranking["scenario"] == scenario) & (ranking["metric"] == metric) & (ranking["group"] == group)
    ]


def distinguishable(row: object) -> bool:
    """Whether a ranking row's influence stands out from chance: the partial rank correlation
    above its band under no association; Morris mu* above 0 by more than its 95% interval."""
    influence, conf = float(row.influence), float(row.influence_conf)
    if not np.isfinite(conf):
        return influence != 0
    return abs(influence) > conf


def drivers_text(ranking: pd.DataFrame, row: Any, top: int, escape: Callable[[str], str] = str) -> str:
    """The ``top`` factors that drive the effect of summary ``row`` and stand out from chance,
    each with its influence; why none are named when there are none."""
    ranked = rows_of(ranking, row.scenario, row.metric, row.group).nsmallest(top, "rank")
    if ranked.empty:
        return "not ranked: too few samples ran"
    named = [f"{escape(r.factor)} ({number(r.influence)})" for r in ranked.itertuples() if distinguishable(r)]
    return ", ".join(named) or NO_DRIVER


def better_text(share: float) -> str:
    """The share of samples in which a scenario is better, as a percentage (n/a for a KPI with no
    better direction)."""
    return "n/a" if not math.isfinite(share) else f"{share:.0%}"


def half_crossing(ceac: pd.DataFrame, scenario: str) -> str:
    """The lowest threshold (DKK per avoided admission) at which ``scenario`` is cost-effective in at
    least half the samples."""
    half = ceac[(ceac["scenario"] == scenario) & (ceac["p_cost_effective"] >= 0.5)]["threshold_dkk"]
    return f"{half.min():,.0f}" if len(half) else "above 1,000,000"


def icer_text(value: float) -> str:
    """A cost per avoided admission, or why there is none."""
    return f"{value:,.0f}" if math.isfinite(value) else "none avoided"
