"""KPIs of general practice as an organisation: opening hours, lists, GPs, travel.

Access hours are *GP-staffed* opening hours: each GP FTE of a practice contributes the
practice's weekly opening hours, summed over practices, per 1,000 residents. Merging
practices into fewer sites with the same GPs and longer opening therefore raises it, and
cutting GPs lowers it, as a planner would expect; evening hours are those after 17:00.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from sim.config.people import AGE_BANDS
from sim.metrics.rates import rate as _rate
from sim.metrics.records import BOOKED, PracticeAtEnd, RunEnd
from sim.population.geography import practice_travel_minutes as travel_minutes
from sim.services.diary import GP

if TYPE_CHECKING:
    from sim.model import SimModel

Row = tuple[str, str, float, str]
EVENING_HOUR = 17.0
UPC_MIN_CONTACTS = 2.0  # weighted GP contacts for a UPC (Barker 2017 counted people with 2 or more)
TRAVEL_CHANNELS = ("in_person",)  # contacts for which the patient travels to the practice


def end_of(model: SimModel) -> RunEnd:
    """What the run left (kept by the model when it ended)."""
    end = model.recorder.end
    if end is None:
        raise ValueError("the run has not ended: KPIs are computed from a finished run")
    return end


def _weekly_hours(practice: PracticeAtEnd) -> tuple[float, float]:
    """(all, evening) opening hours per week of one practice."""
    hours = practice.open_hours
    total = float(np.sum(hours[:, 1] - hours[:, 0]))
    evening = float(np.sum(np.clip(hours[:, 1] - np.maximum(hours[:, 0], EVENING_HOUR), 0.0, None)))
    return total, evening


def practice_access_hours(model: SimModel) -> Iterator[Row]:
    """GP-staffed opening hours per week per 1,000 residents, all and evening, also by practice type."""
    residents = model.recorder.population_counts[-1].total
    working = [p for p in end_of(model).practices if not p.closed]
    per_practice = [(p.kind, p.gp_fte, *_weekly_hours(p)) for p in working]
    unit = "GP-staffed hours per week per 1000"
    for metric, col in (("access_hours_per_week_per_1000", 2), ("evening_access_hours_per_week_per_1000", 3)):
        total = sum(row[1] * row[col] for row in per_practice)
        yield metric, "all", 1000.0 * _rate(total, residents), unit
        for kind in sorted({row[0] for row in per_practice}):
            part = sum(row[1] * row[col] for row in per_practice if row[0] == kind)
            yield metric, kind, 1000.0 * _rate(part, residents), unit
    yield from _access_by_area(model, working, unit)


def _access_by_area(model: SimModel, working: list, unit: str) -> Iterator[Row]:
    """Access hours per 1,000 residents of each area type: each listed resident carries the
    practice's GP-staffed hours divided by its list, so the areas add up to the whole."""
    end = end_of(model)
    pop = end.population
    listed = end.column("listed")
    share = np.zeros(len(end.practices))
    for p in working:
        share[p.index] = p.gp_fte * _weekly_hours(p)[0] / listed[p.index] if listed[p.index] else 0.0
    person = np.flatnonzero(pop.alive)
    practice = pop.practice[person]
    value = np.where(practice >= 0, share[np.maximum(practice, 0)], 0.0)
    for a, name in enumerate(pop.area_names):
        sel = pop.area[person] == a
        yield "access_hours_per_week_per_1000", name, 1000.0 * _rate(value[sel].sum(), sel.sum()), unit


def practice_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Lists per GP, closed practices, the solo share, contacts per GP per day, travel."""
    yield from _list_kpis(model)
    yield from _workforce_kpis(model)
    yield from _contact_kpis(model, req)
    yield from _continuity_kpis(model, req)
    yield from _upc_kpis(model)
    yield from _travel_kpis(model, req)


def _list_kpis(model: SimModel) -> Iterator[Row]:
    end = end_of(model)
    listed = end.column("listed")
    fte = end.column("gp_fte")
    kinds = end.column("kind")
    working = ~end.column("closed")
    closed = ~end.column("open_to_new") & working
    yield "listed_patients_per_gp_fte", "all", _rate(listed.sum(), fte.sum()), "patients per GP FTE"
    yield "practices", "all", float(working.sum()), "practices"
    for kind in sorted(set(kinds)):
        sel = kinds == kind
        yield "practices", kind, float((sel & working).sum()), "practices"
        yield (
            "listed_patients_per_gp_fte",
            kind,
            _rate(listed[sel].sum(), fte[sel].sum()),
            "patients per GP FTE",
        )
    yield (
        "practices_closed_share",
        "all",
        float(closed[working].mean()) if working.any() else float("nan"),
        "share of practices",
    )
    yield "gps_closed_share", "all", _rate(fte[closed].sum(), fte.sum()), "share of GP FTE"
    yield "solo_gp_share", "all", _rate(fte[kinds == "solo"].sum(), fte.sum()), "share of GP FTE"
    yield (
        "gp_fte_per_1000",
        "all",
        1000.0 * _rate(fte.sum(), model.recorder.population_counts[-1].total),
        ("GP FTE per 1000 residents"),
    )


def _workforce_kpis(model: SimModel) -> Iterator[Row]:
    """GPs retired and recruited per year, practices shut, GP ages, the region clinic."""
    rec, cal = model.recorder, model.calendar
    changes = [(r, n) for d, r, n in rec.workforce if cal.in_window(d)]
    years = cal.years
    yield "gps_retired_per_year", "all", sum(r for r, _ in changes) / years, "GPs per year"
    yield "gps_recruited_per_year", "all", sum(n for _, n in changes) / years, "GPs per year"
    practices = end_of(model).practices
    regular = [p for p in practices if p.kind != "region_clinic"]
    yield "practices_shut_share", "all", _rate(len(rec.shut), len(regular)), "share of practices"
    ages = np.concatenate([p.gp_ages for p in regular]) if regular else np.empty(0)
    yield "gp_age_mean", "all", float(ages.mean()) if len(ages) else float("nan"), "years"
    yield "gps_60plus_share", "all", float((ages >= 60).mean()) if len(ages) else float("nan"), "share of GPs"
    clinic = [p.gp_fte for p in practices if p.kind == "region_clinic" and not p.closed]
    yield "region_clinic_gp_fte", "all", float(sum(clinic)), "GP FTE"


def _continuity_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Expected share of routine GP contacts with the patient's named GP: 1 when booked with
    them, else the named GP's share of the practice's GPs (a contact with any GP)."""
    routine_gp = (req["status"] == BOOKED) & (req["role"] == GP) & ~req["same_day"]
    end = end_of(model)
    any_gp = 1.0 / np.maximum(end.column("n_units"), 1)  # per practice: one of its GPs
    value = np.where(req["named"][routine_gp], 1.0, any_gp[req["practice"][routine_gp]])
    names, code = end.kind_codes()
    kinds = code[req["practice"][routine_gp]]
    unit = "share of routine GP contacts"
    yield "continuity_share", "all", float(value.mean()) if len(value) else float("nan"), unit
    for k in np.unique(kinds):
        yield "continuity_share", str(names[k]), float(value[kinds == k].mean()), unit


