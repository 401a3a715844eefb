"""Build ``sim/data/denmark_population_by_age_sex_2021.csv``: Danish residents by single year of
age and sex on 1 January 2021, the default population's age structure (``population.ages:
denmark_2021``).

Sources (keys of ``sim/data/sources/data_sources.md``):

- **DST2021AGE**: ``population_by_age_2021.csv``, persons by municipality and single year of age
  (both sexes), 1 January 2021 (DST FOLK1A 2021K1), summed here over the 98 municipalities
  (Christiansø, 90 residents and no municipality, is left out): 5,839,955 persons, ages 0-110.
- **BEFOLK2**: ``national.md`` section 1, population by 5-year band and sex on 1 January 2026. Its
  women's share of each band (0-4 ... 80-84) splits the 2021 counts of the same ages by sex. The
  open band 85+ (62.0 % women) is split with the shape of the default life table
  (``configs/population/national.yaml``: women outlive men, so their share rises with age): the
  odds of being a woman at age a are ``k * FEMALE_AT_BIRTH S_f(a) / ((1 - FEMALE_AT_BIRTH) S_m(a))``
  with ``k`` set so that the 85+ total keeps BEFOLK2's share.

Caveat: the sex ratio is that of 2026, five years after the ages; the cohorts over 80 in 2021 lived
through a larger male excess mortality, so women are about 1.5 points too few among 80+ (58.3 %
here; DST 60.6 % in 2019 and 58.1 % in 2026).

Run from the repository root (it reads the shipped ``sim/data/denmark/population_by_age_2021.csv``
and ``sim/data/sources/national.md``)::

    .venv/bin/python experiments/calibration/build_age_table.py
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.schema import GompertzMakeham
from sim.population.mortality import FEMALE_AT_BIRTH, survival

ROOT = Path(__file__).resolve().parents[2]
AGES = ROOT / "sim" / "data" / "denmark" / "population_by_age_2021.csv"
NATIONAL = ROOT / "sim" / "data" / "sources" / "national.md"
OUT = ROOT / "sim" / "data" / "denmark_population_by_age_sex_2021.csv"
# The life table of configs/population/national.yaml (experiments/calibration/fit_population.py).
MALE = GompertzMakeham(A=0.0003155, B=9.259e-06, C=0.10927)
FEMALE = GompertzMakeham(A=0.0001645, B=4.375e-06, C=0.11394)
OPEN_BAND = 85

HEADER = """\
# Danish residents by single year of age and sex, 1 January 2021: the default age structure of sim
# (population.ages: denmark_2021). Built by experiments/calibration/build_age_table.py.
# total: DST2021AGE (DST FOLK1A 2021K1 via sim/data/denmark/population_by_age_2021.csv), summed
#   over the 98 municipalities (Christiansø left out): {total:,} persons.
# women, men: total split with the women's share of each 5-year band on 1 January 2026 (BEFOLK2, DST
#   BEFOLK2 via sim/data/sources/national.md); within 85+ (BEFOLK2: 62.0% women) the share rises
#   with age as in the default life table, scaled to keep the band's share. Source keys: see
#   sim/data/sources/data_sources.md and sim/data/SOURCES.md.
"""


def ages_2021(path: Path) -> pd.Series:
    """Persons by single year of age, summed over the 98 municipalities."""
    table = pd.read_csv(path)
    table = table[table["kommunekode"].notna()]
    assert table["kommunekode"].nunique() == 98
    return table.groupby("age")["population"].sum()


def women_share_2026(path: Path) -> dict[tuple[int, int], float]:
    """Women's share of each 5-year band (low, high) of BEFOLK2 2026; 85+ as (85, 999)."""
    shares = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d+)(?:-(\d+)|\+)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|\s*([\d,]+)\s*\|", line)
        if m:
            low, high = int(m[1]), int(m[2]) if m[2] else 999
            total, women = (int(m[k].replace(",", "")) for k in (3, 4))
            shares[(low, high)] = women / total
    assert len(shares) == 18, shares
    return shares


def split_by_sex(total: pd.Series, shares: dict[tuple[int, int], float]) -> pd.DataFrame:
    """Women and men of each age (integers; women rounded, men the rest)."""
    ages = total.index.to_numpy()
    share = np.zeros(len(ages))
    for (low, high), s in shares.items():
        share[(ages >= low) & (ages <= high)] = s
    old = ages >= OPEN_BAND
    mid = ages[old] + 0.5
    odds = FEMALE_AT_BIRTH * survival(mid, FEMALE) / ((1 - FEMALE_AT_BIRTH) * survival(mid, MALE))
    counts = total.to_numpy()[old].astype(float)
    target = shares[(OPEN_BAND, 999)]

    def band_share(log_k: float) -> float:
        o = np.exp(log_k) * odds
        return float((counts * o / (1 + o)).sum() / counts.sum())

    lo, hi = -5.0, 5.0
    for _ in range(100):  # bisection: band_share rises with k
        mid_k = (lo + hi) / 2
        lo, hi = (mid_k, hi) if band_share(mid_k) < target else (lo, mid_k)
    o = np.exp((lo + hi) / 2) * odds
    share[old] = o / (1 + o)
    women = np.rint(total.to_numpy() * share).astype(int)
    counts = total.to_numpy()
    return pd.DataFrame({"age": ages, "total": counts, "women": women, "men": counts - women})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ages", type=Path, default=AGES, help="ages by municipality (DST2021AGE)")
    parser.add_argument("--national", type=Path, default=NATIONAL, help="national.md (BEFOLK2)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    total = ages_2021(args.ages)
    table = split_by_sex(total, women_share_2026(args.national))
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write(HEADER.format(total=int(table["total"].sum())))
        table.to_csv(fh, index=False)
    over80 = table[table["age"] >= 80]
    print(f"wrote {args.out}: {table['total'].sum():,} persons, ages 0-{table['age'].max()}, "
          f"women {table['women'].sum() / table['total'].sum():.1%}, "
          f"women among 80+ {over80['women'].sum() / over80['total'].sum():.1%}")


if __name__ == "__main__":
    main()
