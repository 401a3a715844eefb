"""Parameter schema of the simulator: frozen, validated dataclasses.

These classes are the single definition of every parameter: Hydra registers them as the
structured-config schema (so a typo fails when the config is composed), and
:func:`sim.config.build` turns a plain mapping into them for notebooks and tests.
Defaults here are neutral; the Danish defaults, each with its source, live in ``configs/``.
Collections are dicts keyed by name so that one entry can be overridden from the
command line (``organisation.practice_types.solo.gp_share=0.3``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sim.calendar import WEEKDAYS
from sim.config.validation import (
    Validated,
    at_least,
    between,
    non_negative,
    positive,
    probabilities,
    probability,
    rates,
    shares_sum_to_one,
)

AGE_BANDS = ("0-64", "65-79", "80+")
CHANNELS = ("in_person", "phone", "email", "video", "home_visit")


def _bands(v0: float, v1: float, v2: float) -> dict[str, float]:
    return dict(zip(AGE_BANDS, (v0, v1, v2), strict=True))


# ------------------------------------------------------------------ population
@dataclass(frozen=True)
class AgeBandConfig(Validated):
    """One age band: ages ``low``..``high``, its population share, and a linear tilt of the
    density within the band (-1..1; positive means more people at the older end)."""

    low: int = non_negative(0)
    high: int = non_negative(64)
    share: float = probability(1.0)
    tilt: float = between(-1.0, 1.0, 0.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.high < self.low:
            yield "high", f"must be >= low ({self.low}) (got {self.high})"


@dataclass(frozen=True)
class GompertzMakeham(Validated):
    """Annual death hazard ``A + B * exp(C * age)``."""

    A: float = non_negative(0.0005)
    B: float = positive(3e-5)
    C: float = positive(0.1)


@dataclass(frozen=True)
class MortalityConfig(Validated):
    """Life-table mortality by sex; conditions and frailty shift risk between people."""

    male: GompertzMakeham = field(default_factory=GompertzMakeham)
    female: GompertzMakeham = field(default_factory=lambda: GompertzMakeham(0.0004, 1.5e-5, 0.105))
    frailty_hazard_ratio: float = positive(2.0)


@dataclass(frozen=True)
class ConditionConfig(Validated):
    """A chronic condition: prevalence at anchor ages (interpolated on the logit scale and
    non-decreasing with age), sex difference, and its effect on mortality.

    A person has the condition once their fixed liability exceeds the threshold of their
    age, so prevalence rises with age without separate incidence draws, and people with a
    high shared liability (``loading``) have several conditions (multimorbidity).
    """

    prevalence: dict[str, float] = probabilities(dict)  # keys: ages, e.g. {"40": 0.01, "70": 0.1}
    female_odds_ratio: float = positive(1.0)
    mortality_hazard_ratio: float = positive(1.0)
    loading: float = between(0.0, 0.99, 0.5)

    def checks(self) -> Iterator[tuple[str, str]]:
        try:
            ages = sorted((float(k), v) for k, v in self.prevalence.items())
        except ValueError:
            yield "prevalence", "keys must be ages in years"
            return
        for (a0, p0), (a1, p1) in itertools.pairwise(ages):
            if p1 < p0:
                yield f"prevalence.{a1:g}", f"must not fall with age ({p1} at {a1:g} < {p0} at {a0:g})"
            if p1 >= 1.0 or p0 >= 1.0:
                yield "prevalence", "prevalence must be below 1"


@dataclass(frozen=True)
class FrailtyConfig(Validated):
    """Frailty index in [0, 1] from age, conditions and the shared liability; home care and
    living alone follow from it."""

    intercept: float = between(-20, 20, -3.0)
    per_decade_over_80: float = between(-10, 10, 1.0)
    per_condition: float = between(-10, 10, 0.5)
    liability: float = between(-10, 10, 0.5)
    frail_threshold: float = probability(0.5)
    home_care_threshold: float = probability(0.6)
    lives_alone: dict[str, float] = probabilities(lambda: _bands(0.15, 0.3, 0.5))


@dataclass(frozen=True)
class AreaConfig(Validated):
    """One kind of area: its population share, disc radius and distance from the centre (km)."""

    share: float = probability(0.3)
    speed_kmh: float = positive(30.0)  # door-to-door travel speed to the practice
    radius_km: float = positive(3.0)
    distance_km: float = non_negative(0.0)
    count: int = at_least(1, 1)


@dataclass(frozen=True)
class GeographyConfig(Validated):
    """A synthetic municipality: a main town at the centre, smaller towns on a ring around it,
    and rural homes spread over the whole area; the hospital's position."""

    areas: dict[str, AreaConfig] = field(
        default_factory=lambda: {
            "urban": AreaConfig(0.5, 20.0, 3.0, 0.0, 1),
            "town": AreaConfig(0.3, 30.0, 1.5, 12.0, 4),
            "rural": AreaConfig(0.2, 45.0, 20.0, 0.0, 1),
        }
    )
    hospital_distance_km: float = non_negative(20.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from shares_sum_to_one("areas", {k: a.share for k, a in self.areas.items()})


@dataclass(frozen=True)
class PopulationConfig(Validated):
    """Who lives in the simulated area and how the population changes each year."""

    name: str = "national"
    size: int = positive(59_246)
    age_bands: dict[str, AgeBandConfig] = field(default_factory=dict)
    age_growth_rate: float = between(-0.1, 0.1, 0.0)
    projection_years: int = between(0, 50, 0)  # years of population change simulated before day 0
    max_age: int = between(80, 120, 105)
    geography: GeographyConfig = field(default_factory=GeographyConfig)
    mortality: MortalityConfig = field(default_factory=MortalityConfig)
    births_per_1000: float = non_negative(0.0)
    net_migration_per_1000: float = between(-1000, 1000, 0.0)
    conditions: dict[str, ConditionConfig] = field(default_factory=dict)
    frailty: FrailtyConfig = field(default_factory=FrailtyConfig)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.age_bands:
            yield from shares_sum_to_one("age_bands", {k: b.share for k, b in self.age_bands.items()})
        if len(self.conditions) > 16:
            yield "conditions", "at most 16 conditions (they are kept as a 16-bit mask)"


def check_condition_names(config: SimConfig) -> Iterator[tuple[str, str]]:
    """Yield errors where demand refers to a condition the population does not have."""
    known = set(config.population.conditions)
    for name in config.demand.controls:
        if name not in known:
            yield f"demand.controls.{name}", f"no condition named {name!r} in population.conditions"
    for name, group in config.demand.episode_groups.items():
        if group.requires and group.requires not in known:
            yield f"demand.episode_groups.{name}.requires", f"no condition named {group.requires!r}"
        for key in group.risk_ratios:
            if key not in known | {"frail", "home_care", "lives_alone"}:
                yield (
                    f"demand.episode_groups.{name}.risk_ratios.{key}",
                    ("not a condition, frail, home_care or lives_alone"),
                )


# ------------------------------------------------------------------ demand
EQUIPMENT = ("", "lab", "spirometry", "ecg")


@dataclass(frozen=True)
class EpisodeGroupConfig(Validated):
    """A group of acute deteriorations (for example COPD exacerbation).

    Rate per person-year by age band among people who have ``requires`` (everyone when
    empty), multiplied by ``risk_ratios`` for people with a named condition, ``frail`` or
    ``home_care``, and by the overdue-control hazard ratio when their ``overdue_control``
    is overdue. ``window_hours`` is how long treatment at home or in primary care can still
    prevent an admission.
    """

    per_1000: dict[str, float] = rates(lambda: _bands(0.0, 0.0, 0.0))
    requires: str = ""
    risk_ratios: dict[str, float] = rates(dict)
    overdue_control: str = ""
    avoidable: bool = False
    primary_care_treatable: float = probability(0.5)
    severe_share: float = probability(0.2)
    window_hours: float = non_negative(24.0)


@dataclass(frozen=True)
class ControlConfig(Validated):
    """Planned care for one chronic condition: controls in general practice and at hospital."""

    per_year: float = non_negative(1.0)
    nurse_eligible: bool = True
    equipment: str = ""
    outpatient_per_year: float = non_negative(0.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.equipment not in EQUIPMENT:
            allowed = "lab, spirometry, ecg or empty"
            yield "equipment", f"unknown equipment {self.equipment!r} (allowed: {allowed})"


@dataclass(frozen=True)
class DemandConfig(Validated):
    """Care needs generated by the population: practice requests, controls and acute episodes."""

    contacts_per_year: dict[str, float] = rates(lambda: _bands(0.0, 0.0, 0.0))
    same_day_share: float = probability(0.3)
    channel_mix: dict[str, float] = probabilities(
        lambda: {"in_person": 1.0, "phone": 0.0, "email": 0.0, "video": 0.0}
    )
    nurse_eligible_share: float = probability(0.0)
    home_visit_share_home_care: float = probability(0.0)  # requests of home-care recipients seen at home
    controls: dict[str, ControlConfig] = field(default_factory=dict)
    control_retry_days: int = at_least(1, 7)
    overdue_grace_days: int = non_negative(60)
    overdue_hazard_ratio: float = positive(1.3)
    episode_groups: dict[str, EpisodeGroupConfig] = field(default_factory=dict)

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from shares_sum_to_one("channel_mix", self.channel_mix)
        for key in self.channel_mix:
            if key not in CHANNELS:
                yield f"channel_mix.{key}", f"unknown channel (allowed: {', '.join(CHANNELS)})"
        for name, group in self.episode_groups.items():
            if group.overdue_control and group.overdue_control not in self.controls:
                yield f"episode_groups.{name}.overdue_control", f"no control named {group.overdue_control!r}"


# ------------------------------------------------------------------ organisation
@dataclass(frozen=True)
class Hours(Validated):
    """Opening hours of one weekday, in clock hours (8.0 = 08:00, 17.5 = 17:30)."""

    open: float = between(0, 24, 8.0)
    close: float = between(0, 24, 16.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.close <= self.open:
            yield "close", f"closing ({self.close:g}) must be after opening ({self.open:g})"


def _weekday_hours(open_: float = 8.0, close: float = 16.0) -> dict[str, Hours]:
    return {d: Hours(open_, close) for d in WEEKDAYS[:5]}


@dataclass(frozen=True)
class ChannelMinutes(Validated):
    """Clinician minutes taken by one contact, by channel."""

    in_person: float = positive(15.0)
    phone: float = positive(5.0)
    email: float = positive(3.0)
    video: float = positive(10.0)
    home_visit: float = positive(45.0)  # including travel, until travel is modelled from distance


@dataclass(frozen=True)
class DiaryConfig(Validated):
    """Appointment diary: minutes per contact by role, same-day carve-out, booking horizon."""

    gp_minutes: ChannelMinutes = field(default_factory=ChannelMinutes)
    nurse_minutes: ChannelMinutes = field(default_factory=lambda: ChannelMinutes(20.0, 8.0, 4.0, 15.0, 50.0))
    same_day_share: float = probability(0.3)
    booking_horizon_days: int = at_least(1, 20)


@dataclass(frozen=True)
class PracticeTypeConfig(Validated):
    """A kind of practice (solo, partnership, health house) and how it is staffed and opened."""

    gp_share: float = probability(0.0)
    gps_per_practice: float = positive(1.0)
    nurses_per_gp: float = non_negative(0.0)
    secretaries_per_gp: float = non_negative(0.5)
    gp_clinical_hours_per_week: float = non_negative(36.0)
    nurse_clinical_hours_per_week: float = non_negative(30.0)
    weeks_off_per_year: float = between(0.0, 52.0, 0.0)  # holiday and courses: capacity spread over the rest
    hours: dict[str, Hours] = field(default_factory=_weekday_hours)
    nurse_delegation: bool = False
    video: bool = False
    diary: DiaryConfig = field(default_factory=DiaryConfig)

    def checks(self) -> Iterator[tuple[str, str]]:
        if not self.hours and self.gp_share > 0:
            yield "hours", "a practice type with GPs must open on at least one weekday"
        for day in self.hours:
            if day not in WEEKDAYS:
                yield f"hours.{day}", f"unknown weekday (allowed: {', '.join(WEEKDAYS)})"


@dataclass(frozen=True)
class OrganisationConfig(Validated):
    """How general practice is organised: list sizes and the mix of practice types."""

    name: str = "baseline"
    list_size_per_gp: float = positive(1600.0)
    list_spread: float = non_negative(0.0)  # sd of log list size around the norm, between practices
    close_at_share_of_norm: float = positive(1.0)  # closes to new patients at this share of its norm
    practice_types: dict[str, PracticeTypeConfig] = field(
        default_factory=lambda: {"solo": PracticeTypeConfig(gp_share=1.0)}
    )

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from shares_sum_to_one(
            "practice_types", {k: t.gp_share for k, t in self.practice_types.items()}
        )


# ------------------------------------------------------------------ services
@dataclass(frozen=True)
class DistributionConfig(Validated):
    """A duration distribution in minutes: ``exponential``, ``fixed`` or ``lognormal``."""

    dist: str = "exponential"
    mean: float = positive(60.0)
    cv: float = non_negative(1.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if self.dist not in ("exponential", "fixed", "lognormal"):
            yield "dist", f"unknown distribution {self.dist!r} (allowed: exponential, fixed, lognormal)"


@dataclass(frozen=True)
class StationConfig(Validated):
    """A multi-server first-come-first-served service (emergency department, ...)."""

    servers: int = non_negative(4)
    infinite: bool = False
    service: DistributionConfig = field(default_factory=DistributionConfig)


@dataclass(frozen=True)
class HospitalConfig(Validated):
    """Emergency department, admission probabilities and length of stay."""

    ed: StationConfig = field(default_factory=StationConfig)
    admit_probability: dict[str, float] = probabilities(dict)
    admit_probability_default: float = probability(0.3)
    los_days: dict[str, float] = rates(lambda: _bands(3.0, 4.0, 5.0))
    referral_delay_minutes: float = non_negative(120.0)

    def checks(self) -> Iterator[tuple[str, str]]:
        if not self.ed.infinite and self.ed.servers < 1:
            yield "ed.servers", f"the emergency department needs at least one server (got {self.ed.servers})"


@dataclass(frozen=True)
class ServicesConfig(Validated):
    """Services outside general practice."""

    hospital: HospitalConfig = field(default_factory=HospitalConfig)


# ------------------------------------------------------------------ rules, scenario, run
@dataclass(frozen=True)
class RuleConfig(Validated):
    """A decision rule selected by ``name`` from its family's registry, with its parameters."""

    name: str = "default"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RulesConfig(Validated):
    """The rule chosen for each decision family."""

    care_seeking: RuleConfig = field(default_factory=RuleConfig)
    triage: RuleConfig = field(default_factory=RuleConfig)
    booking: RuleConfig = field(default_factory=lambda: RuleConfig("first_available"))
    escalation: RuleConfig = field(default_factory=RuleConfig)
    admission: RuleConfig = field(default_factory=RuleConfig)
    list_management: RuleConfig = field(default_factory=RuleConfig)


@dataclass(frozen=True)
class ScenarioConfig(Validated):
    """A named scenario with a one-sentence description for planners."""

    name: str = "baseline"
    description: str = ""


@dataclass(frozen=True)
class ExperimentConfig(Validated):
    """A named experiment (a sweep of scenarios, parameters and replications)."""

    name: str = "default"
    description: str = ""


@dataclass(frozen=True)
class OutputConfig(Validated):
    """What a run writes besides ``kpis`` and the manifest."""

    timeseries: bool = True
    csv: bool = True
    plots: bool = True


@dataclass(frozen=True)
class SimConfig(Validated):
    """Everything one run needs. ``sim.run(SimConfig(...))`` runs it."""

    seed: int = non_negative(2025)
    replications: int = at_least(1, 1)
    workers: int = at_least(1, 1)
    years: float = positive(1.0)
    warmup_days: int = non_negative(28)
    start_year: int = between(1900, 2200, 2025)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    organisation: OrganisationConfig = field(default_factory=OrganisationConfig)
    services: ServicesConfig = field(default_factory=ServicesConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    experiment: ExperimentConfig = field(default_factory=ExperimentConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from check_condition_names(self)
        if round(self.years * 365) < 1:
            yield "years", f"the measured horizon must be at least one day (got {self.years} years)"
