"""KPIs of acute episodes, from the episode records: admissions, bed days, readmissions,
outcomes and first routes (DESIGN section 7).

Events count in the measured period by the time they happen: an admission by its admission
time. The KPIs of each service's own records (the out-of-hours GP, the acute team, the ED and
beds, outpatient care) and the costs are the services' own (``kpis()`` and ``cost()`` in
``sim/services/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_DAY
from sim.metrics.practice_kpis import end_of
from sim.metrics.rates import PER_65, inside, person_years, rate, window_minutes
from sim.services.episode import OUTCOMES
from sim.services.hospital import READMISSION_DAYS

if TYPE_CHECKING:
    from sim.model import SimModel

Row = tuple[str, str, float, str]
MIN_LISTED_65 = 100  # practices with fewer listed 65+ are left out of the decile ratio (too noisy)


def acute_kpis(model: SimModel) -> Iterator[Row]:
    """All KPIs of this module."""
    ep = model.recorder.episode_table()
    if len(ep["person"]) == 0:
        ep = {k: np.empty(0) for k in ep}
    yield from admission_kpis(model, ep)
    yield from readmission_kpis(model, ep)
    yield from outcome_kpis(model, ep)


def _avoidable(model: SimModel, ep: dict[str, np.ndarray]) -> np.ndarray:
    groups = np.array([g.avoidable for g in model.episode_groups] or [False])
    return groups[ep["group"].astype(int)] if len(ep["group"]) else np.zeros(0, bool)


def admission_kpis(model: SimModel, ep: dict[str, np.ndarray]) -> Iterator[Row]:
    """Admissions and avoidable admissions of 65+ (all and by group), bed days."""
    lo, hi = window_minutes(model.calendar)
    py_band, _ = person_years(model)
    py65 = py_band[1] + py_band[2]
    old = ep["band"] >= 1
    admitted = inside(ep["admit_time"], lo, hi)
    group = ep["group"].astype(int)
    yield "admissions_per_1000_65plus", "all", 1000.0 * rate(np.count_nonzero(admitted & old), py65), PER_65
    avoidable = admitted & old & _avoidable(model, ep)
    yield "avoidable_admissions_per_1000_65plus", "all", 1000.0 * rate(avoidable.sum(), py65), PER_65
    for g, name in enumerate(model.group_names):
        if model.episode_groups[g].avoidable:
            n = np.count_nonzero(avoidable & (group == g))
            yield "avoidable_admissions_per_1000_65plus", name, 1000.0 * rate(n, py65), PER_65
    yield "avoidable_admissions_gp_decile_ratio", "all", gp_decile_ratio(model, ep, avoidable), "ratio"
    start = np.clip(ep["bed_time"], lo, hi)  # bed days count from the bed, not the wait for it
    end = np.clip(np.where(np.isnan(ep["discharge_time"]), hi, ep["discharge_time"]), lo, hi)
    stay = np.where(np.isnan(ep["bed_time"]) | ~old, 0.0, end - start)
    bed_days = stay.sum() / MINUTES_PER_DAY
    yield "bed_days_per_1000_65plus", "all", 1000.0 * rate(bed_days, py65), "bed days " + PER_65


def gp_decile_ratio(model: SimModel, ep: dict[str, np.ndarray], avoidable: np.ndarray) -> float:
    """Best-to-worst spread between GP practices: the 90th over the 10th percentile of the share
    of a practice's listed 65+ with an avoidable admission (calibration avoidable_by_gp_decile)."""
    pop = end_of(model).population
    n = len(end_of(model).practices)
    listed = pop.alive & (pop.band >= 1) & (pop.practice >= 0)
    denom = np.bincount(pop.practice[listed], minlength=n).astype(float)
    who = ep["person"][avoidable].astype(np.int64)
    practice = ep["practice"][avoidable].astype(np.int64)
    first = np.unique(who, return_index=True)[1]
    keep = practice[first] >= 0
    num = np.bincount(practice[first][keep], minlength=n).astype(float)
    big = denom >= MIN_LISTED_65
    if big.sum() < 10:
        return float("nan")
    share = num[big] / denom[big]
    p10, p90 = np.percentile(share, [10, 90])
    return float(p90 / p10) if p10 > 0 else float("nan")


def readmission_kpis(model: SimModel, ep: dict[str, np.ndarray]) -> Iterator[Row]:
    """Share of discharges followed by an acute readmission within 30 days, and follow-up."""
    lo, hi = window_minutes(model.calendar)
    horizon = READMISSION_DAYS * MINUTES_PER_DAY
    last = hi - horizon if hi - horizon > lo else hi  # discharges with 30 days seen, where there are some
    discharged = inside(ep["discharge_time"], lo, last) & (ep["outcome"] != "died")
    readmitted = np.isin(ep["id"], ep["readmission_of"][ep["readmission_of"] >= 0])
    followed = (
        ep["followup_time"] - ep["discharge_time"]
    ) <= model.config.services.hospital.followup_days * MINUTES_PER_DAY
    for name, sel in (("all", discharged), ("65+", discharged & (ep["band"] >= 1))):
        yield (
            "readmissions_30d_share",
            name,
            rate(np.count_nonzero(sel & readmitted), sel.sum()),
            "share of discharges",
        )
        yield (
            "discharge_followup_share",
            name,
            rate(np.count_nonzero(sel & followed), sel.sum()),
            "share of discharges",
        )


def outcome_kpis(model: SimModel, ep: dict[str, np.ndarray]) -> Iterator[Row]:
    """Acute episodes per 1000 aged 65+ and the share ending in each outcome (first episodes,
    not readmissions, with onset in the measured period)."""
    lo, hi = window_minutes(model.calendar)
    py_band, _ = person_years(model)
    sel = inside(ep["onset"], lo, hi) & (ep["readmission_of"] < 0)
    old = sel & (ep["band"] >= 1)
    yield "acute_episodes_per_1000_65plus", "all", 1000.0 * rate(old.sum(), py_band[1] + py_band[2]), PER_65
    for outcome in OUTCOMES:
        yield (
            "episode_outcome_share",
            outcome,
            rate(np.count_nonzero(sel & (ep["outcome"] == outcome)), sel.sum()),
            "share of episodes",
        )
    for route in ("practice", "ooh", "acute", "ed"):
        yield (
            "episode_first_route_share",
            route,
            rate(np.count_nonzero(sel & (ep["route"] == route)), sel.sum()),
            "share of episodes",
        )


