"""KPIs, strata and swept parameters in plain words, and the KPIs the report shows by theme."""

from __future__ import annotations

LABELS: dict[str, str] = {
    "access_hours_per_week_per_1000": "GP opening hours per week per 1,000 residents",
    "acute_episodes_per_1000_65plus": "Acute deteriorations among people aged 65+",
    "acute_team_response_minutes_mean": "Acute team: mean time to arrive",
    "acute_team_response_minutes_p90": "Acute team: time within which 9 in 10 are reached",
    "acute_team_utilisation": "Acute team: share of nurse time busy",
    "acute_team_visits_per_1000_65plus": "Acute team visits to people aged 65+",
    "admissions_per_1000_65plus": "Hospital admissions of people aged 65+",
    "avoidable_admissions_gp_decile_ratio": "Avoidable admissions: worst vs best tenth of GP lists",
    "avoidable_admissions_per_1000_65plus": "Avoidable admissions of people aged 65+",
    "bed_days_per_1000_65plus": "Hospital bed days of people aged 65+",
    "bed_occupancy": "Hospital beds: share of bed time used",
    "bed_wait_hours_mean": "Mean wait for a hospital bed",
    "births_per_1000": "Births",
    "chronic_controls_per_1000": "Chronic-disease controls in general practice",
    "contacts_per_gp_fte_day": "Practice contacts per full-time GP per working day",
    "contacts_supplied": "Contacts given by practices",
    "continuity_share": "Routine GP contacts with the patient's own GP",
    "control_delay_days_mean": "Mean delay of chronic-disease controls",
    "controls_backlog_per_1000_chronic": (
        "Chronic-disease controls over 60 days late, per 1,000 with a chronic condition"
    ),
    "controls_overdue_share": "Chronic-disease controls more than the grace period late (booked or waiting)",
    "cost_dkk_per_capita": "Cost per resident",
    "days_to_third_available": "Days to the third free appointment",
    "deaths_per_1000": "Deaths",
    "discharge_followup_share": "Discharges followed up within 7 days",
    "ed_visits_per_1000": "Emergency department visits",
    "ed_wait_minutes_mean": "Mean wait in the emergency department",
    "emigrants_per_1000": "People moving away",
    "episode_first_route_share": "Where acute deteriorations are seen first",
    "episode_outcome_share": "How acute deteriorations end",
    "equipment_trip_km_mean": "Distance to equipment (lab, ECG, spirometry), one way",
    "equipment_trips_per_1000": "Trips to hospital or satellite for equipment",
    "evening_access_hours_per_week_per_1000": "GP opening hours after 17:00 per week per 1,000 residents",
    "gp_age_mean": "Mean age of GPs",
    "gp_contacts_per_person_year": "GP contacts per person per year",
    "gp_fte_per_1000": "Full-time GPs per 1,000 residents",
    "gp_hours_per_week": "GP clinical hours offered per week",
    "gps_60plus_share": "GPs aged 60 or over",
    "gps_closed_share": "GPs closed to new patients",
    "gps_recruited_per_year": "GPs recruited",
    "gps_retired_per_year": "GPs retired",
    "immigrants_per_1000": "People moving in",
    "listed_patients_per_gp_fte": "Listed patients per full-time GP",
    "multimorbidity_share_65plus": "People aged 65+ with two or more chronic conditions",
    "nurse_hours_per_week": "Practice nurse hours offered per week",
    "ooh_contacts_per_1000": "Out-of-hours GP contacts",
    "ooh_wait_minutes_mean": "Mean wait for out-of-hours telephone triage",
    "outpatient_attendance_share": "Hospital outpatient controls attended",
    "outpatient_controls_per_1000": "Hospital outpatient controls due",
    "outpatient_travel_km_mean": "Distance to hospital outpatient controls, one way",
    "outpatient_travel_km_saved_per_1000": "Travel saved by satellite clinics",
    "outpatient_visits_per_1000": "Hospital outpatient visits",
    "population": "Residents",
    "population_by_age": "Residents by sex and age",
    "practices_closed_share": "Practices closed to new patients",
    "practices_shut_share": "Practices that shut",
    "prevalence_65plus": "People aged 65+ with the condition",
    "readmissions_30d_share": "Discharges readmitted within 30 days",
    "region_clinic_gp_fte": "Full-time GPs in the region's clinic",
    "requests_escalated_per_1000": "Unmet same-day requests sent on to out-of-hours or the ED",
    "requests_unmet": "Requests that found no appointment",
    "residents_without_gp_per_1000": "Residents without a GP",
    "routine_wait_days_mean": "Mean wait for a routine appointment",
    "routine_wait_days_p90": "Wait within which 9 in 10 routine appointments fall",
    "same_day_share": "Contacts on the day asked",
    "share_65plus": "Residents aged 65+",
    "share_80plus": "Residents aged 80+",
    "solo_gp_share": "GPs in solo practice",
    "travel_minutes_mean": "Mean travel time to the practice, one way",
    "utilisation": "Clinician time used",
    # time series
    "ed_queue": "Patients waiting in the emergency department",
    "ooh_queue": "Callers waiting for out-of-hours triage",
    "beds_occupied": "Hospital beds occupied",
}

