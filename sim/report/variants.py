"""Reading a study's tables by variant: the variant column, summaries, selections and the
swept parameters. Plots and the report use these; none of them draws."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics import collate


def short_variant(variant: str) -> str:
    """A variant name short enough for an axis: override keys cut to their last two parts."""
    parts = [p.strip() for p in str(variant).split("|")]
    out = [parts[0]]
    for part in parts[1:]:
        key, _, value = part.partition("=")
        out.append(f"{'.'.join(key.split('.')[-2:])}={value}")
    return ", ".join(out)


def with_variant(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a ``variant`` column (its ``scenario`` when it has none)."""
    if "variant" in table.columns:
        return table
    return table.assign(variant=table["scenario"])


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI per variant, metric and group; a summary table is returned as it is."""
    table = with_variant(table)
    return table if "mean" in table.columns else collate.summarise(table)


def variants_of(table: pd.DataFrame) -> list[str]:
    """Variants in order of first appearance."""
    return list(dict.fromkeys(with_variant(table)["variant"]))


def select(summary: pd.DataFrame, metric: str, group: str | None = None) -> pd.DataFrame:
    """Rows of ``metric`` (and of ``group`` when given)."""
    sel = summary[summary["metric"] == metric]
    return sel if group is None else sel[sel["group"] == group]


def unit_of(rows: pd.DataFrame) -> str:
    """The unit of ``rows`` (their first non-empty ``unit``)."""
    units = rows["unit"].dropna() if "unit" in rows.columns else pd.Series(dtype=str)
    return str(units.iloc[0]) if len(units) else ""


def ci_errors(rows: pd.DataFrame) -> np.ndarray:
    """Whisker lengths below and above the means (0 where the CI is unknown)."""
    low = (rows["mean"] - rows["ci_low"]).to_numpy(dtype=float)
    high = (rows["ci_high"] - rows["mean"]).to_numpy(dtype=float)
    return np.nan_to_num(np.vstack([low, high]))


def sort_values(values: pd.Series) -> list[str]:
    """Distinct values, in numeric order when they are all numbers."""
    distinct = list(dict.fromkeys(values.astype(str)))
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    if numbers.notna().all():
        return [distinct[i] for i in np.argsort(numbers.to_numpy(), kind="stable")]
    return sorted(distinct)


def swept_params(jobs: pd.DataFrame) -> list[str]:
    """Swept parameters of a study: jobs.csv's parameter columns, then ``scenario``, if they vary."""
    if jobs is None or jobs.empty:
        return []
    params = [c for c in jobs.columns if c not in collate.JOB_COLUMNS]
    if "scenario" in jobs.columns:
        params.append("scenario")
    return [c for c in params if jobs[c].astype(str).nunique() > 1]
