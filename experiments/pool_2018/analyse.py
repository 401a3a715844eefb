"""What the 2018 pool for doctors' and health houses buys: houses per 200 mio DKK and their effects.

Reads a collated ``pool_2018`` study (``sim collate``) and writes ``pool.csv`` beside it: for each
share of solo practices merged, the houses formed in the municipality, their price at a stated
grant per house, the paired differences against no merging (with 95% intervals), and the same
per house and for the houses 200 mio DKK buys. Run from the repository root::

    .venv/bin/python experiments/pool_2018/analyse.py results/pool_2018/latest
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

POOL_MIO_DKK = 200.0  # pool_2018: the first tranche, to projects in 26 municipalities
PROJECTS = 26  # pool_2018 note: 26 municipalities received grants
GRANT_PER_HOUSE_MIO = POOL_MIO_DKK / PROJECTS  # ASSUMPTION: one house per funded project
EFFECTS = (
    ("access_hours_per_week_per_1000", "all", "GP-staffed opening hours per week per 1,000"),
    ("same_day_share", "all", "share of contacts on the day asked"),
    ("routine_wait_days_mean", "all", "mean wait for a routine appointment (days)"),
    ("travel_minutes_mean", "all", "mean travel to the practice (minutes)"),
    ("avoidable_admissions_per_1000_65plus", "all", "avoidable admissions per 1,000 aged 65+"),
)


def houses_by_variant(summary: pd.DataFrame) -> pd.Series:
    """Mean number of health houses formed in each variant."""
    sel = summary[(summary["metric"] == "practices") & (summary["group"] == "health_house")]
    return sel.set_index("variant")["mean"]


def persons_65plus(summary: pd.DataFrame) -> pd.Series:
    """Mean residents aged 65+ per variant."""
    sel = summary[(summary["metric"] == "population") & summary["group"].isin(["65-79", "80+"])]
    return sel.groupby("variant")["mean"].sum()


def pool_table(summary: pd.DataFrame, differences: pd.DataFrame) -> pd.DataFrame:
    """One row per merged share: houses, grant cost, effects with intervals, per house, per pool."""
    houses = houses_by_variant(summary)
    old = persons_65plus(summary)
    rows = []
    for variant in differences["variant"].drop_duplicates():
        n = float(houses.get(variant, 0.0))
        row = {"variant": variant, "houses": n, "grant_mio_dkk": n * GRANT_PER_HOUSE_MIO}
        for metric, group, _ in EFFECTS:
            d = differences[
                (differences["variant"] == variant)
                & (differences["metric"] == metric)
                & (differences["group"] == group)
            ]
            if d.empty:
                continue
            mean, low, high = d[["mean_diff", "ci_low", "ci_high"]].iloc[0]
            row |= {f"{metric}": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high}
        avoid = row.get("avoidable_admissions_per_1000_65plus", float("nan"))
        row["avoidable_admissions_per_year"] = avoid * float(old.get(variant, 0.0)) / 1000.0
        per_house = row["avoidable_admissions_per_year"] / n if n else float("nan")
        row["avoidable_admissions_per_year_per_house"] = per_house
        row["houses_per_pool"] = POOL_MIO_DKK / GRANT_PER_HOUSE_MIO
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str]) -> int:
    """Write ``pool.csv`` into the study directory and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", type=Path, help="the collated study directory (results/pool_2018/latest)")
    args = parser.parse_args(argv)
    if not (args.study / "summary.csv").exists():
        print(f"{args.study}: no summary.csv; run sim collate first", file=sys.stderr)
        return 2
    table = pool_table(pd.read_csv(args.study / "summary.csv"), pd.read_csv(args.study / "differences.csv"))
    table.to_csv(args.study / "pool.csv", index=False)
    print(f"grant per house (assumption): {GRANT_PER_HOUSE_MIO:.1f} mio DKK; 200 mio buys {PROJECTS} houses")
    print(table.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