# strata in plain words; strata not listed are shown with spaces for underscores
# swept parameters in plain words, with their unit (other keys show their last three parts)
PARAM_LABELS: dict[str, str] = {
    "demand.nurse_eligible_share": "share of consultations a nurse could handle",
    "organisation.practice_types.health_house.nurses_per_gp": "nurses per GP in health houses",
    "services.acute_function.shifts.day.nurses": "acute-team nurses on the day shift",
    "services.acute_function.shifts.evening.nurses": "acute-team nurses on the evening shift",
    "services.acute_function.shifts.night.nurses": "acute-team nurses on the night shift",
    "organisation.merge.types.solo": "share of solo practices merged into houses",
    "organisation.merge.types.partnership": "share of partnerships merged into houses",
    "services.satellite.sessions_per_week": "satellite clinic sessions per week",
    "services.acute_function.treat_at_home_default": "share the acute team treats at home",
}


def param_label(key: str) -> str:
    """A swept parameter in plain words (its config key when there is no label yet)."""
    return PARAM_LABELS.get(key, f"{'.'.join(key.split('.')[-3:])} (swept value)")


GROUP_LABELS: dict[str, str] = {
    "all": "",
    "gp": "GPs",
    "nurse": "nurses",
    "solo": "solo practices",
    "partnership": "partnerships",
    "health_house": "health houses",
    "region_clinic": "region clinic",
    "copd": "COPD",
    "copd_exacerbation": "COPD exacerbation",
    "t2d": "type 2 diabetes",
    "ooh": "out-of-hours GP",
    "ed": "emergency department",
    "acute": "acute team",
    "iv": "IV treatment",
    "ed_discharged": "sent home from the ED",
    "primary_care": "treated by a GP",
    "home": "treated at home",
    "total": "total",
    "0-64": "aged 0-64",
    "65-79": "aged 65-79",
    "80+": "aged 80+",
    "65+": "aged 65+",
}

# KPIs of the comparison panels (metric, group)


def group_label(group: str) -> str:
    """A stratum in plain words."""
    return GROUP_LABELS.get(group, str(group).replace("_", " "))


def label(metric: str, group: str = "all") -> str:
    """A KPI and its stratum in plain words, e.g. 'Clinician time used (GPs)'."""
    text = LABELS.get(metric, metric.replace("_", " ").capitalize())
    return f"{text} ({group_label(group)})" if group != "all" else text


# KPIs of the report's tables: (theme, metric, group)
REPORT_KPIS: tuple[tuple[str, str, str], ...] = (
    ("Access", "routine_wait_days_mean", "all"),
    ("Access", "routine_wait_days_p90", "all"),
    ("Access", "same_day_share", "all"),
    ("Access", "days_to_third_available", "all"),
    ("Access", "access_hours_per_week_per_1000", "all"),
    ("Access", "evening_access_hours_per_week_per_1000", "all"),
    ("Access", "residents_without_gp_per_1000", "all"),
    ("Access", "travel_minutes_mean", "all"),
    ("Use and capacity", "gp_contacts_per_person_year", "all"),
    ("Use and capacity", "utilisation", "gp"),
    ("Use and capacity", "utilisation", "nurse"),
    ("Use and capacity", "requests_unmet", "all"),
    ("Acute care", "ooh_contacts_per_1000", "all"),
    ("Acute care", "ed_visits_per_1000", "all"),
    ("Acute care", "admissions_per_1000_65plus", "all"),
    ("Acute care", "avoidable_admissions_per_1000_65plus", "all"),
    ("Acute care", "readmissions_30d_share", "65+"),
    ("Acute care", "bed_days_per_1000_65plus", "all"),
    ("Acute care", "acute_team_visits_per_1000_65plus", "all"),
    ("Acute care", "acute_team_response_minutes_p90", "all"),
    ("Population", "population", "all"),
    ("Population", "share_65plus", "all"),
    ("Population", "share_80plus", "all"),
    ("Cost", "cost_dkk_per_capita", "total"),
)
HEATMAP_KPIS = (("routine_wait_days_mean", "all"), ("avoidable_admissions_per_1000_65plus", "all"))
