"""Acute deteriorations: per condition group, per person-year, in continuous time.

For each group the rate of a person is the band's base rate among people who have the
group's condition (``requires``), times the group's risk ratios (conditions, frailty,
home care), times the chronic-care multiplier of the person's coverage of the control that
prevents the group (``control``, :mod:`sim.demand.chronic_care`), and, for the
ambulatory-care-sensitive groups
(``avoidable``), times the continuity multiplier of the person's usual-provider index
(:mod:`sim.demand.continuity`). Episodes are drawn by thinning, so the cost
grows with the number of episodes, not with persons x days: candidates are drawn at the
band's highest possible rate and kept with probability (own rate / highest rate).

Common random numbers: the candidates of a (day, group, band) come from a generator of
their own (their number depends on the population only), and every other draw of a
candidate (keep, onset, severity and the pathway's named draws, see
:data:`sim.demand.draws.DRAWS`) is keyed by its identity (person, group, day, its
occurrence that day) and the draw's name. A candidate kept in one scenario and not in
another (its control kept in one only) leaves every other episode's draws unchanged,
and so does a new draw name or a new group. Onsets are uniform over the day.
"""

from __future__ import annotations

import numpy as np

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS, DemandConfig, EpisodeGroupConfig
from sim.demand.continuity import ContinuityLedger
from sim.demand.controls import ControlSchedule
from sim.demand.draws import episode_uniforms
from sim.demand.needs import Episodes
from sim.population.state import Population
from sim.rng import KeyedDraws, expand, name_key, occurrence


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


def _ceiling(group: EpisodeGroupConfig, controls: ControlSchedule, continuity: ContinuityLedger) -> float:
    """The highest rate ratio a person of ``group`` can have (candidates are drawn at it)."""
    ceiling = float(np.prod([max(r, 1.0) for r in group.risk_ratios.values()], initial=1.0))
    if group.control and controls.coverage.acts:
        ceiling *= controls.coverage.ceiling()
    if group.avoidable and continuity.acts:
        ceiling *= continuity.ceiling()
    return ceiling


def _candidates(
    cfg: DemandConfig, ceilings: list[float], by_band: list[np.ndarray], day: int, keyed: KeyedDraws
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate persons of every group on ``day`` and their group: in each (group, band) a
    Poisson number (mean: band rate x ceiling x people in the band) of people picked at
    random, count and picks keyed by (day, group, band, pick), so they depend on the
    population only and a new group leaves the other groups' candidates unchanged."""
    specs = list(cfg.episode_groups.items())
    n_bands = len(AGE_BANDS)
    g, b = np.divmod(np.arange(len(specs) * n_bands), n_bands)
    size = np.array([len(idx) for idx in by_band], np.int64)[b]
    rate = [
        s.per_1000.get(band, 0.0) * c for (_, s), c in zip(specs, ceilings, strict=True) for band in AGE_BANDS
    ]
    mean = np.array(rate, float) / 1000.0 / DAYS_PER_YEAR * size
    gkey = np.array([name_key(name) for name, _ in specs], np.uint64)[g]
    cell, j = expand(keyed.poisson("count", mean, day, gkey, b))
    u = keyed.uniform("pick", day, gkey[cell], b[cell], j)
    pick = np.minimum((u * size[cell]).astype(np.int64), size[cell] - 1)
    person = np.empty(len(cell), np.int32)
    for band, idx in enumerate(by_band):
        here = b[cell] == band
        person[here] = idx[pick[here]]
    return person, g[cell].astype(np.int16)


def acute_episodes(
    pop: Population,
    cfg: DemandConfig,
    controls: ControlSchedule,
    continuity: ContinuityLedger,
    day: int,
    frail_threshold: float,
    rng: np.random.Generator,
    names: tuple[str, ...],
) -> Episodes:
    """Acute deteriorations with onset on ``day``, in order of onset, each with the uniform
    draws ``names`` (the services' and rules' declared draws). ``rng`` is the stream
    ``demand.episodes``: only its seed is used, every draw is keyed (see the module doc)."""
    keyed = KeyedDraws.from_generator(rng)
    ceilings = [_ceiling(spec, controls, continuity) for spec in cfg.episode_groups.values()]
    person, group = _candidates(cfg, ceilings, pop.alive_by_band(), day, keyed)
    keep = np.zeros(len(person))  # the probability of keeping each candidate
    gkey = np.zeros(len(person), np.uint64)
    for g, (name, spec) in enumerate(cfg.episode_groups.items()):
        mine = np.flatnonzero(group == g)
        if len(mine) == 0:
            continue
        cand = person[mine]
        factor = _person_factor(pop, spec, cand, frail_threshold)
        if spec.control and controls.coverage.acts:
            k = controls.names.index(spec.control)
            factor = factor * controls.coverage.hazard_ratio(cand, k, day)
        if spec.avoidable and continuity.acts:
            factor = factor * continuity.hazard_ratio(cand, day, pop.practice[cand])
        keep[mine] = factor / ceilings[g]
        gkey[mine] = name_key(name)
    occ = occurrence(person.astype(np.int64) * len(cfg.episode_groups) + group)  # same person, group
    u = episode_uniforms(keyed, person, gkey, day, occ, 0, names, before=("keep", "onset", "severe"))
    kept = u[:, 0] < keep
    person, group, occ, head, u = person[kept], group[kept], occ[kept], u[kept, 1:3], u[kept, 3:]
    onset = day * MINUTES_PER_DAY + head[:, 0] * MINUTES_PER_DAY
    order = np.argsort(onset, kind="stable")
    person, group, occ, onset, head, u = (a[order] for a in (person, group, occ, onset, head, u))
    specs = list(cfg.episode_groups.values())
    severe_share = np.array([s.severe_share for s in specs] or [0.0])
    window = np.array([s.window_hours for s in specs] or [0.0]) * MINUTES_PER_HOUR
    return Episodes(
        person=person,
        band=pop.band[person],
        onset=onset,
        group=group,
        severe=head[:, 1] < severe_share[group],
        window=window[group],
        u=u,
        occurrence=occ,
    )
