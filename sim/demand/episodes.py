"""Acute deteriorations: per condition group, per person-year, in continuous time.

For each group the rate of a person is the band's base rate among people who have the
group's condition (``requires``), times the group's risk ratios (conditions, frailty,
home care), times ``demand.overdue_hazard_ratio`` when the related control has been
overdue for more than ``overdue_grace_days``. Episodes are drawn by thinning, so the cost
grows with the number of episodes, not with persons x days: candidates are drawn at the
band's highest possible rate and kept with probability (own rate / highest rate).
Onsets are uniform over the day; each episode carries its draws (treat, admit, stay) so
that scenarios share them (common random numbers).
"""

from __future__ import annotations

import numpy as np

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, DemandConfig, EpisodeGroupConfig
from sim.demand.controls import ControlSchedule
from sim.demand.needs import Episodes
from sim.population.state import Population
from sim.services.episode import N_UNIFORMS


def _person_factor(
    pop: Population, group: EpisodeGroupConfig, person: np.ndarray, frail_threshold: float
) -> np.ndarray:
    factor = np.ones(len(person))
    for key, ratio in group.risk_ratios.items():
        if key == "frail":
            has = pop.frailty[person] > frail_threshold
        elif key == "home_care":
            has = pop.home_care[person]
        elif key == "lives_alone":
            has = pop.lives_alone[person]
        else:
            has = (pop.conditions[person] >> pop.condition_names.index(key)) & 1 == 1
        factor *= np.where(has, ratio, 1.0)
    if group.requires:
        factor *= (pop.conditions[person] >> pop.condition_names.index(group.requires)) & 1
    return factor


def acute_episodes(
    pop: Population,
    cfg: DemandConfig,
    controls: ControlSchedule,
    day: int,
    frail_threshold: float,
    rng: np.random.Generator,
) -> Episodes:
    """Acute deteriorations with onset on ``day``."""
    by_band = pop.alive_by_band()
    persons, groups = [], []
    for g, group in enumerate(cfg.episode_groups.values()):
        ceiling = float(np.prod([max(r, 1.0) for r in group.risk_ratios.values()], initial=1.0))
        overdue_k = controls.names.index(group.overdue_control) if group.overdue_control else -1
        if overdue_k >= 0:
            ceiling *= max(cfg.overdue_hazard_ratio, 1.0)
        for b, band in enumerate(AGE_BANDS):
            base = group.per_1000.get(band, 0.0) / 1000.0 / DAYS_PER_YEAR
            idx = by_band[b]
            if base <= 0 or len(idx) == 0:
                continue
            k = int(rng.poisson(base * ceiling * len(idx)))
            if k == 0:
                continue
            cand = idx[rng.integers(0, len(idx), size=k)]
            factor = _person_factor(pop, group, cand, frail_threshold)
            if overdue_k >= 0:
                late = controls.overdue_days(cand, overdue_k, day) > cfg.overdue_grace_days
                factor = factor * np.where(late, cfg.overdue_hazard_ratio, 1.0)
            keep = rng.random(k) * ceiling < factor
            persons.append(cand[keep])
            groups.append(np.full(int(keep.sum()), g, np.int16))
    person = np.concatenate(persons).astype(np.int32) if persons else np.empty(0, np.int32)
    group = np.concatenate(groups) if groups else np.empty(0, np.int16)
    n = len(person)
    specs = list(cfg.episode_groups.values())
    severe_share = np.array([s.severe_share for s in specs] or [0.0])
    window = np.array([s.window_hours for s in specs] or [0.0]) * MINUTES_PER_HOUR
    order = np.argsort(rng.random(n))  # mix groups and bands
    person, group = person[order], group[order]
    return Episodes(
        person=person,
        band=pop.band[person],
        onset=np.sort(day * MINUTES_PER_DAY + rng.random(n) * MINUTES_PER_DAY),
        group=group,
        severe=rng.random(n) < severe_share[group],
        window=window[group],
        u=rng.random((n, N_UNIFORMS)),
    )
