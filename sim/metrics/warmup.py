"""Warm-up length and number of replications: MSER-5, Welch's moving average, the CI method.

Pure functions on arrays and tidy tables, used by ``sim warmup`` (sim/cli/warmup_cmd.py)
and usable from notebooks.

- Warm-up: MSER-5 (White 1997; White, Cobb and Spratt 2000) on the mean over replications
  of a daily series, as recommended by Hoad, Robinson and Davies (2010a); Welch's moving
  average (Welch 1983) for a check by eye.
- Replications: the confidence-interval method of Hoad, Robinson and Davies (2010b), and
  the smallest ``n`` with ``t_{n-1} s / sqrt(n) <= h``, i.e. ``n = ceil((t_{n-1} s / h)^2)``.

White (1997) Simulation 69(6) 323-334. Welch (1983) in Lavenberg (ed.), Computer
Performance Modeling Handbook, 268-328. Hoad, Robinson, Davies (2010a) JORS 61 1389-1403
(warm-up); (2010b) JORS 61 1632-1644 (replications).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics.stats import CONFIDENCE

BATCH = 5  # MSER-5: batch means of 5 observations
SEARCH_SHARE = 0.5  # the truncation point is searched over the first half of the series


def batch_means(series: Sequence[float], batch: int = BATCH) -> np.ndarray:
    """Means of consecutive batches of ``batch`` values; an incomplete last batch is dropped."""
    x = np.asarray(series, dtype=float)
    m = len(x) // batch
    return x[: m * batch].reshape(m, batch).mean(axis=1)


def mser_statistic(values: Sequence[float]) -> np.ndarray:
    """MSER(d) = sum of squared deviations of ``values[d:]`` from their mean, over (m - d)^2."""
    x = np.asarray(values, dtype=float)
    n = np.arange(len(x), 0, -1, dtype=float)  # m - d for d = 0 .. m-1
    s1 = np.cumsum(x[::-1])[::-1]
    s2 = np.cumsum((x * x)[::-1])[::-1]
    ssd = np.maximum(s2 - s1 * s1 / n, 0.0)
    return ssd / (n * n)


def mser5_batches(series: Sequence[float], batch: int = BATCH) -> tuple[int, int]:
    """MSER-5 truncation in batches and the last batch searched (the half-way point)."""
    x = np.asarray(series, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("series: MSER-5 needs finite values (drop missing days first)")
    z = batch_means(x, batch)
    if len(z) < 2:
        raise ValueError(f"series: MSER-5 needs at least {2 * batch} observations (got {len(x)})")
    limit = int(len(z) * SEARCH_SHARE)
    stat = mser_statistic(z)[: limit + 1]
    return int(np.argmin(stat)), limit


def mser5(series: Sequence[float], batch: int = BATCH) -> int:
    """Truncation index of ``series`` by MSER-5: observations before it are the warm-up."""
    d, _ = mser5_batches(series, batch)
    return d * batch


def welch(series_by_rep: np.ndarray | pd.DataFrame, window: int) -> np.ndarray:
    """Welch's moving average (window ``w``) of the mean over replications (rows) by observation.

    Element ``i`` (0-based) averages the ``2 min(i, w) + 1`` means centred on ``i``; the
    last ``w`` observations have no full window and are left out (length ``m - w``).
    """
    y = np.nanmean(np.atleast_2d(np.asarray(series_by_rep, dtype=float)), axis=0)
    m = len(y)
    if window < 1 or m - window < 1:
        raise ValueError(f"window: must be between 1 and {m - 1} (got {window})")
    c = np.concatenate([[0.0], np.cumsum(y)])
    i = np.arange(m - window)
    k = np.minimum(i, window)
    return (c[i + k + 1] - c[i - k]) / (2 * k + 1)


def ci_half_width(values: Sequence[float], level: float = CONFIDENCE) -> float:
    """Half-width of the t-based confidence interval of the mean (NaN below 2 values)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def target_half_width(values: Sequence[float], half_width: float, relative: bool = True) -> float:
    """The target half-width: ``half_width`` itself, or that share of the mean's size if relative."""
    return half_width * abs(float(np.mean(values))) if relative else half_width


def replications_needed(
    values: Sequence[float], half_width: float, relative: bool = True, level: float = CONFIDENCE
) -> int:
    """Smallest ``n`` with ``t_{n-1} s / sqrt(n) <= h``: ``n = ceil((t_{n-1} s / h)^2)`` solved.

    ``s`` is the standard deviation of the pilot ``values``; ``h`` is ``half_width``, or
    ``half_width`` times the pilot mean when ``relative``. Never fewer than 2.
    """
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        raise ValueError(f"values: need at least 2 pilot replications (got {len(x)})")
    h = target_half_width(x, half_width, relative)
    if not h > 0:
        raise ValueError(f"half_width: the target must be > 0 (got {h}; a relative target of a zero mean)")
    s = float(x.std(ddof=1))
    if s == 0:
        return 2
    q = 0.5 + level / 2
    n = max(2, math.ceil((stats.norm.ppf(q) * s / h) ** 2))  # t > z, so the answer is at least this
    while stats.t.ppf(q, n - 1) * s / math.sqrt(n) > h:
        n += 1
    return n


