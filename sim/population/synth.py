"""Synthesis of persons and the attributes derived from their draws and age.

Ages and sex: drawn by quota from the population's age-and-sex table (``sim.population.ages``:
the real Danish single-year ages of 1 January 2021 by default, or the smooth band-share
density), so every 5-year band holds its share to within one person.
Homes: a main town at the centre, smaller towns on a ring, rural homes over the whole area.

Conditions: person ``i`` has condition ``c`` when their liability
``L = loading_c * health_i + sqrt(1 - loading_c^2) * eps_ic`` exceeds ``-probit(p_c(age, sex))``.
The marginal prevalence at each age is then ``p_c``, it never falls with age (a condition
once had is kept), and the shared ``health`` term makes conditions cluster (multimorbidity).

With ``population.dynamics: false`` the population is frozen (``Population.frozen``): ages do
not advance with the clock, so nothing derived from age changes either.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit, ndtri

from sim.config.schema import ConditionConfig, PopulationConfig
from sim.population.ages import draw_people, female_share
from sim.population.state import Population, band_of


def place_homes(
    cfg: PopulationConfig, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw area type and home coordinates (km from the main town's centre; a real place run
    at another size on its map as ``cfg.map_areas`` scales it)."""
    areas = np.array([a[:3] for a in cfg.map_areas()]).reshape(-1, 3)  # share, radius, distance
    counts = np.array([a[3] for a in cfg.map_areas()])
    area = rng.choice(len(areas), size=n, p=areas[:, 0] / areas[:, 0].sum()).astype(np.int8)
    radius = areas[area, 1]
    r = radius * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    count = counts[area]
    distance = areas[area, 2]
    which = np.floor(rng.random(n) * count)
    centre_angle = 2 * np.pi * which / count
    x = distance * np.cos(centre_angle) + r * np.cos(theta)
    y = distance * np.sin(centre_angle) + r * np.sin(theta)
    return area, x.astype(np.float32), y.astype(np.float32)


def prevalence(cond: ConditionConfig, age: np.ndarray, female: np.ndarray) -> np.ndarray:
    """Prevalence of ``cond`` at each age and sex: logit-linear between anchor ages."""
    anchors = sorted((float(a), p) for a, p in cond.prevalence.items())
    if not anchors:
        return np.zeros(len(age))
    x = np.array([a for a, _ in anchors])
    y = logit(np.clip([p for _, p in anchors], 1e-9, 1 - 1e-9))
    shift = np.log(cond.female_odds_ratio) / 2.0
    return expit(np.interp(age, x, y) + np.where(female, shift, -shift))


def top_up_conditions(pop: Population, cfg: PopulationConfig, day: int, who: np.ndarray) -> None:
    """Hold prevalence by age and sex among the living ``who``: where deaths of the ill have left
    a single-year age and sex group below its expected count of a condition, give the condition
    to the members without it who have the highest liability (incidence that replaces what
    mortality selects away; clustering is kept, and a condition once had is kept)."""
    age = pop.age_on(day)[who].astype(int)
    key = age * 2 + pop.female[who].astype(int)
    n_keys = int(key.max()) + 1 if len(key) else 0
    for bit, cond in enumerate(cfg.conditions.values()):
        has = ((pop.conditions[who] >> bit) & 1).astype(bool)
        expected = np.bincount(
            key, weights=prevalence(cond, age.astype(float), pop.female[who]), minlength=n_keys
        )
        deficit = np.maximum(np.rint(expected) - np.bincount(key, weights=has, minlength=n_keys), 0)
        cand = np.flatnonzero(~has)
        order = np.lexsort((-pop.liability[who[cand], bit], key[cand]))
        sorted_keys = key[cand][order]
        rank = np.arange(len(order)) - np.searchsorted(sorted_keys, sorted_keys, side="left")
        chosen = who[cand[order[rank < deficit[sorted_keys]]]]
        pop.conditions[chosen] |= np.uint16(1 << bit)