def _upc_kpis(model: SimModel) -> Iterator[Row]:
    """Mean usual-provider-of-care index (UPC: share of a person's GP contacts with their named
    GP over the continuity window) of the living listed residents with at least
    ``UPC_MIN_CONTACTS`` weighted GP contacts (each weighs exp(-age / window): two recent contacts,
    or three spread over the window), in all, by their practice's type and by age band."""
    end = end_of(model)
    pop = end.population
    person = np.flatnonzero(pop.alive & (pop.practice >= 0) & (end.gp_contacts >= UPC_MIN_CONTACTS))
    upc = end.upc[person]
    unit = "usual-provider index"
    yield "upc_mean", "all", float(upc.mean()) if len(upc) else float("nan"), unit
    names, code = end.kind_codes()
    kinds = code[pop.practice[person]]
    for k in np.unique(kinds):
        yield "upc_mean", str(names[k]), float(upc[kinds == k].mean()), unit
    band = pop.band[person]
    for b, name in enumerate(AGE_BANDS):
        sel = band == b
        if sel.any():
            yield "upc_mean", name, float(upc[sel].mean()), unit


def _contact_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Practice contacts (by GPs and their staff, as in the Danish fee statistics) per GP FTE
    per working day (weekdays less the weeks off); also GP contacts alone."""
    cal = model.calendar
    weekdays = sum(1 for d in range(cal.warmup_days, cal.total_days) if cal.weekday(d) < 5)
    fte_days = sum(p.gp_fte * p.working_share for p in end_of(model).practices) * weekdays
    booked = req["status"] == BOOKED
    unit = "contacts per GP FTE per working day"
    yield "contacts_per_gp_fte_day", "all", _rate(booked.sum(), fte_days), unit
    in_person = booked & (req["channel"] == 0)
    yield "contacts_per_gp_fte_day", "in_person", _rate(in_person.sum(), fte_days), unit
    yield "contacts_per_gp_fte_day", "by_gp", _rate((booked & (req["role"] == GP)).sum(), fte_days), unit


def _travel_kpis(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Mean one-way travel time of in-person contacts, by the patient's area type, and the
    trips to hospital for controls whose equipment the practice does not have."""
    visits = (req["status"] == BOOKED) & (req["channel"] == 0)
    person, practice = req["person"][visits], req["practice"][visits]
    end = end_of(model)
    minutes = travel_minutes(end, person, practice)
    area = end.population.area[person]
    yield "travel_minutes_mean", "all", float(minutes.mean()) if len(minutes) else float("nan"), "minutes"
    for a, name in enumerate(end.population.area_names):
        sel = area == a
        yield (
            "travel_minutes_mean",
            name,
            float(minutes[sel].mean()) if sel.any() else float("nan"),
            "minutes",
        )
    yield from _equipment_trips(model, req)


def _equipment_trips(model: SimModel, req: dict[str, np.ndarray]) -> Iterator[Row]:
    """Trips for the tests of controls the practice cannot do, as the run made them (the
    recorder's trips of the measured period): per 1000 a year, their distance, and the share
    the patients missed (which leaves the control incomplete, sim.demand.chronic_care)."""
    cal = model.calendar
    trips = [(km, came) for d, km, came in model.recorder.equipment_trips if cal.in_window(d)]
    km = np.concatenate([t[0] for t in trips]) if trips else np.zeros(0)
    came = np.concatenate([t[1] for t in trips]) if trips else np.zeros(0, bool)
    counts = model.recorder.population_counts
    person_years = (counts[0].total + counts[-1].total) / 2.0 * model.calendar.years
    yield (
        "equipment_trips_per_1000",
        "all",
        1000.0 * _rate(len(km), person_years),
        "trips to hospital or satellite per 1000 per year",
    )
    yield "equipment_trip_km_mean", "all", float(km.mean()) if len(km) else float("nan"), "km"
    missed = float(np.count_nonzero(~came) / len(came)) if len(came) else float("nan")
    yield "equipment_trips_missed_share", "all", missed, "share of trips"
