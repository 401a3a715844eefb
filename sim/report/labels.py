"""KPIs, strata and swept parameters in plain words, and the KPIs the report shows by theme."""

from __future__ import annotations

from sim.metrics.registry import KPIS, discover_plugins

discover_plugins()  # plug-in services register their KPIs (and labels) when imported
# KPI labels live in the KPI registry (sim/metrics/registry.py); daily series are labelled here
LABELS: dict[str, str] = {
    **{name: kpi.label for name, kpi in KPIS.items()},
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
# the headline KPIs of the key findings, one for each question a planner asks first: how long
# patients wait, how much general practice is open, how many requests find no appointment, how
# many admissions are avoidable, and what it costs (metric, group)
FINDINGS_KPIS: tuple[tuple[str, str], ...] = (
    ("routine_wait_days_mean", "all"),
    ("access_hours_per_week_per_1000", "all"),
    ("requests_unmet", "all"),
    ("avoidable_admissions_per_1000_65plus", "all"),
    ("cost_dkk_per_capita", "total"),
)
HEATMAP_KPIS = (("routine_wait_days_mean", "all"), ("avoidable_admissions_per_1000_65plus", "all"))
