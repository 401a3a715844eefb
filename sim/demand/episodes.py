"""Acute deteriorations: per condition group, per person-year, in continuous time.

For each group the rate of a person is the band's base rate among people who have the
group's condition (``requires``), times the group's risk ratios (conditions, frailty,
home care), times ``demand.overdue_hazard_ratio`` when the related control has been
overdue for more than ``overdue_grace_days``. Episodes are drawn by thinning, so the cost
grows with the number of episodes, not with persons x days: candidates are drawn at the
band's highest possible rate and kept with probability (own rate / highest rate).
Every candidate gets its draws (keep, onset, severity and the pathway's uniforms) before
thinning, so a candidate kept in one scenario and not in another (its control overdue in
one only) leaves every other episode's draws unchanged: scenarios share their episodes
(common random numbers). Onsets are uniform over the day.
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


def _candidates(
    pop: Population,
    group: EpisodeGroupConfig,
    band: int,
    idx: np.ndarray,
    ceiling: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate persons of one group and band on one day, and their draws (keep, onset,
    severe, then the pathway's uniforms): the count depends on the population only."""
    base = group.per_1000.get(AGE_BANDS[band], 0.0) / 1000.0 / DAYS_PER_YEAR
    if base <= 0 or len(idx) == 0:
        return np.empty(0, np.int32), np.empty((0, 3 + N_UNIFORMS))
    k = int(rng.poisson(base * ceiling * len(idx)))
    return idx[rng.integers(0, len(idx), size=k)], rng.random((k, 3 + N_UNIFORMS))


def acute_episodes(
    pop: Population,
    cfg: DemandConfig,
    controls: ControlSchedule,
    day: int,
    frail_threshold: float,
    rng: np.random.Generator,
) -> Episodes:
    """Acute deteriorations with onset on ``day``, in order of onset."""
    by_band = pop.alive_by_band()
    persons, groups, draws = [], [], []
    for g, group in enumerate(cfg.episode_groups.values()):
        ceiling = float(np.prod([max(r, 1.0) for r in group.risk_ratios.values()], initial=1.0))
        overdue_k = controls.names.index(group.overdue_control) if group.overdue_control else -1
        if overdue_k >= 0:
            ceiling *= max(cfg.overdue_hazard_ratio, 1.0)
        for b in range(len(AGE_BANDS)):
            cand, u = _candidates(pop, group, b, by_band[b], ceiling, rng)
            if len(cand) == 0:
                continue
            factor = _person_factor(pop, group, cand, frail_threshold)
            if overdue_k >= 0:
                late = controls.overdue_days(cand, overdue_k, day) > cfg.overdue_grace_days
                factor = factor * np.where(late, cfg.overdue_hazard_ratio, 1.0)
            keep = u[:, 0] * ceiling < factor
            persons.append(cand[keep])
            groups.append(np.full(int(keep.sum()), g, np.int16))
            draws.append(u[keep])
    person = np.concatenate(persons).astype(np.int32) if persons else np.empty(0, np.int32)
    group = np.concatenate(groups) if groups else np.empty(0, np.int16)
    u = np.concatenate(draws) if draws else np.empty((0, 3 + N_UNIFORMS))
    onset = day * MINUTES_PER_DAY + u[:, 1] * MINUTES_PER_DAY
    order = np.argsort(onset, kind="stable")
    person, group, onset, u = person[order], group[order], onset[order], u[order]
    specs = list(cfg.episode_groups.values())
    severe_share = np.array([s.severe_share for s in specs] or [0.0])
    window = np.array([s.window_hours for s in specs] or [0.0]) * MINUTES_PER_HOUR
    return Episodes(
        person=person,
        band=pop.band[person],
        onset=onset,
        group=group,
        severe=u[:, 2] < severe_share[group],
        window=window[group],
        u=u[:, 3:],
    )