def ci_table(values: Sequence[float], level: float = CONFIDENCE) -> pd.DataFrame:
    """Cumulative mean, sd and CI half-width after 1, 2, ..., n replications (the CI method)."""
    x = np.asarray(values, dtype=float)
    rows = []
    for n in range(1, len(x) + 1):
        part = x[:n]
        mean = float(part.mean())
        hw = ci_half_width(part, level)
        rows.append({
            "n": n, "mean": mean, "sd": float(part.std(ddof=1)) if n > 1 else math.nan,
            "half_width": hw, "ci_low": mean - hw, "ci_high": mean + hw,
            "relative_half_width": hw / abs(mean) if mean != 0 else math.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


def series_matrix(ts: pd.DataFrame, metric: str, group: str) -> pd.DataFrame:
    """One daily series as a table: rows = replications, columns = days with any value."""
    sel = ts[(ts["metric"] == metric) & (ts["group"] == group)]
    table = sel.pivot_table(index="replication", columns="day", values="value", aggfunc="mean")
    return table.dropna(axis=1, how="all").sort_index(axis=1)


def observations_per_week(days: Sequence[int]) -> int:
    """Observations per 7 days of a series observed on ``days`` (5 for weekdays only, 7 for daily)."""
    d = np.asarray(days)
    return round(7 * len(d) / (d[-1] - d[0] + 1)) if len(d) else 0


def propose_warmup(ts: pd.DataFrame, metric: str, group: str, batch: int = BATCH) -> dict:
    """MSER on the replication mean of one series (batch means of ``batch``): warm-up days and diagnostics."""
    table = series_matrix(ts, metric, group)
    if table.empty:
        raise ValueError(f"{metric}:{group}: no such series in the time-series table")
    days = table.columns.to_numpy()
    y = table.mean(axis=0).to_numpy()
    d, limit = mser5_batches(y, batch)
    index = d * batch
    return {
        "metric": metric,
        "group": group,
        "method": f"MSER-{batch}",
        "warmup_days": int(days[index]),
        "batch": batch,
        "truncation_index": index,
        "observations": len(y),
        "observations_per_week": observations_per_week(days),
        "first_day": int(days[0]),
        "last_day": int(days[-1]),
        "replications": len(table),
        "at_search_limit": d == limit,
        "mean_after": float(y[index:].mean()),
        "mean_before": float(y[:index].mean()) if index else math.nan,
    }


def warmup_rows(ts: pd.DataFrame, metric: str, group: str) -> list[dict]:
    """MSER-5 of one series; for a daily series also MSER-7, whose weekly batches cancel the weekly cycle.

    Batches of 5 days beat against a 7-day cycle (a series that is zero at weekends gives
    batch means that swing with a 35-day period), which can hide a slow transient.
    """
    rows = [propose_warmup(ts, metric, group, BATCH)]
    if rows[0]["observations_per_week"] == 7:
        rows.append(propose_warmup(ts, metric, group, 7))
    return rows


def weekly_window(days: Sequence[int], weeks: int = 3) -> int:
    """Welch window ``w`` whose ``2w + 1`` observations span whole weeks (10 for daily, 7 for weekdays)."""
    return max(1, (weeks * observations_per_week(days) - 1) // 2)


def welch_table(ts: pd.DataFrame, metric: str, group: str, window: int | None = None) -> pd.DataFrame:
    """Replication mean and Welch moving average of one series by day (NaN where no full window).

    Without ``window``, the window spans three weeks, so that the weekly cycle cancels.
    """
    table = series_matrix(ts, metric, group)
    window = window or weekly_window(table.columns.to_numpy())
    moving = welch(table.to_numpy(), window)
    mean = table.mean(axis=0).to_numpy()
    padded = np.concatenate([moving, np.full(len(mean) - len(moving), np.nan)])
    return pd.DataFrame({
        "metric": metric, "group": group, "day": table.columns.to_numpy(), "mean": mean,
        "welch_moving_average": padded, "window": window,
    })  # fmt: skip


def replication_row(values: Sequence[float], half_width: float, relative: bool) -> dict:
    """Pilot summary of one KPI and the replications needed for the target half-width."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    h = target_half_width(x, half_width, relative) if len(x) else math.nan
    try:
        needed: float = replications_needed(x, half_width, relative)
    except ValueError:
        needed = math.nan
    return {
        "pilot_n": len(x),
        "mean": float(x.mean()) if len(x) else math.nan,
        "sd": float(x.std(ddof=1)) if len(x) > 1 else math.nan,
        "pilot_half_width": ci_half_width(x),
        "target_half_width": h,
        "relative": relative,
        "replications_needed": needed,
    }


def replication_tables(
    kpis: pd.DataFrame, selection: Sequence[tuple[str, str]], half_width: float, relative: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replications needed per KPI, and the CI-method table per KPI, from a pilot's KPI table."""
    rows, tables = [], []
    for metric, group in selection:
        sel = kpis[(kpis["metric"] == metric) & (kpis["group"] == group)].sort_values("replication")
        values = sel["value"].to_numpy(dtype=float)
        rows.append({"metric": metric, "group": group, **replication_row(values, half_width, relative)})
        table = ci_table(values[np.isfinite(values)])
        table.insert(0, "group", group)
        table.insert(0, "metric", metric)
        tables.append(table)
    summary = pd.DataFrame(rows)
    summary["replications_needed"] = summary["replications_needed"].astype("Int64")
    return summary, pd.concat(tables, ignore_index=True)
