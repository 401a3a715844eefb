"""Parameters of the people: the population and the care needs it generates."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from sim.config.validation import (
    Validated,
    at_least,
    between,
    keyed_by,
    non_negative,
    positive,
    probabilities,
    probability,
    rates,
    shares_sum_to_one,
)

AGE_BANDS = ("0-64", "65-79", "80+")
# population.ages: the national table, the ages of `municipalities`, or the band-share density
AGE_SOURCES = ("denmark_2021", "municipalities", "bands")
CHANNELS = ("in_person", "phone", "email", "video", "home_visit")


def bands(v0: float, v1: float, v2: float) -> dict[str, float]:
    """A dict of one value per age band."""
    return dict(zip(AGE_BANDS, (v0, v1, v2), strict=True))


# ------------------------------------------------------------------ population
@dataclass(frozen=True)
class AgeBandConfig(Validated):
    """One age band: ages ``low``..``high`` and its population share. With ``ages: bands`` the
    density within the band follows the life table with a linear ``tilt`` (-1..1; positive means
    more people at the older end); with a real table (``ages: denmark_2021``) the band keeps the
    table's single-year shape, reweighted to ``share``, and ``tilt`` is not used."""

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
    """Life-table mortality by sex in the start year; conditions and frailty shift risk between
    people. ``improvement_per_year``: the yearly decline of the hazard at every age (in the
    ``k``-th calendar year after the start the hazard is the life table's times ``(1 - x) ** k``)."""

    male: GompertzMakeham = field(default_factory=GompertzMakeham)
    female: GompertzMakeham = field(default_factory=lambda: GompertzMakeham(0.0004, 1.5e-5, 0.105))
    frailty_hazard_ratio: float = positive(2.0)
    improvement_per_year: float = between(0.0, 0.1, 0.0)


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
    lives_alone: dict[str, float] = keyed_by(probabilities(lambda: bands(0.15, 0.3, 0.5)), AGE_BANDS)


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
    """Who lives in the simulated area and how the population changes each year.

    ``ages``: where single-year ages and sex come from: ``denmark_2021`` (Danish residents on
    1 January 2021, package data; reweighted to the ``age_bands`` shares when bands are given),
    ``municipalities`` (the residents of the DST codes in ``municipalities`` on 1 January 2021,
    sex split by the national ratio at each age; a place sets it: ``sim.config.places``)
    or ``bands`` (the smooth life-table density of the band shares and tilts; needs
    ``age_bands``). See ``sim.population.ages``.
    ``dynamics``: false holds the population still (no ageing, births, deaths, migration,
    condition incidence or GP workforce change), for verification.
    ``real_size``: residents of the real place the geography is drawn for (0: a synthetic
    municipality); run at another ``size``, the map shrinks or grows by ``map_scale`` so that
    density stays the same (``map_areas``). ``max_size``: a real place's ``size`` above it is
    lowered to it when the config is built (a study of many places runs the large ones scaled down).
    """

    name: str = "national"
    size: int = positive(59_246)
    ages: str = "denmark_2021"  # one of AGE_SOURCES
    municipalities: list[int] = field(default_factory=list)  # DST codes, with ages: municipalities
    real_size: int = non_negative(0)
    max_size: int = non_negative(0)  # a real place larger runs at this size (0: no cap); sim.config.load
    dynamics: bool = True
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
        if self.ages not in AGE_SOURCES:
            yield "ages", f"must be one of {', '.join(AGE_SOURCES)} (got {self.ages!r})"
        if self.age_bands:
            yield from shares_sum_to_one("age_bands", {k: b.share for k, b in self.age_bands.items()})
        elif self.ages == "bands":
            yield "age_bands", "needed when ages is bands (give each band low, high and share)"
        for (name_a, a), (name_b, b) in itertools.combinations(self.age_bands.items(), 2):
            if a.low <= b.high and b.low <= a.high:
                yield f"age_bands.{name_b}", f"ages {b.low}-{b.high} overlap band {name_a} ({a.low}-{a.high})"
        for name, band in self.age_bands.items():
            if band.share > 0 and band.low > self.max_age:
                yield f"age_bands.{name}.low", f"must be <= max_age ({self.max_age}) (got {band.low})"
        if len(self.conditions) > 16:
            yield "conditions", "at most 16 conditions (they are kept as a 16-bit mask)"
        if self.ages == "municipalities":
            from sim.config.places import municipal_ages

            known = municipal_ages()
            if not self.municipalities:
                yield "municipalities", "needed when ages is municipalities (DST codes, e.g. [360])"
            for code in self.municipalities:
                if code not in known:
                    yield "municipalities", f"no municipality with DST code {code} in sim/data/denmark"

    @property
    def scale(self) -> float:
        """Residents simulated per real resident of a real place (1 for a synthetic one)."""
        return self.size / self.real_size if self.real_size > 0 else 1.0

    @property
    def map_scale(self) -> float:
        """Factor on the distances of the map: sqrt(size / real_size) for a real place run at
        another size (the same density), 1 otherwise."""
        return (self.size / self.real_size) ** 0.5 if self.real_size > 0 else 1.0

    def map_areas(self) -> list[tuple[float, float, float, int]]:
        """(share, radius km, distance km, count) of each area as drawn: at a real place's own
        size its geography; at another size the main town and the countryside keep their density
        (radius and ring distance times ``map_scale``), and the smaller towns (an area of several
        discs) keep their size and become ``scale`` times as many (at least one)."""
        out = []
        for a in self.geography.areas.values():
            if self.real_size > 0 and a.count > 1:
                count = max(1, round(a.count * self.scale))
                out.append((a.share, a.radius_km, a.distance_km * self.map_scale, count))
            else:
                out.append((a.share, a.radius_km * self.map_scale, a.distance_km * self.map_scale, a.count))
        return out


