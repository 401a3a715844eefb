"""KPIs of one replication as tidy rows (``metric, group, value, unit``).

KPI names are the stable contract of DESIGN section 7. Rates are per simulated year of
the measured period (after warm-up); per-person rates use the mean of the population at
the start and at the end of the measured period.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import MINUTES_PER_HOUR
from sim.config.schema import AGE_BANDS
from sim.metrics.acute_kpis import acute_kpis
from sim.metrics.practice_kpis import end_of, practice_access_hours, practice_kpis
from sim.metrics.rates import person_years as _person_years
from sim.metrics.rates import rate as _rate
from sim.metrics.records import BOOKED, NO_PRACTICE, NO_SLOT
from sim.population.dynamics import EVENT_NAMES
from sim.services.base import Service, services_of
from sim.services.diary import ROLES

if TYPE_CHECKING:
    from sim.model import SimModel

Row = tuple[str, str, float, str]
# the KPI of each kind of population event, in the order of EVENT_NAMES (names written out, so
# that every KPI name can be found in the code and the registry)
EVENT_KPIS = ("births_per_1000", "immigrants_per_1000", "deaths_per_1000", "emigrants_per_1000")
assert len(EVENT_KPIS) == len(EVENT_NAMES) and all(
    k.startswith(n) for k, n in zip(EVENT_KPIS, EVENT_NAMES, strict=True)
)


COST_UNIT = "DKK per resident per year"


def compute_kpis(model: SimModel) -> list[Row]:
    """All KPIs of a finished run: those of general practice's and the episodes' records, then
    each service's own (``kpis()``) and the cost of each service (``cost()``), looped over
    Mesa's set of service agents."""
    requests = window_requests(model)
    services = services_of(model)
    return [
        *population_kpis(model),
        *capacity_kpis(model, requests),
        *access_kpis(model, requests),
        *acute_kpis(model),
        *planned_care_kpis(model, requests),
        *practice_kpis(model, requests),
        *(row for rows in services.map("kpis") for row in rows),
        *cost_kpis(model, services),
    ]


def cost_kpis(model: SimModel, services: Iterable[Service]) -> Iterator[Row]:
    """Cost per resident per year of each service with a cost component (in the order the
    services were made), the capital cost of the health houses where there are any (an annuity,
    ``services.costs``), and their total."""
    _, py = _person_years(model)
    parts = {s.cost_component: s.cost() for s in services if s.cost_component}
    houses = sum(1 for p in end_of(model).practices if p.kind == "health_house" and not p.closed)
    if houses:
        costs = model.config.services.costs
        parts["health_house_capital"] = houses * costs.capital_annuity() * model.calendar.years
    for name, dkk in parts.items():
        yield "cost_dkk_per_capita", name, _rate(dkk, py), COST_UNIT
    yield "cost_dkk_per_capita", "total", _rate(sum(parts.values()), py), COST_UNIT


def population_kpis(model: SimModel) -> Iterator[Row]:
    """Population size and structure at the end, conditions, multimorbidity and deaths."""
    end = model.recorder.population_counts[-1]
    total = end.total
    yield "population", "all", float(total), "persons"
    for b, name in enumerate(AGE_BANDS):
        yield "population", name, float(end.by_band[b]), "persons"
    yield "share_65plus", "all", _rate(end.residents_65plus, total), "share"
    yield "share_80plus", "all", _rate(end.by_band[2], total), "share"
    multi_old = end.multimorbid_by_band[1] + end.multimorbid_by_band[2]
    yield "multimorbidity_share_65plus", "all", _rate(multi_old, end.residents_65plus), "share"
    yield "multimorbidity_share_65plus", "80+", _rate(end.multimorbid_by_band[2], end.by_band[2]), "share"
    for condition, n in end.condition_65plus.items():
        yield "prevalence_65plus", condition, _rate(n, end.residents_65plus), "share"
    _, py = _person_years(model)
    cal = model.calendar
    events = model.recorder.events[cal.warmup_days : cal.total_days].sum(axis=0)
    for k, metric in enumerate(EVENT_KPIS):
        yield metric, "all", 1000.0 * _rate(events[k], py), "per 1000 per year"
    yield from population_by_age(model)


AGE_GROUP_YEARS = 5  # width of the age groups of ``population_by_age``
AGE_GROUP_TOP = 95  # lower edge of the open top group (``95+``)


