"""KPIs of the acute pathway, the hospital, outpatient care and costs (DESIGN section 7).

Events count in the measured period by the time they happen: an admission by its admission
time, an out-of-hours contact by its call, an acute-team visit by the nurse's arrival.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import DAYS_PER_YEAR, MINUTES_PER_DAY, MINUTES_PER_HOUR
from sim.metrics.rates import PER_65, PER_1000, person_years, rate
from sim.services.acute_team import ASSESS, VISIT_KINDS
from sim.services.episode import OUTCOMES
from sim.services.hospital import READMISSION_DAYS
from sim.services.satellite import SATELLITE, SITES

if TYPE_CHECKING:
    from sim.model import SimModel

Row = tuple[str, str, float, str]
MIN_LISTED_65 = 100  # practices with fewer listed 65+ are left out of the decile ratio (too noisy)


def _window(model: SimModel) -> tuple[float, float]:
    cal = model.calendar
    return cal.warmup_days * MINUTES_PER_DAY, cal.total_days * MINUTES_PER_DAY


def _inside(t: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (t >= lo) & (t < hi)


def _mean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else float("nan")


def acute_kpis(model: SimModel) -> Iterator[Row]:
    """All KPIs of this module."""
    ep = model.recorder.episode_table()
    if len(ep["person"]) == 0:
        ep = {k: np.empty(0) for k in ep}
    yield from admission_kpis(model, ep)
    yield from readmission_kpis(model, ep)
    yield from outcome_kpis(model, ep)
    yield from ooh_kpis(model)
    yield from acute_team_kpis(model)
    yield from outpatient_kpis(model)
    yield from cost_kpis(model, ep)


def _avoidable(model: SimModel, ep: dict[str, np.ndarray]) -> np.ndarray:
    groups = np.array([g.avoidable for g in model.episode_groups] or [False])
    return groups[ep["group"].astype(int)] if len(ep["group"]) else np.zeros(0, bool)


def admission_kpis(model: SimModel, ep: dict[str, np.ndarray]) -> Iterator[Row]:
    """Admissions and avoidable admissions of 65+ (all and by group), bed days, the ED, beds."""
    lo, hi = _window(model)
    py_band, py = person_years(model)
    py65 = py_band[1] + py_band[2]
    old = ep["band"] >= 1
    admitted = _inside(ep["admit_time"], lo, hi)
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
    ed = model.hospital.ed.records()
    visited = _inside(ed["arrive"], lo, hi)
    yield "ed_visits_per_1000", "all", 1000.0 * rate(visited.sum(), py), PER_1000
    yield "ed_wait_minutes_mean", "all", _mean((ed["start"] - ed["arrive"])[visited]), "minutes"
    beds = model.hospital.n_beds
    if beds > 0:
        rec = model.hospital.beds.records(hi)
        waited = _inside(rec["arrive"], lo, hi)
        yield (
            "bed_wait_hours_mean",
            "all",
            _mean((rec["start"] - rec["arrive"])[waited]) / MINUTES_PER_HOUR,
            "hours",
        )
        all_stay = np.where(np.isnan(ep["bed_time"]), 0.0, end - start).sum()
        yield "bed_occupancy", "all", rate(all_stay, beds * (hi - lo)), "share of bed time"


def gp_decile_ratio(model: SimModel, ep: dict[str, np.ndarray], avoidable: np.ndarray) -> float:
    """Best-to-worst spread between GP practices: the 90th over the 10th percentile of the share
    of a practice's listed 65+ with an avoidable admission (calibration avoidable_by_gp_decile)."""
    pop = model.population
    n = len(model.practices)
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
    lo, hi = _window(model)
    horizon = READMISSION_DAYS * MINUTES_PER_DAY
    last = hi - horizon if hi - horizon > lo else hi  # discharges with 30 days seen, where there are some
    discharged = _inside(ep["discharge_time"], lo, last) & (ep["outcome"] != "died")
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
    lo, hi = _window(model)
    py_band, _ = person_years(model)
    sel = _inside(ep["onset"], lo, hi) & (ep["readmission_of"] < 0)
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


def ooh_kpis(model: SimModel) -> Iterator[Row]:
    """Out-of-hours GP contacts per 1000 (all, and by telephone only, clinic, home visit)."""
    lo, hi = _window(model)
    _, py = person_years(model)
    ooh = model.ooh
    counts = {}
    for name, station in (("all", ooh.triage), ("clinic", ooh.clinic), ("home_visit", ooh.cars)):
        station.queue.flush(hi)
        counts[name] = int(_inside(station.records()["arrive"], lo, hi).sum())
    counts["phone"] = counts["all"] - counts["clinic"] - counts["home_visit"]
    for name in ("all", "phone", "clinic", "home_visit"):
        yield "ooh_contacts_per_1000", name, 1000.0 * rate(counts[name], py), PER_1000
    triage = ooh.triage.records()
    called = _inside(triage["arrive"], lo, hi)
    yield "ooh_wait_minutes_mean", "all", _mean((triage["start"] - triage["arrive"])[called]), "minutes"


