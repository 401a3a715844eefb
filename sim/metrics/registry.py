"""Every KPI the model writes: its unit, plain-words label, groups, better direction and owner.

The KPI code (``kpis.py``, ``acute_kpis.py``, ``practice_kpis.py``) writes ``(metric, group,
value, unit)`` rows; this registry says what each metric means. ``tests/unit/test_kpi_registry.py``
checks that every metric of a run of every scenario is registered with the unit it is written
with, and that every registered KPI is written by some run. The per-year table
(``kpis_by_year.csv``) holds the same KPIs. ``docs/kpis.md`` is generated from here::

    .venv/bin/python -m sim.cli.kpi_docs > docs/kpis.md
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from sim.metrics.rates import PER_65, PER_1000

Better = Literal["higher", "lower", "neither"]
HIGHER: Better = "higher"
LOWER: Better = "lower"
NEITHER: Better = "neither"


@dataclass(frozen=True)
class KPI:
    """One KPI: the ``metric`` of the KPI tables and what it means."""

    name: str
    unit: str  # as written in the ``unit`` column
    label: str  # plain words, for plots and reports
    better: Better  # the direction a health planner would call better
    groups: str  # what the ``group`` column means
    owner: str  # the part of the model whose records it counts
    description: str  # one sentence
    condition: str = ""  # when set: the KPI is written only under this condition


KPIS: dict[str, KPI] = {}
# the owners of KPIs: the part of the model whose records a KPI counts
OWNERS: dict[str, str] = {
    "population": "residents, births, deaths and migration (sim/population)",
    "practice": "general practices, their diaries and booking (sim/services/practice.py, diary.py)",
    "lists": "patient lists and closing to new patients (sim/services/lists.py, rules/list_management.py)",
    "workforce": "GP ageing, retirement, succession and the region clinic (sim/rules/workforce.py)",
    "controls": "chronic-disease controls booked in general practice (sim/demand/controls.py)",
    "episode": "acute deteriorations and their pathway (sim/services/episode.py, pathway.py)",
    "ooh": "the out-of-hours GP (sim/services/ooh.py)",
    "acute_team": "the municipal acute team (sim/services/acute_team.py)",
    "hospital": "the emergency department, admissions and beds (sim/services/hospital.py)",
    "outpatient": "hospital outpatient controls, at the hospital or a satellite (sim/services/satellite.py)",
    "costs": "unit costs times activity: each service's cost() (services.costs), summed in metrics/kpis.py",
}


def register(
    name: str,
    unit: str,
    label: str,
    better: Better,
    groups: str,
    owner: str,
    description: str,
    condition: str = "",
) -> KPI:
    """Add a KPI to the registry (a name can be registered once)."""
    if name in KPIS:
        raise ValueError(f"KPI {name!r} is registered twice")
    if owner not in OWNERS:
        raise ValueError(f"KPI {name!r}: owner must be one of {list(OWNERS)}, not {owner!r}")
    if better not in get_args(Better):
        raise ValueError(f"KPI {name!r}: better must be one of {get_args(Better)}, not {better!r}")
    KPIS[name] = KPI(name, unit, label, better, groups, owner, description, condition)
    return KPIS[name]


def get(name: str) -> KPI:
    """The registered KPI called ``name`` (KeyError naming it when there is none)."""
    try:
        return KPIS[name]
    except KeyError:
        raise KeyError(f"KPI {name!r} is not registered in sim/metrics/registry.py") from None


def describe(name: str) -> str:
    """A KPI in a paragraph of plain words."""
    k = get(name)
    better = "Neither direction is better" if k.better == NEITHER else f"{k.better.capitalize()} is better"
    when = f" Written only {k.condition}." if k.condition else ""
    return (
        f"{k.label} ({k.name}, {k.unit}): {k.description} Groups: {k.groups}. "
        f"{better}. Owner: {k.owner}.{when}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def discover_plugins() -> None:
    """Import the plug-in services (``sim/services/``), which register their own KPIs here."""
    from sim.services.base import discover

    discover()


def markdown() -> str:
    """``docs/kpis.md``: every registered KPI (plug-in services' too) as one table."""
    discover_plugins()
    lines = [
        "# KPIs",
        "",
        "<!-- Generated from sim/metrics/registry.py; do not edit by hand. Regenerate with:",
        "     .venv/bin/python -m sim.cli.kpi_docs > docs/kpis.md -->",
        "",
        "Generated from `sim/metrics/registry.py` (regenerate with",
        "`.venv/bin/python -m sim.cli.kpi_docs > docs/kpis.md`; `tests/unit/test_kpi_registry.py`",
        "fails when this file and the registry differ). Every KPI the model writes to `kpis.csv`",
        "(columns `metric, group, value, unit`) and, for runs of two measured years or more, to",
        "`kpis_by_year.csv`. Rates are per simulated year of the measured period (after the",
        "warm-up); *better* is the direction a health planner would call an improvement; *owner*",
        "is the part of the model whose records the KPI counts.",
        "",
        f"{len(KPIS)} KPIs.",
        "",
        "Owners:",
        "",
        *(f"- `{k}`: {v}" for k, v in OWNERS.items()),
        "",
        "| name | unit | better | groups | label: description | owner |",
        "|---|---|---|---|---|---|",
    ]
    for k in KPIS.values():
        when = f" Only {k.condition}." if k.condition else ""
        text = f"**{k.label}**: {k.description}{when}"
        cells = (f"`{k.name}`", k.unit, k.better, k.groups, text, k.owner)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


# units written by more than one KPI (PER_65 and PER_1000 come from the KPI code's own constants)
SHARE = "share"
PERSONS = "persons"
DAYS = "days"
MINUTES = "minutes"
KM = "km"
HOURS_PER_WEEK = "hours per week"
ACCESS_HOURS = "GP-staffed hours per week per 1000"
DKK = "DKK per resident per year"
PER_GP_DAY = "contacts per GP FTE per working day"
OF_DISCHARGES = "share of discharges"
OF_EPISODES = "share of episodes"
OF_PRACTICES = "share of practices"
OF_GP_FTE = "share of GP FTE"
GPS_PER_YEAR = "GPs per year"

# what the group column means, for KPIs that share it
ALL = "all"
BANDS = "all, and age band 0-64/65-79/80+"
TYPES = "all, and practice type (solo, partnership, health_house, region_clinic) where there are any"
CONDITION = "chronic condition with controls (e.g. copd, t2d, heart_failure)"
DISCHARGES = "all discharges, and those of people aged 65+ (65+)"
AREAS = "all, and the patient's area type (e.g. urban, town, rural)"

_r = register

# fmt: off
# population
_r("population", PERSONS, "Residents", NEITHER, BANDS, "population",
   "Living residents at the end of the run.")
_r("population_by_age", PERSONS, "Residents by sex and age", NEITHER,
   "sex and five-year age group (M:0-4 ... F:95+)", "population",
   "Living residents at the end of the run by sex and five-year age group.")
_r("share_65plus", SHARE, "Residents aged 65+", NEITHER, ALL, "population",
   "Share of residents aged 65 or over at the end of the run.")
_r("share_80plus", SHARE, "Residents aged 80+", NEITHER, ALL, "population",
   "Share of residents aged 80 or over at the end of the run.")
_r("multimorbidity_share_65plus", SHARE, "People aged 65+ with two or more chronic conditions", NEITHER,
   "all (aged 65+), and aged 80+ (80+)", "population",
   "Share of residents of the age group with two or more chronic conditions at the end of the run.")
_r("prevalence_65plus", SHARE, "People aged 65+ with the condition", NEITHER,
   "chronic condition (e.g. copd, t2d, dementia)", "population",
   "Share of residents aged 65+ with each chronic condition at the end of the run.")
_r("births_per_1000", PER_1000, "Births", NEITHER, ALL, "population",
   "Births per 1,000 person-years of the measured period.")
_r("immigrants_per_1000", PER_1000, "People moving in", NEITHER, ALL, "population",
   "People moving into the area per 1,000 person-years.")
_r("deaths_per_1000", PER_1000, "Deaths", NEITHER, ALL, "population",
   "Deaths per 1,000 person-years (from the mortality tables, not from the services).")
_r("emigrants_per_1000", PER_1000, "People moving away", NEITHER, ALL, "population",
   "People moving out of the area per 1,000 person-years.")

# general practice: capacity and use
_r("gp_hours_per_week", HOURS_PER_WEEK, "GP clinical hours offered per week", HIGHER, ALL, "practice",
   "GP time offered in the practices' diaries, summed over practices.")
_r("nurse_hours_per_week", HOURS_PER_WEEK, "Practice nurse hours offered per week", HIGHER, ALL,
   "practice", "Practice nurse time offered in the practices' diaries, summed over practices.")
_r("contacts_supplied", "contacts per year", "Contacts given by practices", HIGHER, "role: gp, nurse",
   "practice", "Requests booked with a GP or a practice nurse, per year.")
_r("utilisation", "share of offered time", "Clinician time used", NEITHER,
   "role (gp, nurse), and practice type with time on offer", "practice",
   "Diary time used for contacts as a share of the time offered.")
_r("requests_escalated_per_1000", "unmet same-day requests taken to OOH or the ED, per 1000 per year",
   "Unmet same-day requests sent on to out-of-hours or the ED", LOWER, ALL, "practice",
   "Same-day requests that found no appointment and went on to the out-of-hours GP or the "
   "emergency department, per 1,000 person-years.")
_r("requests_unmet", "requests per year", "Requests that found no appointment", LOWER,
   "all, and why: no_slot (no free time), no_practice (no GP to ask)", "practice",
   "Requests per year that were not booked because no slot was free or the person had no practice.")
_r("gp_contacts_per_person_year", "contacts per person-year", "GP contacts per person per year",
   NEITHER, BANDS, "practice", "Booked practice contacts (GP or nurse) per person-year.")
_r("contacts_per_gp_fte_day", PER_GP_DAY, "Practice contacts per full-time GP per working day",
   NEITHER, "all, in_person (in-person contacts only), by_gp (contacts with a GP only)", "practice",
   "Practice contacts (GPs and their staff, as in the Danish fee statistics) per GP FTE per "
   "weekday worked.")

# general practice: access
_r("access_hours_per_week_per_1000", ACCESS_HOURS, "GP opening hours per week per 1,000 residents",
   HIGHER, "all, practice type, and area type (e.g. urban, town, rural)", "practice",
   "GP-staffed opening hours (each GP FTE contributes its practice's weekly opening hours) per "
   "1,000 residents; by area type each listed resident carries their practice's hours over its list.")
_r("evening_access_hours_per_week_per_1000", ACCESS_HOURS,
   "GP opening hours after 17:00 per week per 1,000 residents", HIGHER, TYPES, "practice",
   "The part of the GP-staffed opening hours after 17:00, per 1,000 residents.")
_r("days_to_third_available", DAYS, "Days to the third free appointment", LOWER, ALL, "practice",
   "Days to the third free standard GP consultation in a practice's diary, averaged over working "
   "practices and measured days.")
_r("same_day_share", "share of contacts", "Contacts on the day asked", HIGHER, TYPES, "practice",
   "Share of booked contacts that took place on the day they were asked for.")
_r("routine_wait_days_mean", DAYS, "Mean wait for a routine appointment", LOWER, TYPES, "practice",
   "Mean days from asking to a booked routine (not same-day) contact.")
_r("routine_wait_days_p90", DAYS, "Wait within which 9 in 10 routine appointments fall", LOWER, TYPES,
   "practice", "90th percentile of the days from asking to a booked routine contact.")
_r("residents_without_gp_per_1000", "per 1000 residents", "Residents without a GP", LOWER, ALL, "lists",
   "Living residents on no practice's list at the end of the run, per 1,000 residents.")
_r("continuity_share", "share of routine GP contacts", "Routine GP contacts with the patient's own GP",
   HIGHER, TYPES, "practice",
   "Expected share of routine GP contacts with the patient's named GP (a contact with another GP of "
   "the practice counts as the named GP's share of its GPs).")
_r("upc_mean", "usual-provider index", "Usual-provider-of-care index (continuity)", HIGHER,
   "all, practice types (of the person's practice) and age bands", "practice",
   "Mean share of a resident's GP contacts that were with their named GP over the continuity window "
   "(demand.continuity.window_days), among living listed residents with at least 2 weighted GP contacts "
   "(each weighs exp(-age/window): two recent contacts, or three spread over the window).")
_r("travel_minutes_mean", MINUTES, "Mean travel time to the practice, one way", LOWER, AREAS,
   "practice", "Mean one-way travel time of in-person contacts.")
_r("equipment_trips_per_1000", "trips to hospital or satellite per 1000 per year",
   "Trips to hospital or satellite for equipment", LOWER, ALL, "practice",
   "Chronic controls booked whose test (lab, ECG, spirometry) the practice cannot do, so the patient "
   "must travel to the hospital or a satellite clinic (trips needed, made or missed), per 1,000 "
   "person-years.")
_r("equipment_trips_missed_share", "share of trips", "Tests of controls missed (trip not made)", LOWER,
   ALL, "practice",
   "Share of those trips the patient did not make (attendance falls with distance, "
   "services.equipment_trip); the control is then incomplete and the person's cover lapses.")
_r("equipment_trip_km_mean", KM, "Distance to equipment (lab, ECG, spirometry), one way", LOWER, ALL,
   "practice", "Mean one-way distance of those equipment trips.")

# general practice: chronic-disease controls
_r("chronic_controls_per_1000", PER_1000, "Chronic-disease controls in general practice", HIGHER,
   CONDITION, "controls", "Chronic-disease controls booked in general practice per 1,000 person-years.")
_r("control_delay_days_mean", DAYS, "Mean delay of chronic-disease controls", LOWER, CONDITION,
   "controls", "Mean days from a control's original due day to its booked contact.")
_r("control_coverage_mean", "share of the window covered",
   "Chronic-care coverage: share of the past year kept up to date by complete controls", HIGHER,
   "controls some deterioration depends on (copd, heart_failure, t2d)", "controls",
   "Mean, over living people with the condition, of the share of the window (demand.chronic_care."
   "window_days, days weighted by exp(-age/window)) in which their last complete control (with its "
   "test, or an attended outpatient control) was at most its interval in general practice plus "
   "overdue_grace_days ago, at the end of the run. People enrolled (diagnosed) recently start at "
   "the reference coverage. The hazard of the deteriorations the control prevents falls with it "
   "(sim.demand.chronic_care).")
_r("controls_overdue_share", "share of controls booked or waiting",
   "Chronic-disease controls more than the grace period late (booked or waiting)", LOWER, ALL,
   "controls", "Controls booked more than overdue_grace_days late, plus those still waiting at the "
   "end that late, as a share of all controls booked or waiting.")
_r("controls_backlog_per_1000_chronic", "per 1000 with a controlled condition",
   "Chronic-disease controls over 60 days late, per 1,000 with a chronic condition", LOWER, ALL,
   "controls", "Controls more than 60 days past their original due day, per 1,000 living people "
   "with a controlled condition, averaged over the measured days.")

# general practice: lists, practices and the workforce
_r("listed_patients_per_gp_fte", "patients per GP FTE", "Listed patients per full-time GP", NEITHER,
   TYPES, "lists", "Patients on the practices' lists at the end of the run per GP FTE.")
_r("practices", "practices", "Practices open", NEITHER, TYPES, "lists",
   "Practices working at the end of the run (not shut).")
_r("practices_closed_share", OF_PRACTICES, "Practices closed to new patients", LOWER, ALL, "lists",
   "Share of working practices closed to new patients at the end of the run.")
_r("gps_closed_share", OF_GP_FTE, "GPs closed to new patients", LOWER, ALL, "lists",
   "Share of GP FTE in practices closed to new patients at the end of the run.")
_r("solo_gp_share", OF_GP_FTE, "GPs in solo practice", NEITHER, ALL, "practice",
   "Share of GP FTE in solo practices at the end of the run.")
_r("gp_fte_per_1000", "GP FTE per 1000 residents", "Full-time GPs per 1,000 residents", HIGHER, ALL,
   "practice", "GP FTE at the end of the run per 1,000 residents.")
_r("gps_retired_per_year", GPS_PER_YEAR, "GPs retired", NEITHER, ALL, "workforce",
   "GPs who retired in the measured period, per year.")
_r("gps_recruited_per_year", GPS_PER_YEAR, "GPs recruited", HIGHER, ALL, "workforce",
   "GPs recruited as successors or new partners in the measured period, per year.")
_r("practices_shut_share", OF_PRACTICES, "Practices that shut", LOWER, ALL, "workforce",
   "Share of practices (not counting the region clinic) that shut for want of GPs during the run.")
_r("gp_age_mean", "years", "Mean age of GPs", NEITHER, ALL, "workforce",
   "Mean age of the GPs of the practices (not the region clinic) at the end of the run.")
_r("gps_60plus_share", "share of GPs", "GPs aged 60 or over", NEITHER, ALL, "workforce",
   "Share of GPs aged 60 or over at the end of the run, those nearest retirement.")
_r("region_clinic_gp_fte", "GP FTE", "Full-time GPs in the region's clinic", NEITHER, ALL, "workforce",
   "GP FTE of the region's clinic (regionsklinik), staffed when residents cannot find a GP.")

# acute episodes, out-of-hours GP, acute team, hospital
_r("acute_episodes_per_1000_65plus", PER_65, "Acute deteriorations among people aged 65+", NEITHER, ALL,
   "episode", "New acute episodes (not readmissions) of people aged 65+ per 1,000 person-years aged 65+.")
_r("episode_outcome_share", OF_EPISODES, "How acute deteriorations end", NEITHER,
   "outcome: home, primary_care, ed_discharged, admitted, died, open", "episode",
   "Share of new episodes (all ages) ending in each outcome; better depends on the outcome.")
_r("episode_first_route_share", OF_EPISODES, "Where acute deteriorations are seen first", NEITHER,
   "first place seen: practice, ooh, acute, ed", "episode",
   "Share of new episodes (all ages) first seen by each service.")
_r("ooh_contacts_per_1000", PER_1000, "Out-of-hours GP contacts", NEITHER,
   "all, and how the call ended: phone, clinic, home_visit", "ooh",
   "Calls to the out-of-hours GP per 1,000 person-years, by how they ended.")
_r("ooh_hospital_contact_share", "share of out-of-hours contacts", "Out-of-hours contacts sent on to the ED",
   NEITHER, ALL, "ooh",
   "Share of out-of-hours GP contacts after which the patient went to the emergency department (modelled "
   "episodes only: the other calls have no modelled hospital contact); Danish GP cooperatives: 9% had a "
   "same-day hospital contact (ooh_hospital_contact_gpc).")
_r("ooh_wait_minutes_mean", MINUTES, "Mean wait for out-of-hours telephone triage", LOWER, ALL, "ooh",
   "Mean minutes from a call to the out-of-hours GP to its telephone triage.")
_r("acute_team_visits_per_1000_65plus", PER_65, "Acute team visits to people aged 65+", NEITHER,
   "all, and visit kind: assessment, iv, followup", "acute_team",
   "Acute-team nurse visits to people aged 65+ per 1,000 person-years aged 65+.")
_r("acute_team_response_minutes_p90", MINUTES, "Acute team: time within which 9 in 10 are reached",
   LOWER, ALL, "acute_team",
   "90th percentile of the minutes from the team taking a call to a nurse arriving for an assessment.")
_r("acute_team_response_minutes_mean", MINUTES, "Acute team: mean time to arrive", LOWER, ALL,
   "acute_team", "Mean minutes from the team taking a call to a nurse arriving for an assessment.")
_r("acute_team_utilisation", "share of nurse time", "Acute team: share of nurse time busy", NEITHER,
   ALL, "acute_team", "Nurse time busy (driving and visiting) as a share of nurse time on duty.")
_r("admissions_per_1000_65plus", PER_65, "Hospital admissions of people aged 65+", LOWER, ALL,
   "hospital", "Acute admissions of people aged 65+, readmissions included, per 1,000 person-years 65+.")
_r("avoidable_admissions_per_1000_65plus", PER_65, "Avoidable admissions of people aged 65+", LOWER,
   "all, and acute-episode group on the avoidable list (e.g. pneumonia, fracture)", "hospital",
   "Admissions of people aged 65+ for conditions on the Danish avoidable-admission list, per 1,000 "
   "person-years aged 65+.")
_r("avoidable_admissions_gp_decile_ratio", "ratio", "Avoidable admissions: worst vs best tenth of GP lists",
   LOWER, ALL, "hospital",
   "90th over 10th percentile, between practices with 100+ listed aged 65+, of the share of listed "
   "65+ with an avoidable admission (empty with fewer than 10 such practices).")
_r("bed_days_per_1000_65plus", "bed days " + PER_65, "Hospital bed days of people aged 65+", LOWER, ALL,
   "hospital", "Days in a hospital bed of people aged 65+ per 1,000 person-years aged 65+.")
_r("readmissions_30d_share", OF_DISCHARGES, "Discharges readmitted within 30 days", LOWER, DISCHARGES,
   "hospital", "Share of discharges (alive, at least 30 days before the end) followed by an acute "
   "readmission within 30 days.")
_r("discharge_followup_share", OF_DISCHARGES, "Discharges followed up within 7 days", HIGHER, DISCHARGES,
   "hospital", "Share of the same discharges with a GP or acute-team follow-up within "
   "services.hospital.followup_days.")
_r("ed_visits_per_1000", PER_1000, "Emergency department visits", LOWER, ALL, "hospital",
   "Emergency department arrivals (escalated requests included) per 1,000 person-years.")
_r("ed_wait_minutes_mean", MINUTES, "Mean wait in the emergency department", LOWER, ALL, "hospital",
   "Mean minutes from arriving at the emergency department to being seen.")
_r("bed_wait_hours_mean", "hours", "Mean wait for a hospital bed", LOWER, ALL, "hospital",
   "Mean hours admitted patients waited in the emergency department for a free bed.",
   condition="with a limited number of beds (services.hospital.beds > 0)")
_r("bed_occupancy", "share of bed time", "Hospital beds: share of bed time used", NEITHER, ALL,
   "hospital", "Bed time used (from the bed, all ages) as a share of the bed time available.",
   condition="with a limited number of beds (services.hospital.beds > 0)")

# hospital outpatient controls and the satellite clinic
_r("outpatient_controls_per_1000", PER_1000, "Hospital outpatient controls due", NEITHER, CONDITION,
   "outpatient", "Hospital outpatient controls due in the measured period per 1,000 person-years.")
_r("outpatient_visits_per_1000", PER_1000, "Hospital outpatient visits", NEITHER,
   "site: hospital, satellite", "outpatient",
   "Hospital outpatient controls per 1,000 person-years, by where they took place.")
_r("outpatient_travel_km_mean", KM, "Distance to hospital outpatient controls, one way", LOWER, ALL,
   "outpatient", "Mean one-way distance from home to the site of the outpatient control.")
_r("outpatient_travel_km_saved_per_1000", "km " + PER_1000, "Travel saved by satellite clinics", HIGHER,
   ALL, "outpatient", "Kilometres, there and back, saved by controls attended at a satellite clinic "
   "instead of the hospital, per 1,000 person-years.")
_r("outpatient_attendance_share", "share of controls", "Hospital outpatient controls attended", HIGHER,
   ALL, "outpatient", "Share of outpatient controls the patient attended (not missed).")

# costs
_r("cost_dkk_per_capita", DKK, "Cost per resident", LOWER,
   "component (general_practice, out_of_hours, acute_function, hospital, satellite, "
   "health_house_capital), and total",
   "costs", "Cost per person-year of the services modelled, from the unit costs in services.costs; "
   "health houses add their capital cost as an annuity (house_capital over capital_years at "
   "discount_rate).")
# fmt: on

