"""One row per municipality from a municipal_variation study: the figures the README reads.

Usage (after ``make study STUDY=municipal_variation``)::

    .venv/bin/python experiments/municipal_variation/summarise.py results/municipal_variation/latest

writes ``experiments/municipal_variation/summary.csv`` (from the study's tidy ``places.csv``:
each place's figures, the size it ran at, its baseline means with 95% intervals, and the paired
effects of health houses and the larger acute function) and copies the study's map beside it as
``map.png``; prints the numbers the README quotes.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

from sim.report.places import reference_rows, variation

HERE = Path(__file__).resolve().parent
OUTCOME = "avoidable_admissions_per_1000_65plus"
SHORT = {
    OUTCOME: "avoidable",
    "routine_wait_days_mean": "wait_days",
    "access_hours_per_week_per_1000": "access_hours",
    "travel_minutes_mean": "travel_min",
    "gp_fte_per_1000": "gp_fte_per_1000",
    "cost_dkk_per_capita": "cost_dkk",
}
ABOUT = ["place", "name", "kommunekode", "region", "real_size", "size", "scale", "share_65plus",
         "share_80plus", "rural_class", "gp_shortage_2019"]  # fmt: skip


def summary(places: pd.DataFrame) -> pd.DataFrame:
    """The wide table: one row per place."""
    ref = reference_rows(places)
    out = ref.drop_duplicates("place")[ABOUT].set_index("place")
    for metric, short in SHORT.items():
        rows = ref[ref["metric"] == metric].set_index("place")
        out[short] = rows["mean"]
        if metric == OUTCOME:
            out[f"{short}_low"], out[f"{short}_high"] = rows["ci_low"], rows["ci_high"]
    for scenario in sorted(set(places["scenario"]) - set(ref["scenario"])):
        for metric in (OUTCOME, "routine_wait_days_mean"):
            rows = places[(places["scenario"] == scenario) & (places["metric"] == metric)].set_index("place")
            name = f"{scenario}_d_{SHORT[metric]}"
            out[name] = rows["diff"]
            if metric == OUTCOME:
                out[f"{name}_low"], out[f"{name}_high"] = rows["diff_low"], rows["diff_high"]
    return out.reset_index().round(4)


def main(study: Path) -> None:
    """Write summary.csv and map.png beside this script; print what the README reads."""
    places = pd.read_csv(study / "places.csv")
    table = summary(places)
    table.to_csv(HERE / "summary.csv", index=False)
    shutil.copyfile(study / "plots" / "place_maps.png", HERE / "map.png")
    for metric in SHORT:
        v = variation(places, metric)
        if v:
            print(f"{metric}: {v.lowest} .. {v.highest}; x{v.ratio:.2f}, p90/p10 x{v.ratio_90_10:.2f}; "
                  f"noise {v.noise_share:.2f}; adj R2 {v.r2:.2f}")  # fmt: skip
    print(table.groupby("rural_class")[["avoidable", "wait_days", "travel_min"]].mean().round(2))
    print(table.groupby("gp_shortage_2019")[["avoidable", "wait_days", "gp_fte_per_1000"]].mean().round(2))
    print(table[["avoidable", "share_80plus", "share_65plus"]].corr().round(2))
    for col in [c for c in table.columns if "_d_avoidable" in c and not c.endswith(("_low", "_high"))]:
        below = int((table[f"{col}_high"] < 0).sum())
        above = int((table[f"{col}_low"] > 0).sum())
        print(f"{col}: mean {table[col].mean():.2f}, range {table[col].min():.2f} .. {table[col].max():.2f}; "
              f"CI below 0 in {below}, above 0 in {above} of {len(table)}")  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