# ------------------------------------------------------------------ demand
EQUIPMENT = ("", "lab", "spirometry", "ecg")


@dataclass(frozen=True)
class EpisodeGroupConfig(Validated):
    """A group of acute deteriorations (for example COPD exacerbation).

    Rate per person-year by age band among people who have ``requires`` (everyone when
    empty), multiplied by ``risk_ratios`` for people with a named condition, ``frail`` or
    ``home_care``, and, when ``control`` names the chronic control that prevents it, by the
    chronic-care multiplier of the person's coverage of that control
    (:mod:`sim.demand.chronic_care`). ``window_hours`` is how long treatment at home or in
    primary care can still prevent an admission.
    """

    per_1000: dict[str, float] = keyed_by(rates(lambda: bands(0.0, 0.0, 0.0)), AGE_BANDS)
    requires: str = ""
    risk_ratios: dict[str, float] = rates(dict)
    control: str = ""  # the chronic control whose coverage changes this group's hazard
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
class ContinuityConfig(Validated):
    """Continuity of GP care as a mechanism (:mod:`sim.demand.continuity`).

    Each person's usual-provider-of-care index (UPC) is the share of their GP contacts with
    their named GP over a rolling window (contacts weighted by ``exp(-age / window_days)``),
    shrunk towards ``reference_upc`` by ``prior_contacts`` pseudo-contacts. A contact is with
    the named GP when it was booked with them, else with the chance of meeting them among the
    practice's GPs; ``cover_share`` of all contacts are with another doctor whatever the booking
    (holiday cover, locums). The hazard of the ambulatory-care-sensitive (``avoidable``)
    deteriorations is multiplied by ``exp(-hazard_coefficient x (UPC - reference_upc))``.
    """

    hazard_coefficient: float = non_negative(0.0)  # per unit of UPC (0: continuity acts on nothing)
    reference_upc: float = probability(0.8)  # the UPC at which the base rates hold (multiplier 1)
    window_days: float = positive(730.0)
    prior_contacts: float = non_negative(1.0)
    cover_share: float = probability(0.0)


@dataclass(frozen=True)
class ChronicCareConfig(Validated):
    """Chronic care as a mechanism (:mod:`sim.demand.chronic_care`).

    A person is *covered* for a chronic control on a day when their last complete control of
    it (in general practice with its test, or at a hospital outpatient clinic) was at most its
    interval in general practice (at hospital for a condition followed there only) plus
    ``overdue_grace_days`` ago. Their coverage is the share of the last
    ``window_days`` they were covered (days weighted by ``exp(-age / window_days)``). The hazard
    of the deteriorations the control prevents (episode groups naming it in ``control``) is
    multiplied by ``exp(-hazard_coefficient x (coverage - reference_coverage))``.
    """

    hazard_coefficient: float = non_negative(0.0)  # per unit of coverage (0: controls act on nothing)
    reference_coverage: float = probability(0.9)  # the coverage at which the base rates hold
    window_days: float = positive(365.0)


@dataclass(frozen=True)
class DemandConfig(Validated):
    """Care needs generated by the population: practice requests, controls and acute episodes."""

    contacts_per_year: dict[str, float] = keyed_by(rates(lambda: bands(0.0, 0.0, 0.0)), AGE_BANDS)
    same_day_share: float = probability(0.3)
    channel_mix: dict[str, float] = probabilities(
        lambda: {"in_person": 1.0, "phone": 0.0, "email": 0.0, "video": 0.0}
    )
    nurse_eligible_share: float = probability(0.0)
    home_visit_share_home_care: float = probability(0.0)  # requests of home-care recipients seen at home
    unmet_same_day_to_acute_share: float = probability(0.0)  # unmet same-day needs taken to OOH or the ED
    controls: dict[str, ControlConfig] = field(default_factory=dict)
    control_retry_days: int = at_least(1, 7)
    # patients who put off their controls: this share of people with controls answers each
    # reminder with ``control_response_probability`` only (everyone else comes when asked)
    control_nonadherent_share: float = probability(0.0)
    control_response_probability: float = probability(1.0)
    overdue_grace_days: int = non_negative(60)
    chronic_care: ChronicCareConfig = field(default_factory=ChronicCareConfig)
    continuity: ContinuityConfig = field(default_factory=ContinuityConfig)
    episode_groups: dict[str, EpisodeGroupConfig] = field(default_factory=dict)

    def checks(self) -> Iterator[tuple[str, str]]:
        yield from shares_sum_to_one("channel_mix", self.channel_mix)
        for key in self.channel_mix:
            if key not in CHANNELS:
                yield f"channel_mix.{key}", f"unknown channel (allowed: {', '.join(CHANNELS)})"
        for name, group in self.episode_groups.items():
            if group.control and group.control not in self.controls:
                yield f"episode_groups.{name}.control", f"no control named {group.control!r}"
