"""Synthesis of persons: ages, sex, area type, home location and chronic conditions.

Each person's random attributes are drawn when the person is created, from named
streams, so the same seed gives the same people whatever the services look like.

Ages are drawn uniformly within each configured age band (a modelling simplification
until a fitted smooth age distribution replaces it). Conditions are drawn independently
by age-band prevalence.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import PopulationConfig
from sim.population.state import Population, band_of


def draw_ages(cfg: PopulationConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` ages in years from the age bands of ``cfg``."""
    bands = list(cfg.age_bands.values())
    shares = np.array([b.share for b in bands])
    which = rng.choice(len(bands), size=n, p=shares / shares.sum())
    low = np.array([b.low for b in bands], dtype=float)[which]
    high = np.array([b.high for b in bands], dtype=float)[which] + 1.0
    return (low + rng.random(n) * (high - low)).astype(np.float32)


def place_homes(
    cfg: PopulationConfig, area: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw home coordinates (km) in a disc whose radius depends on the area type."""
    names = list(cfg.area_shares)
    radius = np.array([cfg.area_radius_km.get(a, 10.0) for a in names])[area]
    r = radius * np.sqrt(rng.random(len(area)))
    theta = rng.random(len(area)) * 2 * np.pi
    return (r * np.cos(theta)).astype(np.float32), (r * np.sin(theta)).astype(np.float32)


def draw_conditions(cfg: PopulationConfig, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a chronic-condition bit mask for each person from age-band prevalence."""
    band = band_of(age)
    mask = np.zeros(len(age), dtype=np.uint16)
    u = rng.random((len(cfg.conditions), len(age)))
    for bit, cond in enumerate(cfg.conditions.values()):
        prev = np.array([cond.prevalence.get(b, 0.0) for b in ("0-64", "65-79", "80+")])
        mask |= (u[bit] < prev[band]).astype(np.uint16) << bit
    return mask


def make_persons(
    cfg: PopulationConfig, n: int, rng: np.random.Generator, ages: np.ndarray | None = None
) -> Population:
    """Create ``n`` persons; ``ages`` fixes their ages (newborns), otherwise they are drawn."""
    age = draw_ages(cfg, n, rng) if ages is None else ages.astype(np.float32)
    female = rng.random(n) < cfg.female_share
    shares = np.array(list(cfg.area_shares.values()))
    area = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)
    x, y = place_homes(cfg, area, rng)
    return Population(
        age=age,
        female=female,
        area=area,
        x=x,
        y=y,
        conditions=draw_conditions(cfg, age, rng),
        practice=np.full(n, -1, dtype=np.int32),
        alive=np.ones(n, dtype=bool),
        area_names=tuple(cfg.area_shares),
        condition_names=tuple(cfg.conditions),
    )


def synthesise(cfg: PopulationConfig, rng: np.random.Generator) -> Population:
    """Create the starting population of ``cfg.size`` persons."""
    return make_persons(cfg, cfg.size, rng)
