"""Who is how old: the age-and-sex table of the population and quota sampling from it.

``population.ages`` chooses the single-year shape:

- ``denmark_2021`` (the default): Danish residents by single year of age and sex on 1 January 2021
  (package data ``sim/data/denmark_population_by_age_sex_2021.csv``; DST FOLK1A summed over the 98
  municipalities, split by sex with DST BEFOLK2's ratio by age: see ``sim/data/SOURCES.md``).
  Ages above ``max_age`` are counted at ``max_age``. When ``age_bands`` are given, the table is
  reweighted so that each band holds its ``share`` and keeps the real shape inside it (the
  national preset gives the table's own 2021 shares, so its table is unchanged; the urban and
  rural presets give theirs);
- ``municipalities``: the residents of the municipalities ``population.municipalities`` (DST codes)
  by single year of age on 1 January 2021 (package data ``sim/data/denmark/population_by_age_2021.csv``,
  DST2021AGE), split by sex with the national table's share of women at each age (the municipal
  table has no sex); reweighted to ``age_bands`` like the national table (a place gives its own
  shares, so its table is its own). See :mod:`sim.config.places`;
- ``bands``: the smooth density of the band shares, ``S(a) exp(-r a) (1 + tilt (a - mid) / half)``
  within each band (``S`` the mean survival of the life table, ``r`` = ``age_growth_rate``), with
  sex from the life table (women outlive men); the shape ``experiments/calibration`` fitted before
  the real table was used.

People are drawn by quota (systematic sampling over the age-sex cells with one random start), so
every single-year age and sex holds its expected count rounded up or down and every band its
expected count to within one person; the exact age is the year plus a uniform fraction.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np

from sim.config.places import age_counts
from sim.config.schema import PopulationConfig
from sim.population.mortality import female_share_at, survival

TABLES = {"denmark_2021": "denmark_population_by_age_sex_2021.csv"}


@cache
def real_table(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Ages 0..top and persons of each age by sex, columns (men, women), of package table ``name``."""
    text = resources.files("sim").joinpath("data", TABLES[name]).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header = rows[0].split(",")
    data = np.array([[int(v) for v in row.split(",")] for row in rows[1:]], dtype=np.int64)
    col = {c: data[:, k] for k, c in enumerate(header)}
    ages = col["age"]
    if not (np.diff(ages) == 1).all() or ages[0] != 0:
        raise ValueError(f"sim/data/{TABLES[name]}: ages must run 0, 1, 2, ... without gaps")
    counts = np.stack([col["men"], col["women"]], axis=1)
    counts.setflags(write=False)
    return ages, counts


def municipal_table(codes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Ages 0..top and persons of each age by sex (men, women) of the municipalities ``codes``:
    their single-year counts split by the national share of women at each age."""
    counts = age_counts(codes)
    _, national = real_table("denmark_2021")
    top = len(national) - 1
    women = national[:, 1] / np.maximum(national.sum(axis=1), 1)
    share = women[np.minimum(np.arange(len(counts)), top)]
    table = np.stack([counts * (1 - share), counts * share], axis=1)
    return np.arange(len(counts)), table


def _band_weights(cfg: PopulationConfig, ages: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Factor per single-year age that gives each band of ``cfg.age_bands`` its share (ages in no
    band get 0); ``mass`` is the unscaled weight of each age."""
    factor = np.zeros(len(ages))
    for band in cfg.age_bands.values():
        sel = (ages >= band.low) & (ages <= min(band.high, cfg.max_age))
        total = mass[sel].sum()
        if total > 0:
            factor[sel] = band.share / total
    return factor


def age_sex_table(cfg: PopulationConfig) -> np.ndarray:
    """Probability of each single-year age 0..max_age (rows) and sex (columns: men, women)."""
    ages = np.arange(cfg.max_age + 1)
    if cfg.ages == "bands":
        mid = ages + 0.5
        base = (survival(mid, cfg.mortality.male) + survival(mid, cfg.mortality.female)) / 2.0
        base = base * np.exp(-cfg.age_growth_rate * mid)
        prob = np.zeros(len(ages))
        for band in cfg.age_bands.values():
            sel = (ages >= band.low) & (ages <= min(band.high, cfg.max_age))
            centre = (band.low + min(band.high, cfg.max_age) + 1) / 2.0
            half = (min(band.high, cfg.max_age) + 1 - band.low) / 2.0
            shape = base[sel] * np.clip(1.0 + band.tilt * (mid[sel] - centre) / half, 0.0, None)
            prob[sel] = band.share * shape / shape.sum()
        female = female_share_at(mid, cfg.mortality)
        table = np.stack([prob * (1 - female), prob * female], axis=1)
    else:
        if cfg.ages == "municipalities":
            real_ages, counts = municipal_table(tuple(cfg.municipalities))
        else:
            real_ages, counts = real_table(cfg.ages)
        table = np.zeros((len(ages), 2))
        top = min(cfg.max_age, int(real_ages[-1]))
        table[:top] = counts[:top]
        table[top] = counts[top:].sum(axis=0)  # the oldest are counted at max_age
        if cfg.age_bands:
            table = table * _band_weights(cfg, ages, table.sum(axis=1))[:, None]
    total = table.sum()
    if not total > 0:
        raise ValueError("population.age_bands: no age has a positive share")
    return table / total


def age_density(cfg: PopulationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Single-year ages 0..max_age and the probability of each (both sexes)."""
    return np.arange(cfg.max_age + 1), age_sex_table(cfg).sum(axis=1)


def female_share(cfg: PopulationConfig, age: np.ndarray) -> np.ndarray:
    """Share of women at each exact ``age`` in the population's table (newborns, immigrants)."""
    table = age_sex_table(cfg)
    index = np.clip(np.asarray(age, dtype=float).astype(np.int64), 0, cfg.max_age)
    men, women = table[index, 0], table[index, 1]
    fallback = female_share_at(np.asarray(age, dtype=float), cfg.mortality)
    return np.where(men + women > 0, women / np.maximum(men + women, 1e-300), fallback)


def quota(prob: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Counts per cell of ``prob`` (flattened, summing to 1) that add up to ``n``: systematic
    sampling with one uniform start, so each cell gets its expected count rounded down or up
    and every run of consecutive cells its expected total to within one."""
    cum = np.concatenate([[0.0], np.cumsum(prob.ravel()) / prob.sum() * n])
    cum[-1] = n  # no float rounding at the last edge
    points = np.floor(cum - rng.random())  # points start + k (k >= 0) up to each edge, minus one
    return np.diff(points).astype(np.int64).reshape(prob.shape)


def draw_people(
    cfg: PopulationConfig, n: int, rng: np.random.Generator, below: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact ages (years, float32) and sex (True: woman) of ``n`` people drawn by quota from
    the population's table (only ages under ``below`` if given), in random order."""
    table = age_sex_table(cfg)
    if below is not None:
        table = np.where(np.arange(len(table))[:, None] < below, table, 0.0)
    counts = quota(table, n, rng)
    cell = np.repeat(np.arange(counts.size), counts.ravel())
    cell = cell[rng.permutation(n)]
    age = (cell // 2 + rng.random(n)).astype(np.float32)
    return age, (cell % 2 == 1)
