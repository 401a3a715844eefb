"""Life-table mortality: a Gompertz-Makeham hazard per sex, survival and life expectancy.

The hazard ``mu(a) = A + B exp(C a)`` (per year) is the population average at age ``a``.
People differ around it: an individual's hazard is ``mu(a) * HR_i / mean(HR at age a and
sex)``, where ``HR_i`` multiplies the hazard ratios of their conditions and of frailty, times a
factor per age and sex that keeps the expected deaths of each single-year age and sex on the
life table, while the sick and frail die sooner.

Mortality improves over calendar time: in the ``k``-th year after the population's start
(``k = 0`` in the first year, so life expectancy then is the life table's, its calibration
target) the hazard at every age is multiplied by ``(1 - improvement_per_year) ** k``
(``population.mortality.improvement_per_year``).
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import GompertzMakeham, MortalityConfig

SEX_RATIO_AT_BIRTH = 1.05  # boys per girl (assumption, the usual human figure)
FEMALE_AT_BIRTH = 1.0 / (1.0 + SEX_RATIO_AT_BIRTH)


def hazard(age: np.ndarray | float, params: GompertzMakeham) -> np.ndarray:
    """Annual death hazard at ``age`` (years)."""
    return params.A + params.B * np.exp(params.C * np.asarray(age, dtype=float))


def cumulative_hazard(age: np.ndarray | float, params: GompertzMakeham) -> np.ndarray:
    """Integral of the hazard from birth to ``age``."""
    a = np.asarray(age, dtype=float)
    return params.A * a + params.B / params.C * (np.exp(params.C * a) - 1.0)


def survival(age: np.ndarray | float, params: GompertzMakeham) -> np.ndarray:
    """Probability that a newborn reaches ``age``."""
    return np.exp(-cumulative_hazard(age, params))


def life_expectancy(
    params: GompertzMakeham, at_age: float = 0.0, horizon: float = 130.0, factor: float = 1.0
) -> float:
    """Remaining (period) life expectancy at ``at_age`` (years), by numerical integration of
    survival, with every hazard multiplied by ``factor`` (the mortality trend of a later year)."""
    ages = np.linspace(at_age, horizon, int((horizon - at_age) * 50) + 1)
    s = np.exp(-factor * (cumulative_hazard(ages, params) - cumulative_hazard(at_age, params)))
    return float(np.sum((s[1:] + s[:-1]) / 2 * np.diff(ages)))


def female_share_at(age: np.ndarray, cfg: MortalityConfig) -> np.ndarray:
    """Share of women among people aged ``age`` in a population shaped by the life table."""
    f = FEMALE_AT_BIRTH * survival(age, cfg.female)
    m = (1.0 - FEMALE_AT_BIRTH) * survival(age, cfg.male)
    return f / (f + m)


def relative_risk(age: np.ndarray, female: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Each person's hazard ratio relative to the mean ratio of people of the same single-year
    age and sex, so that the average hazard at each age stays on the life table."""
    key = np.clip(age.astype(np.int64), 0, 130) * 2 + female.astype(np.int64)
    total = np.bincount(key, weights=ratio, minlength=262)
    count = np.bincount(key, minlength=262)
    mean = np.where(count > 0, total / np.maximum(count, 1), 1.0)
    return ratio / mean[key]


def improvement_factor(cfg: MortalityConfig, year: int) -> float:
    """Multiplier of every age's hazard in calendar year ``year`` after the start (0: the start year)."""
    return float((1.0 - cfg.improvement_per_year) ** max(int(year), 0))


def death_probability(
    age: np.ndarray,
    female: np.ndarray,
    ratio: np.ndarray,
    years: float,
    cfg: MortalityConfig,
    year: int = 0,
) -> np.ndarray:
    """Probability of dying within ``years`` from ``age`` in calendar year ``year`` after the
    start: the life table's hazard integrated over the interval, times the mortality trend's
    factor of that year, times each person's relative risk and a factor per single-year age
    and sex that makes the group's expected deaths the life table's.

    That factor (found by Newton's method, a few steps) undoes the concavity of
    ``1 - exp(-h)``: with relative risks averaging 1, the mean death probability would fall
    short of the life table's (10% too few deaths among 80+ with the default hazard ratios)."""
    end = age + years
    lam = np.where(
        female,
        cumulative_hazard(end, cfg.female) - cumulative_hazard(age, cfg.female),
        cumulative_hazard(end, cfg.male) - cumulative_hazard(age, cfg.male),
    ) * improvement_factor(cfg, year)
    risk = lam * relative_risk(age, female, ratio)
    key = np.clip(age.astype(np.int64), 0, 130) * 2 + female.astype(np.int64)
    target = np.bincount(key, weights=-np.expm1(-lam), minlength=262)  # the life table's deaths
    scale = np.ones(262)
    for _ in range(20):  # Newton from below: the group's expected deaths are concave in the scale
        h = risk * scale[key]
        gap = target - np.bincount(key, weights=-np.expm1(-h), minlength=262)
        slope = np.bincount(key, weights=risk * np.exp(-h), minlength=262)
        step = np.where(slope > 0, gap / np.maximum(slope, 1e-300), 0.0)
        scale += step
        if np.abs(step).max() < 1e-10:
            break
    return -np.expm1(-risk * scale[key])
