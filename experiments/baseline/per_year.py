"""Headline KPIs of each measured year of the baseline, with and without population dynamics.

Usage (from the repository root)::

    .venv/bin/python experiments/baseline/per_year.py          # 30,000 people, 3 years, 4 replications
    .venv/bin/python experiments/baseline/per_year.py --size 10000 --replications 2 --years 2
    .venv/bin/python experiments/baseline/per_year.py --override +rules.booking.params.priority=arrival

Prints one table per setting (rows: KPI; columns: year 1, 2, 3 and the change of the last
year against year 1) and writes ``per_year.csv`` beside this file (or ``--out``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import sim
from sim.metrics.periods import LEVEL_KPIS

HEADLINE = [
    *LEVEL_KPIS,
    ("controls_overdue_share", "all"),
    ("controls_backlog_per_1000_chronic", "all"),
    ("bed_days_per_1000_65plus", "all"),
    ("population", "80+"),
]


def main() -> None:
    """Run both settings and print the per-year table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=30000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--override", action="append", default=[])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("per_year.csv"))
    args = parser.parse_args()
    frames = []
    for dynamics in (False, True):
        overrides = [
            f"population.size={args.size}",
            f"years={args.years}",
            f"population.dynamics={str(dynamics).lower()}",
            *args.override,
        ]
        config = sim.load_config([*overrides, f"replications={args.replications}"])
        frame = sim.run(config, workers=args.workers).by_year
        frame["dynamics"] = dynamics
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    keep = pd.Series(list(zip(table.metric, table.group, strict=True))).isin(HEADLINE).to_numpy()
    table = table[keep]
    table.to_csv(args.out, index=False)
    means = table.groupby(["dynamics", "metric", "group", "year"])["value"].mean().unstack("year")
    last = means.columns.max()
    means[f"y{last} vs y1"] = means[last] / means[1] - 1.0
    with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
        print(means)


if __name__ == "__main__":
    main()
