"""Life-table mortality: a Gompertz-Makeham hazard per sex, survival and life expectancy.

The hazard ``mu(a) = A + B exp(C a)`` (per year) is the population average at age ``a``.
People differ around it: an individual's hazard is ``mu(a) * HR_i / mean(HR at age a)``,
where ``HR_i`` multiplies the hazard ratios of their conditions and of frailty, so the
average hazard at each age stays on the life table while the sick and frail die sooner.
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


def life_expectancy(params: GompertzMakeham, at_age: float = 0.0, horizon: float = 130.0) -> float:
    """Remaining life expectancy at ``at_age`` (years), by numerical integration of survival."""
    ages = np.linspace(at_age, horizon, int((horizon - at_age) * 50) + 1)
    s = survival(ages, params) / survival(at_age, params)
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


def death_probability(
    age: np.ndarray, female: np.ndarray, ratio: np.ndarray, years: float, cfg: MortalityConfig
) -> np.ndarray:
    """Probability of dying within ``years`` from ``age``: the life table's hazard integrated
    over the interval, scaled by each person's relative risk."""
    end = age + years
    lam = np.where(
        female,
        cumulative_hazard(end, cfg.female) - cumulative_hazard(age, cfg.female),
        cumulative_hazard(end, cfg.male) - cumulative_hazard(age, cfg.male),
    )
    return -np.expm1(-lam * relative_risk(age, female, ratio))