def population_by_age(model: SimModel) -> Iterator[Row]:
    """Living residents at the end by sex and five-year age group (groups ``M:65-69``, ``F:95+``)."""
    pop = end_of(model).population
    age = np.clip(pop.age_on(model.calendar.total_days)[pop.alive], 0, None)
    index = np.minimum(age // AGE_GROUP_YEARS, AGE_GROUP_TOP // AGE_GROUP_YEARS).astype(np.int64)
    female = pop.female[pop.alive]
    n_groups = AGE_GROUP_TOP // AGE_GROUP_YEARS + 1
    for sex, mask in (("M", ~female), ("F", female)):
        counts = np.bincount(index[mask], minlength=n_groups)
        for k, n in enumerate(counts):
            low = k * AGE_GROUP_YEARS
            band = f"{low}+" if low == AGE_GROUP_TOP else f"{low}-{low + AGE_GROUP_YEARS - 1}"
            yield "population_by_age", f"{sex}:{band}", float(n), "persons"


def _diary_window(model: SimModel) -> tuple[np.ndarray, np.ndarray, int]:
    """Offered and used minutes per (practice, role) summed over measured days."""
    rec, cal = model.recorder, model.calendar
    keep = [i for i, d in enumerate(rec.diary_days) if cal.in_window(d)]
    shape = (len(end_of(model).practices), len(ROLES))
    offered = np.sum([rec.diary_offered[i] for i in keep], axis=0) if keep else np.zeros(shape)
    used = np.sum([rec.diary_used[i] for i in keep], axis=0) if keep else np.zeros(shape)
    return offered, used, len(keep)


def capacity_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Clinician hours on offer, contacts supplied and utilisation, by role and practice type."""
    offered, used, n_days = _diary_window(model)
    weeks = max(n_days, 1) / 7.0
    yield "gp_hours_per_week", "all", float(offered[:, 0].sum() / MINUTES_PER_HOUR / weeks), "hours per week"
    yield (
        "nurse_hours_per_week",
        "all",
        float(offered[:, 1].sum() / MINUTES_PER_HOUR / weeks),
        "hours per week",
    )
    years = model.calendar.years
    for r, role in enumerate(ROLES):
        served = np.count_nonzero((req["status"] == BOOKED) & (req["role"] == r))
        yield "contacts_supplied", role, served / years, "contacts per year"
        yield "utilisation", role, _rate(used[:, r].sum(), offered[:, r].sum()), "share of offered time"
    kinds = end_of(model).column("kind")
    for kind in sorted(set(kinds)):
        sel = kinds == kind
        if offered[sel].sum() > 0:  # practice types that offered time (not a dormant region clinic)
            yield "utilisation", kind, _rate(used[sel].sum(), offered[sel].sum()), "share of offered time"
    yield (
        "requests_escalated_per_1000",
        "all",
        1000.0 * _rate(np.count_nonzero(req["escalated"]), _person_years(model)[1]),
        "unmet same-day requests taken to OOH or the ED, per 1000 per year",
    )
    yield (
        "requests_unmet",
        "all",
        np.count_nonzero(np.isin(req["status"], (NO_SLOT, NO_PRACTICE))) / years,
        "requests per year",
    )
    yield "requests_unmet", "no_slot", np.count_nonzero(req["status"] == NO_SLOT) / years, "requests per year"
    yield (
        "requests_unmet",
        "no_practice",
        np.count_nonzero(req["status"] == NO_PRACTICE) / years,
        "requests per year",
    )


def window_requests(model: SimModel) -> dict[str, np.ndarray]:
    """Request records made in the measured period (after warm-up)."""
    table = model.recorder.request_table
    if not table:
        return {k: np.empty(0) for k in ("day", "status", "role", "offset", "same_day", "band", "practice")}
    cal = model.calendar
    # requests are recorded day by day, so the measured period is one slice: views, no copies
    start, stop = np.searchsorted(table["day"], [cal.warmup_days, cal.total_days])
    return {k: v[start:stop] for k, v in table.items()}


def access_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Opening hours per 1000, waits, same-day share, days to third available, contacts."""
    yield from practice_access_hours(model)

    rec, cal = model.recorder, model.calendar
    third = [a for d, a in zip(rec.access_days, rec.access, strict=True) if cal.in_window(d)]
    third = np.concatenate(third) if third else np.empty(0)
    value = float(third.mean()) if len(third) else float("nan")
    yield "days_to_third_available", "all", value, "days"

    yield from wait_kpis(model, req)

    pop = end_of(model).population
    unlisted = np.count_nonzero(pop.alive & (pop.practice < 0))
    residents = model.recorder.population_counts[-1].total
    yield "residents_without_gp_per_1000", "all", 1000.0 * _rate(unlisted, residents), "per 1000 residents"

    py_band, py = _person_years(model)
    booked = req["status"] == BOOKED
    yield "gp_contacts_per_person_year", "all", _rate(booked.sum(), py), "contacts per person-year"
    for b, name in enumerate(AGE_BANDS):
        n = np.count_nonzero(booked & (req["band"] == b))
        yield "gp_contacts_per_person_year", name, _rate(n, py_band[b]), "contacts per person-year"


def planned_care_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Chronic controls in general practice (how many, how late) and hospital outpatient controls."""
    _, py = _person_years(model)
    names = end_of(model).control_names
    booked = np.flatnonzero((req["status"] == BOOKED) & (req["control"] >= 0))  # booked controls only
    late = (req["day"][booked] + req["offset"][booked] - req["need_day"][booked]).astype(float)
    control = req["control"][booked]
    grace = model.config.demand.overdue_grace_days
    for k, name in enumerate(names):
        sel = control == k
        yield "chronic_controls_per_1000", name, 1000.0 * _rate(sel.sum(), py), "per 1000 per year"
        yield "control_delay_days_mean", name, float(late[sel].mean()) if sel.any() else float("nan"), "days"
    yield from control_lateness_kpis(model, len(booked), np.count_nonzero(late > grace))
    end = end_of(model)
    for k, (person, coverage) in end.coverage.items():
        alive = end.population.alive[person]
        value = float(coverage[alive].mean()) if alive.any() else float("nan")
        yield "control_coverage_mean", names[k], value, "share of the window covered"
    cal = model.calendar
    visits = [v for d, v in model.recorder.outpatient_visits if cal.in_window(d)]
    control = np.concatenate([v.control for v in visits]) if visits else np.empty(0, int)
    for k, name in enumerate(names):
        n = np.count_nonzero(control == k)
        yield "outpatient_controls_per_1000", name, 1000.0 * _rate(n, py), "per 1000 per year"


def control_lateness_kpis(model: SimModel, booked: int, booked_late: int) -> Iterator[Row]:
    """Controls more than ``overdue_grace_days`` late, booked in the window or still waiting at
    its end, as a share of both; and the backlog of controls more than ``BACKLOG_DAYS`` past
    their original due day per 1000 people with a controlled condition (mean over the days)."""
    cal = model.calendar
    waiting = model.recorder.controls_waiting
    end = waiting[cal.total_days - 1]
    share = _rate(booked_late + end[1], booked + end[0])
    yield "controls_overdue_share", "all", share, "share of controls booked or waiting"
    days = waiting[cal.warmup_days : cal.total_days]
    backlog = 1000.0 * days[:, 2] / np.maximum(days[:, 3], 1)
    value = float(backlog.mean()) if len(backlog) else float("nan")
    yield "controls_backlog_per_1000_chronic", "all", value, "per 1000 with a controlled condition"


def wait_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Same-day share and routine waits, in all and by practice type."""
    booked = req["status"] == BOOKED
    routine = booked & ~req["same_day"].astype(bool)
    names, code = end_of(model).kind_codes()  # practice types as small integer codes
    kind = code[req["practice"]] if len(req["practice"]) else np.empty(0, dtype=code.dtype)
    for k, group in [(-1, "all"), *enumerate(names)]:
        sel = np.ones(len(booked), bool) if group == "all" else kind == k
        if group != "all" and not (booked & sel).any():
            continue
        same = np.count_nonzero(booked & sel & (req["offset"] == 0))
        yield "same_day_share", group, _rate(same, np.count_nonzero(booked & sel)), "share of contacts"
        waits = req["offset"][routine & sel]  # int16 days: mean and percentile in float64, as before
        yield "routine_wait_days_mean", group, float(waits.mean()) if len(waits) else float("nan"), "days"
        p90 = float(np.percentile(waits, 90)) if len(waits) else float("nan")
        yield "routine_wait_days_p90", group, p90, "days"