def acute_team_kpis(model: SimModel) -> Iterator[Row]:
    """Acute-team visits to people aged 65+ per 1000 aged 65+, response times, utilisation."""
    lo, hi = _window(model)
    py_band, _ = person_years(model)
    team = model.acute
    rec = team.records()
    seen = _inside(rec["on_site"], lo, hi)
    old = seen & (model.population.band[rec["who"]] >= 1) if len(rec["who"]) else seen
    py65 = py_band[1] + py_band[2]
    yield "acute_team_visits_per_1000_65plus", "all", 1000.0 * rate(old.sum(), py65), PER_65
    for k, kind in enumerate(VISIT_KINDS):
        n = np.count_nonzero(old & (rec["kind"] == k))
        yield "acute_team_visits_per_1000_65plus", kind, 1000.0 * rate(n, py65), PER_65
    response = (rec["on_site"] - rec["request"])[seen & (rec["kind"] == ASSESS)]
    p90 = float(np.percentile(response, 90)) if len(response) else float("nan")
    yield "acute_team_response_minutes_p90", "all", p90, "minutes"
    yield "acute_team_response_minutes_mean", "all", _mean(response), "minutes"
    on_duty = team.nurse_hours_per_week * MINUTES_PER_HOUR * (hi - lo) / (7 * MINUTES_PER_DAY)
    yield (
        "acute_team_utilisation",
        "all",
        rate(team.servers.busy_minutes(lo, hi), on_duty),
        "share of nurse time",
    )


def outpatient_kpis(model: SimModel) -> Iterator[Row]:
    """Hospital outpatient controls by site, travel, travel saved by the satellite, attendance."""
    cal = model.calendar
    _, py = person_years(model)
    visits = [v for d, v in model.recorder.outpatient_visits if cal.in_window(d)]
    if not visits:
        return
    site = np.concatenate([v.site for v in visits])
    km = np.concatenate([v.km for v in visits])
    km_h = np.concatenate([v.km_hospital for v in visits])
    attended = np.concatenate([v.attended for v in visits])
    for k, name in enumerate(SITES):
        yield "outpatient_visits_per_1000", name, 1000.0 * rate(np.count_nonzero(site == k), py), PER_1000
    yield "outpatient_travel_km_mean", "all", _mean(km), "km"
    saved = (km_h - km)[(site == SATELLITE) & attended].sum() * 2  # there and back
    yield "outpatient_travel_km_saved_per_1000", "all", 1000.0 * rate(saved, py), "km " + PER_1000
    yield "outpatient_attendance_share", "all", rate(attended.sum(), len(attended)), "share of controls"


def _mean_over(daily: np.ndarray) -> float:
    """The mean of a daily series over the measured period (its one value, exactly, when it
    never changes)."""
    if len(daily) == 0:
        return float("nan")
    return float(daily[0]) if np.all(daily == daily[0]) else float(daily.mean())


def cost_kpis(model: SimModel, ep: dict[str, np.ndarray]) -> Iterator[Row]:
    """Cost per resident per year by component, from the unit costs in ``services.costs``."""
    lo, hi = _window(model)
    _, py = person_years(model)
    svc = model.config.services
    cost = svc.costs
    years = (hi - lo) / MINUTES_PER_DAY / DAYS_PER_YEAR
    gp_fte = _mean_over(model.recorder.gp_fte[int(lo // MINUTES_PER_DAY) : int(hi // MINUTES_PER_DAY)])
    ooh_calls = _inside(model.ooh.triage.records()["arrive"], lo, hi).sum()
    nurse_fte = model.acute.nurse_hours_per_week * 52 / cost.nurse_hours_per_fte
    admissions = _inside(ep["admit_time"], lo, hi).sum()
    ed_visits = _inside(model.hospital.ed.records()["arrive"], lo, hi).sum()
    parts = {
        "general_practice": gp_fte * cost.gp_fte_per_year * years,
        "out_of_hours": ooh_calls * cost.ooh_per_contact,
        "acute_function": nurse_fte * cost.acute_nurse_fte_per_year * years,
        "hospital": admissions * cost.admission + ed_visits * cost.ed_visit,
        "satellite": svc.satellite.sessions_per_week
        * 52
        * cost.satellite_session
        * years
        * model.satellite.open,
    }
    for name, dkk in parts.items():
        yield "cost_dkk_per_capita", name, rate(dkk, py), "DKK per resident per year"
    yield "cost_dkk_per_capita", "total", rate(sum(parts.values()), py), "DKK per resident per year"