def derive(pop: Population, cfg: PopulationConfig, day: int, who: np.ndarray | None = None) -> None:
    """Recompute conditions, frailty, home care, living alone and band from age on ``day``."""
    who = np.arange(pop.n) if who is None else who
    not_yet = pop.age_day[who] > day  # people arriving later this year: their age on arrival
    age = np.where(not_yet, pop.age[who], pop.age_on(day)[who]).astype(float)
    female = pop.female[who]
    mask = pop.conditions[who].copy()
    for bit, cond in enumerate(cfg.conditions.values()):
        threshold = -ndtri(np.clip(prevalence(cond, age, female), 1e-12, 1 - 1e-12))
        mask |= (pop.liability[who, bit] > threshold).astype(np.uint16) << bit
    pop.conditions[who] = mask
    n_cond = np.zeros(len(who))
    for bit in range(len(cfg.conditions)):
        n_cond += (mask >> bit) & 1
    f = cfg.frailty
    score = (
        f.intercept
        + f.per_decade_over_80 * (age - 80.0) / 10.0
        + f.per_condition * n_cond
        + f.liability * pop.health[who]
        + pop.frailty_noise[who]
    )
    pop.frailty[who] = expit(score).astype(np.float32)
    pop.home_care[who] = pop.frailty[who] > f.home_care_threshold
    band = band_of(age)
    alone = np.array([f.lives_alone.get(b, 0.0) for b in ("0-64", "65-79", "80+")])
    pop.lives_alone[who] = (pop.alone_draw[who] < alone[band]) & (age >= 18)
    pop.band[who] = band
    pop.touch()


def make_persons(
    cfg: PopulationConfig,
    n: int,
    rng: np.random.Generator,
    day: int = 0,
    ages: np.ndarray | None = None,
    arrive_day: np.ndarray | None = None,
    female: np.ndarray | None = None,
) -> Population:
    """Create ``n`` persons whose ages are exact on ``day``: ages and sex drawn by quota from the
    population's table unless ``ages`` is given (then sex is ``female`` or follows the table's
    share at that age)."""
    if ages is None:
        age, female = draw_people(cfg, n, rng)
    else:
        age = np.asarray(ages, dtype=np.float32)
        if female is None:
            female = rng.random(n) < female_share(cfg, age)
    area, x, y = place_homes(cfg, n, rng)
    health = rng.standard_normal(n).astype(np.float32)
    loading = np.array([c.loading for c in cfg.conditions.values()], dtype=np.float32)
    eps = rng.standard_normal((n, len(loading))).astype(np.float32)
    liability = loading * health[:, None] + np.sqrt(1 - loading**2) * eps
    pop = Population(
        age=age,
        age_day=np.full(n, day, np.int32) if arrive_day is None else arrive_day.astype(np.int32),
        female=female,
        area=area,
        x=x,
        y=y,
        health=health,
        liability=liability.astype(np.float32),
        frailty_noise=rng.standard_normal(n).astype(np.float32),
        alone_draw=rng.random(n).astype(np.float32),
        gp_draw=rng.random(n).astype(np.float32),
        arrive_day=np.full(n, -1, np.int32) if arrive_day is None else arrive_day.astype(np.int32),
        conditions=np.zeros(n, np.uint16),
        frailty=np.zeros(n, np.float32),
        home_care=np.zeros(n, bool),
        lives_alone=np.zeros(n, bool),
        band=np.zeros(n, np.int8),
        practice=np.full(n, -1, np.int32),
        alive=np.full(n, arrive_day is None, dtype=bool),
        area_names=tuple(cfg.geography.areas),
        condition_names=tuple(cfg.conditions),
    )
    return pop


def synthesise(cfg: PopulationConfig, rng: np.random.Generator) -> Population:
    """Create the starting population of ``cfg.size`` persons, with their derived attributes."""
    pop = make_persons(cfg, cfg.size, rng)
    pop.frozen = not cfg.dynamics
    derive(pop, cfg, 0)
    return pop
